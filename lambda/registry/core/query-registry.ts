import { NotFoundError } from '../../shared/errors';
import type { AliasChangeRecord, AliasRecord, ModelRecord, ModelVersionRecord, Page } from './model';
import type { RegistryStore } from './ports';
import type { QueryRegistryCommand } from './schemas';

export interface ModelDetails extends ModelRecord {
  /** Alias name -> the version it points at. */
  readonly aliases: Readonly<Record<string, number>>;
}

export type QueryResult = ModelDetails | ModelVersionRecord | Page<ModelRecord> | Page<ModelVersionRecord> | Page<AliasChangeRecord>;

const aliasMap = (aliases: readonly AliasRecord[]) => Object.fromEntries(aliases.map((alias) => [alias.alias, alias.version]));

/** Answers the registry's read queries; every one is a key lookup or an indexed query, never a scan. */
export function queryRegistry(store: RegistryStore) {
  async function requireModel(name: string): Promise<ModelRecord> {
    const model = await store.getModel(name);
    if (!model) throw new NotFoundError(`no model named "${name}"`);
    return model;
  }

  async function resolveVersionNumber(name: string, version: number | 'latest' | undefined, alias: string | undefined): Promise<number> {
    if (alias !== undefined) {
      const target = await store.getAlias(name, alias);
      if (!target) {
        await requireModel(name);
        throw new NotFoundError(`model ${name} has no alias "${alias}"`);
      }
      return target.version;
    }
    if (typeof version === 'number') return version;
    return (await requireModel(name)).latestVersion;
  }

  return async (command: QueryRegistryCommand): Promise<QueryResult> => {
    switch (command.query) {
      case 'getModel': {
        const [model, aliases] = await Promise.all([requireModel(command.name), store.listAliases(command.name)]);
        return { ...model, aliases: aliasMap(aliases) };
      }
      case 'getVersion': {
        const number = await resolveVersionNumber(command.name, command.version, command.alias);
        const version = await store.getVersion(command.name, number);
        if (!version) {
          await requireModel(command.name);
          throw new NotFoundError(`model ${command.name} has no version ${number}`);
        }
        return version;
      }
      case 'listModels':
        return store.listModels(command);
      case 'listVersions':
        return store.listVersions(command.name, command);
      case 'findVersions':
        return store.findVersions(command.tag, command.name, command);
      case 'aliasHistory':
        return store.aliasHistory(command.name, command.alias, command);
    }
  };
}
