import { NotFoundError } from '../../shared/errors';
import type { Page } from '../../shared/page';
import { type AliasChangeRecord, type AliasRecord, isLive, type ModelRecord, type ModelVersionRecord } from './model';
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

  async function resolveVersion(name: string, version: number | 'latest' | undefined, alias: string | undefined): Promise<ModelVersionRecord> {
    if (alias !== undefined) {
      const target = await store.getAlias(name, alias);
      if (!isLive(target)) {
        await requireModel(name);
        throw new NotFoundError(`model ${name} has no alias "${alias}"`);
      }
      return requireVersion(name, target.version);
    }
    if (typeof version === 'number') return requireVersion(name, version);
    const latest = await store.getLatestVersion(name);
    if (!latest) {
      await requireModel(name);
      throw new NotFoundError(`model ${name} has no versions yet`);
    }
    return latest;
  }

  async function requireVersion(name: string, number: number): Promise<ModelVersionRecord> {
    const version = await store.getVersion(name, number);
    if (version) return version;
    await requireModel(name);
    throw new NotFoundError(`model ${name} has no version ${number}`);
  }

  return async (command: QueryRegistryCommand): Promise<QueryResult> => {
    switch (command.query) {
      case 'getModel': {
        const [model, latest, aliases] = await Promise.all([requireModel(command.name), store.getLatestVersion(command.name), store.listAliases(command.name)]);
        // The versions themselves say which is latest; the model's own field may trail a commit in flight.
        return { ...model, latestVersion: latest?.version ?? 0, aliases: aliasMap(aliases) };
      }
      case 'getVersion':
        return resolveVersion(command.name, command.version, command.alias);
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
