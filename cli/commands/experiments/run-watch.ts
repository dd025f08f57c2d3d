import type { Command } from 'commander';
import type { RunRecord } from '../../../lambda/experiments/core/model';
import { connectTracking } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { ExitStatus } from '../../exit-status';
import { writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { parseSeconds } from './run-arguments';
import { renderRunWatch } from './run-details';
import { readHistories } from './run-histories';

interface WatchOptions {
  readonly interval: number;
}

/** Moves the cursor to the start of the view drawn before (`lines` lines up) and clears from there. */
const redraw = (lines: number) => (lines > 0 ? `\x1b[${lines}F\x1b[J` : '');

/** Cuts lines to the terminal width, so none wraps and the next redraw starts where this view did. */
const fit = (view: string, columns: number) =>
  view
    .split('\n')
    .map((line) => [...line].slice(0, Math.max(1, columns - 1)).join(''))
    .join('\n');

export function addWatchCommand(run: Command, context: CliContext): void {
  run
    .command('watch')
    .summary('follow a run live until it ends, with a chart of each metric')
    .description(
      'follow a run until it ends: status, elapsed time and each metric with a chart, redrawn in place on a terminal ' +
        '(otherwise only the final view is printed); exits 0 when the run completed, 1 when it ended otherwise',
    )
    .argument('<run-id>', 'the run id (32 hex digits)')
    .option('--interval <seconds>', 'seconds between polls', parseSeconds, 2)
    .action(async (runId: string, options: WatchOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectTracking(context, globals, ['queryRuns']);
      const clock = clockOf(context);
      const out = context.stdout;
      const live = out.isTTY === true && !globals.json;
      const columns = out.columns ?? 80;
      const cache = new Map();
      let drawn = 0;
      let run: RunRecord;
      let view = '';
      for (;;) {
        run = await client.getRun(runId);
        if (!globals.json) view = renderRunWatch(run, await readHistories(client, run, cache), { now: clock.now(), columns });
        if (live) {
          const fitted = fit(view, columns);
          out.write(redraw(drawn) + fitted);
          drawn = fitted.split('\n').length - 1;
        }
        // CRASHED ends the watch too: the sweep found the run silent.
        if (run.status !== 'RUNNING') break;
        await clock.sleep(options.interval * 1000);
      }
      if (globals.json) writeJson(out, run);
      else if (!live) out.write(view);
      if (run.status !== 'COMPLETED') throw new ExitStatus(1);
    });
}
