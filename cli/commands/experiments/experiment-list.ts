import type { Command } from 'commander';
import { firstItems } from '../../../client/shared/pagination';
import type { ExperimentRecord } from '../../../lambda/experiments/core/model';
import { connectTracking } from '../../config';
import type { CliContext } from '../../context';
import { formatDate } from '../../render/format';
import { writeJson } from '../../render/output';
import { renderTable } from '../../render/table';
import { globalOptions } from '../options';
import { parseCount } from './run-arguments';

export function addExperimentListCommand(experiment: Command, context: CliContext): void {
  experiment
    .command('list')
    .description('list the experiments, with how many runs each has and when the last one started')
    .option('--limit <count>', 'show at most this many experiments', parseCount, 20)
    .action(async (options: { readonly limit: number }, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectTracking(context, globals, ['queryRuns']);
      const experiments = await firstItems(options.limit, (limit, nextToken) => client.listExperiments({ limit, nextToken }));
      if (globals.json) return writeJson(context.stdout, experiments);
      if (experiments.length === 0) return void context.stdout.write('no experiments yet: a run starts one (mlops run exec --experiment NAME -- ...)\n');
      context.stdout.write(
        renderTable<ExperimentRecord>(
          [
            { header: 'name', value: (row) => row.name },
            { header: 'runs', value: (row) => row.runCount, align: 'right' },
            { header: 'last run', value: (row) => formatDate(row.lastRunAt) },
            { header: 'created', value: (row) => formatDate(row.createdAt) },
          ],
          experiments,
        ),
      );
    });
}
