import type { Command } from 'commander';
import type { MonitoringClient } from '../../../client/monitoring/monitoring-client';
import { firstItems } from '../../../client/shared/pagination';
import type { CheckRecord } from '../../../lambda/monitoring/core/model';
import { connectMonitoring } from '../../config';
import type { CliContext } from '../../context';
import { EXIT_DRIFT_DETECTED, ExitStatus } from '../../exit-status';
import { writeBlocks, writeJson } from '../../render/output';
import { parseCount } from '../experiments/run-arguments';
import { globalOptions } from '../options';
import { renderChecks, renderDriftShareTrend, renderMonitors } from './monitor-checks';

interface StatusOptions {
  readonly limit: number;
}

/** A monitor's newest `limit` checks, newest first. */
async function recentChecks(client: MonitoringClient, monitor: string, limit: number): Promise<CheckRecord[]> {
  return firstItems(limit, (pageLimit, nextToken) => client.listChecks(monitor, { limit: pageLimit, nextToken }));
}

export function addStatusCommand(monitor: Command, context: CliContext): void {
  monitor
    .command('status')
    .summary("the deployed monitors' latest checks, or one monitor's recent checks")
    .description(
      'without a monitor, every monitor that has been checked, with its latest check: model version, window, status (drift, no drift, or insufficient data ' +
        "when the window held fewer records than the monitor's minimum), records, drift share and drifted features. " +
        `With a monitor, its recent checks, newest first, and the drift share's trend; exits ${EXIT_DRIFT_DETECTED} when the latest check found drift, as monitor check does.`,
    )
    .argument('[monitor]', 'a monitor name (as monitor status lists them)')
    .option('--limit <count>', 'with a monitor: show at most this many of its checks', parseCount, 20)
    .action(async (name: string | undefined, options: StatusOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectMonitoring(context, globals, ['queryMonitoring']);
      if (name === undefined) {
        const monitors = await client.listMonitors();
        if (globals.json) return writeJson(context.stdout, monitors);
        if (monitors.length === 0) return void context.stdout.write('no monitor has been checked yet\n');
        return void context.stdout.write(renderMonitors(monitors));
      }
      const checks = await recentChecks(client, name, options.limit);
      if (globals.json) writeJson(context.stdout, checks);
      else if (checks.length === 0) context.stdout.write(`monitor ${name} has no checks (yet): mlops monitor status lists the monitors that have\n`);
      else {
        const title = `monitor ${name}: ${checks.length === 1 ? 'its latest check' : `its latest ${checks.length} checks, newest first`}`;
        writeBlocks(context.stdout, title, renderChecks(checks), renderDriftShareTrend(checks));
      }
      if (checks[0]?.status === 'drift') throw new ExitStatus(EXIT_DRIFT_DETECTED);
    });
}
