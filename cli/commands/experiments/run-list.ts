import type { Command } from 'commander';
import { firstItems } from '../../../client/shared/pagination';
import type { RunRecord, RunStatus } from '../../../lambda/experiments/core/model';
import { connectTracking } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { formatDate, formatDuration } from '../../render/format';
import { writeJson } from '../../render/output';
import { type Column, renderTable } from '../../render/table';
import { globalOptions } from '../options';
import { parseCount, statusOption } from './run-arguments';
import { lastValue, runDurationMs } from './run-details';

interface ListOptions {
  readonly experiment: string;
  readonly status?: RunStatus;
  readonly limit: number;
}

/** Metric columns a list shows at most. */
const KEY_METRICS = 3;

/** The metrics most of the runs have (ties by name): the ones worth a column. */
export function keyMetrics(runs: readonly RunRecord[], count = KEY_METRICS): string[] {
  const frequency = new Map<string, number>();
  for (const run of runs) for (const name of Object.keys(run.metrics)) frequency.set(name, (frequency.get(name) ?? 0) + 1);
  return [...frequency.entries()]
    .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
    .slice(0, count)
    .map(([name]) => name);
}

export function addListCommand(run: Command, context: CliContext): void {
  run
    .command('list')
    .description("list an experiment's runs, newest first, with their key metrics' last values")
    .requiredOption('--experiment <name>', 'the experiment')
    .addOption(statusOption())
    .option('--limit <count>', 'show at most this many runs', parseCount, 20)
    .action(async (options: ListOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectTracking(context, globals, ['queryRuns']);
      const runs = await firstItems(options.limit, (limit, nextToken) => client.listRuns(options.experiment, { status: options.status, limit, nextToken }));
      if (globals.json) return writeJson(context.stdout, runs);
      if (runs.length === 0) {
        const which = options.status ? `${options.status} runs` : 'runs';
        return void context.stdout.write(`no ${which} in experiment ${options.experiment}\n`);
      }
      const now = clockOf(context).now();
      const metricColumns: Column<RunRecord>[] = keyMetrics(runs).map((metric) => ({ header: metric, value: (row) => lastValue(row, metric), align: 'right' }));
      context.stdout.write(
        renderTable<RunRecord>(
          [
            { header: 'name', value: (row) => row.runName },
            { header: 'id', value: (row) => row.runId },
            { header: 'status', value: (row) => row.status },
            { header: 'started', value: (row) => formatDate(row.startTime) },
            { header: 'duration', value: (row) => formatDuration(runDurationMs(row, now)), align: 'right' },
            ...metricColumns,
          ],
          runs,
        ),
      );
    });
}
