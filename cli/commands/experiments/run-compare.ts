import type { Command } from 'commander';
import { type CompareMode, compareModelVersions, compareRuns } from '../../../client/experiments/compare-runs';
import type { RegistryClient } from '../../../client/registry/registry-client';
import type { ModelVersionRecord } from '../../../lambda/registry/core/model';
import { connect, connectTracking } from '../../config';
import type { CliContext } from '../../context';
import { type ModelReference, parseModelReference } from '../../parse';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { modeOption } from './run-arguments';
import { renderModelComparison, renderRunComparison } from './run-comparison';

interface CompareOptions {
  readonly model?: ModelReference;
  readonly alias?: string;
  readonly metric?: string;
  readonly mode?: CompareMode;
}

/** The alias a new version is judged against when none is named, if the model has it. */
export const DEFAULT_ALIAS = 'production';
/** Earlier versions shown beside the one compared. */
const EARLIER_VERSIONS = 5;

async function earlierVersions(client: RegistryClient, name: string, before: number): Promise<ModelVersionRecord[]> {
  const earlier: ModelVersionRecord[] = [];
  for await (const version of client.iterateVersions(name, { limit: 25 })) {
    if (version.version >= before) continue;
    earlier.push(version);
    if (earlier.length === EARLIER_VERSIONS) break;
  }
  return earlier;
}

async function compareModel(context: CliContext, command: Command, options: CompareOptions & { model: ModelReference }): Promise<void> {
  const globals = globalOptions(command);
  const client = await connect(context, globals, ['queryRegistry']);
  const { name, version = 'latest' } = options.model;
  const [candidate, details] = await Promise.all([client.getVersion(name, version), client.getModel(name)]);
  const aliasName = options.alias ?? DEFAULT_ALIAS;
  const aliasTarget = details.aliases[aliasName];
  if (aliasTarget === undefined && options.alias !== undefined) {
    const known = Object.keys(details.aliases).sort();
    command.error(`error: ${name} has no alias ${aliasName}${known.length > 0 ? ` (it has ${known.join(', ')})` : ' (it has none)'}`, {
      code: 'mlops.noSuchAlias',
    });
  }
  const earlier = await earlierVersions(client, name, candidate.version);
  const aliasVersion =
    aliasTarget === undefined
      ? undefined
      : ([candidate, ...earlier].find((record) => record.version === aliasTarget) ?? (await client.getVersion(name, aliasTarget)));
  const comparison = compareModelVersions({
    candidate,
    earlier,
    alias: aliasVersion ? { name: aliasName, version: aliasVersion } : undefined,
    aliases: details.aliases,
    metric: options.metric,
    mode: options.mode,
  });
  if (globals.json) return writeJson(context.stdout, comparison);
  writeBlocks(context.stdout, ...renderModelComparison(comparison, aliasName));
}

export function addCompareCommand(run: Command, context: CliContext): void {
  run
    .command('compare')
    .summary('compare runs side by side, or a model version with earlier ones and an alias')
    .description(
      "compare runs side by side: the params that differ, every metric's last value, and the best run by a metric; " +
        `or, with --model, a registered version against its ${EARLIER_VERSIONS} earlier versions and the version an alias points to, saying whether it is better`,
    )
    .usage(
      '<run-id> <run-id> [run-id...] [--metric NAME] [--mode max|min]\n       mlops run compare --model NAME[:VERSION] [--alias ALIAS] [--metric NAME] [--mode max|min]',
    )
    .argument('[run-ids...]', 'two or more run ids')
    .option('--model <name[:version]>', 'compare a registered version (default the latest) instead of runs', parseModelReference)
    .option('--alias <alias>', `with --model: the alias to judge the version against (default ${DEFAULT_ALIAS}, if the model has it)`)
    .option('--metric <name>', 'the metric that decides (default: the first, by name, that the runs or versions share)')
    .addOption(modeOption())
    .action(async (runIds: string[], options: CompareOptions, command: Command) => {
      if (options.model) {
        if (runIds.length > 0) command.error('error: give run ids or --model, not both', { code: 'mlops.usage' });
        return compareModel(context, command, { ...options, model: options.model });
      }
      if (options.alias !== undefined) command.error('error: --alias goes with --model', { code: 'mlops.usage' });
      if (runIds.length < 2) command.error('error: compare needs two or more run ids (or --model NAME)', { code: 'mlops.usage' });
      const globals = globalOptions(command);
      const client = await connectTracking(context, globals, ['queryRuns']);
      const runs = await client.getRuns(runIds);
      const comparison = compareRuns(runs, { metric: options.metric, mode: options.mode });
      if (globals.json) return writeJson(context.stdout, comparison);
      writeBlocks(context.stdout, ...renderRunComparison(runs, comparison));
    });
}
