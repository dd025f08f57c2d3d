import type { Command } from 'commander';
import { connectTracking } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { renderRunDetails } from './run-details';
import { readHistories } from './run-histories';

export function addShowCommand(run: Command, context: CliContext): void {
  run
    .command('show')
    .summary('show a run with its metrics charted')
    .description("show a run: status, times, git commit, command, each metric's summary and chart, params, tags and the model versions registered from it")
    .argument('<run-id>', 'the run id (32 hex digits)')
    .action(async (runId: string, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectTracking(context, globals, ['queryRuns']);
      const record = await client.getRun(runId);
      if (globals.json) return writeJson(context.stdout, record);
      const histories = await readHistories(client, record);
      writeBlocks(context.stdout, ...renderRunDetails(record, histories, { now: clockOf(context).now(), columns: context.stdout.columns ?? 80 }));
    });
}
