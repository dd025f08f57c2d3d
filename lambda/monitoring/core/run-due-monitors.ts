import type { Clock } from '../../shared/clock';
import type { DriftCheckStarter, StoredMonitors } from './ports';
import { dueWindowEnd, type StoredMonitor } from './stored-monitor';

export interface RunDueMonitorsDependencies {
  readonly monitors: StoredMonitors;
  readonly checks: DriftCheckStarter;
  readonly clock: Clock;
}

export interface DueMonitorsSummary {
  /** Monitors whose window was started, with its end. */
  readonly started: readonly { readonly monitor: string; readonly windowEnd: string }[];
  /** Monitors whose start failed: the next tick tries again (their schedule did not move). */
  readonly failed: readonly { readonly monitor: string; readonly error: string }[];
}

/**
 * What the monitoring schedule runs at each tick: every stored monitor that is due gets the check of its latest
 * window started, then its schedule moved to the next window. Starting is idempotent per monitor and window, so a
 * tick that overlaps another, or retries after a failure, starts nothing twice; one monitor failing does not stop
 * the others.
 */
export function runDueMonitors(deps: RunDueMonitorsDependencies) {
  async function run(monitor: StoredMonitor, windowEnd: Date): Promise<string> {
    const end = windowEnd.toISOString();
    await deps.checks.start(monitor.config, end);
    const next = new Date(windowEnd.getTime() + monitor.scheduleMinutes * 60_000).toISOString();
    await deps.monitors.advanceSchedule(monitor.config.monitor, monitor.nextCheckAt, next);
    return end;
  }

  return async (): Promise<DueMonitorsSummary> => {
    const now = deps.clock.now();
    const due = (await deps.monitors.listStoredMonitors()).flatMap((monitor) => {
      const windowEnd = dueWindowEnd(monitor, now);
      return windowEnd ? [{ monitor, windowEnd }] : [];
    });
    const outcomes = await Promise.allSettled(due.map(({ monitor, windowEnd }) => run(monitor, windowEnd)));
    return {
      started: outcomes.flatMap((outcome, index) =>
        outcome.status === 'fulfilled' ? [{ monitor: due[index].monitor.config.monitor, windowEnd: outcome.value }] : [],
      ),
      failed: outcomes.flatMap((outcome, index) =>
        outcome.status === 'rejected'
          ? [{ monitor: due[index].monitor.config.monitor, error: outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason) }]
          : [],
      ),
    };
  };
}
