import type { Command } from 'commander';
import type { RunRecord } from '../../../lambda/experiments/core/model';
import { connectTracking } from '../../config';
import type { CliContext } from '../../context';
import { formatDate } from '../../render/format';
import { writeBlocks, writeJson } from '../../render/output';
import { renderTable } from '../../render/table';
import { globalOptions } from '../options';

export function addSweepCommand(run: Command, context: CliContext): void {
  run
    .command('sweep')
    .description('run the crash sweep now (it also runs on a schedule): runs whose heartbeat stopped are declared CRASHED')
    .action(async (_options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectTracking(context, globals, ['sweepRuns']);
      const result = await client.sweepRuns();
      if (globals.json) return writeJson(context.stdout, result);
      const running = `${result.running} run${result.running === 1 ? '' : 's'} still running`;
      if (result.crashed.length === 0) return void context.stdout.write(`no runs declared crashed; ${running}\n`);
      const title = `declared ${result.crashed.length} run${result.crashed.length === 1 ? '' : 's'} crashed; ${running}`;
      // The details need the query function too; without it, the ids say enough.
      const crashed = await client.getRuns(result.crashed).catch(() => undefined);
      if (!crashed) return writeBlocks(context.stdout, title, result.crashed.join('\n'));
      writeBlocks(
        context.stdout,
        title,
        renderTable<RunRecord>(
          [
            { header: 'experiment', value: (row) => row.experiment },
            { header: 'name', value: (row) => row.runName },
            { header: 'id', value: (row) => row.runId },
            { header: 'started', value: (row) => formatDate(row.startTime) },
            { header: 'last heartbeat', value: (row) => formatDate(row.heartbeatAt) },
          ],
          crashed,
        ),
      );
    });
}
