import type { Command } from 'commander';
import type { ModelDetails } from '../../../lambda/registry/core/query-registry';
import { connect } from '../../config';
import type { CliContext } from '../../context';
import { type ModelReference, parseModelReference } from '../../parse';
import { formatDate } from '../../render/format';
import { writeBlocks, writeJson } from '../../render/output';
import { renderFields, renderTable } from '../../render/table';
import { globalOptions } from '../options';
import { renderVersionDetails } from './version-details';

/** The aliases pointing at `version`, by name. */
export const aliasesOf = (model: ModelDetails, version: number): string[] =>
  Object.entries(model.aliases)
    .filter(([, target]) => target === version)
    .map(([alias]) => alias)
    .sort();

function renderModel(model: ModelDetails): string[] {
  const aliases = Object.entries(model.aliases).sort(([a], [b]) => a.localeCompare(b));
  return [
    model.name,
    renderFields([
      ['latest version', model.latestVersion],
      ['created', formatDate(model.createdAt)],
      ['updated', formatDate(model.updatedAt)],
      // Deleted through MLflow's API: kept as the record of what was registered.
      ['deleted', model.deletedAt && formatDate(model.deletedAt)],
    ]),
    aliases.length === 0
      ? 'no aliases'
      : renderTable<[string, number]>(
          [
            { header: 'alias', value: ([alias]) => alias },
            { header: 'version', value: ([, version]) => version, align: 'right' },
          ],
          aliases,
        ),
  ];
}

export function addShowCommand(model: Command, context: CliContext): void {
  model
    .command('show')
    .description('show a model and its aliases, or one version of it')
    .argument('<model>', 'NAME, NAME:VERSION (a number or "latest") or NAME@ALIAS', parseModelReference)
    .action(async (reference: ModelReference, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connect(context, globals, ['queryRegistry']);
      if (reference.version === undefined) {
        const details = await client.getModel(reference.name);
        return globals.json ? writeJson(context.stdout, details) : writeBlocks(context.stdout, ...renderModel(details));
      }
      const [version, details] = await Promise.all([client.getVersion(reference.name, reference.version), client.getModel(reference.name)]);
      if (globals.json) return writeJson(context.stdout, version);
      writeBlocks(context.stdout, ...renderVersionDetails(version, aliasesOf(details, version.version)));
    });
}
