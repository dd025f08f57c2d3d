import type { Clock } from '../../shared/clock';
import type { ExperimentStore } from './ports';

export interface SweepRunsResult {
  /** Runs declared crashed by this sweep. */
  readonly crashed: readonly string[];
  /** Runs still running after it. */
  readonly running: number;
}

export interface SweepRunsDependencies {
  readonly store: ExperimentStore;
  readonly clock: Clock;
  /** A running run whose last heartbeat is older than this is declared crashed. */
  readonly crashAfterMs: number;
  /**
   * The same for runs started through MLflow's API, which send no heartbeat (only their logging is
   * heard). At least `crashAfterMs`.
   * @default crashAfterMs
   */
  readonly mlflowCrashAfterMs?: number;
}

const PAGE = { limit: 100 };

/**
 * Declares crashed every running run whose heartbeat stopped: a killed job never ends its run, and
 * would otherwise stay `RUNNING` forever. Its end time is its last sign of life. Each move is
 * guarded by the revision read, so a run that logged in the meantime is left alone.
 */
export function sweepRuns({ store, clock, crashAfterMs, mlflowCrashAfterMs = crashAfterMs }: SweepRunsDependencies) {
  return async (): Promise<SweepRunsResult> => {
    const cutoff = new Date(clock.now().getTime() - crashAfterMs).toISOString();
    const mlflowCutoff = new Date(clock.now().getTime() - mlflowCrashAfterMs).toISOString();
    const crashed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.findSilentRuns(cutoff, { ...PAGE, nextToken });
      const moves = await Promise.all(
        page.items.map(async ({ runId }) => {
          const run = await store.getRun(runId);
          // The index finds runs silent for the shorter wait; one started through MLflow waits longer.
          const mlflow = run?.origin === 'mlflow';
          if (run?.status !== 'RUNNING' || run.heartbeatAt >= (mlflow ? mlflowCutoff : cutoff)) return undefined;
          const waited = Math.round((mlflow ? mlflowCrashAfterMs : crashAfterMs) / 1000);
          const reason = `no ${mlflow ? 'logging' : 'heartbeat'} since ${run.heartbeatAt} (the sweep waits ${waited} s${mlflow ? ' for runs started through MLflow' : ''})`;
          const ended = await store.endRun({
            runId,
            experiment: run.experiment,
            expectedRevision: run.revision,
            status: 'CRASHED',
            endTime: run.heartbeatAt,
            reason,
          });
          return ended ? runId : undefined;
        }),
      );
      crashed.push(...moves.filter((runId): runId is string => runId !== undefined));
      nextToken = page.nextToken;
    } while (nextToken);
    return { crashed, running: await store.countRunning() };
  };
}
