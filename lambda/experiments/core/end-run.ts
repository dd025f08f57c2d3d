import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError } from '../../shared/errors';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryOptimistically } from '../../shared/optimistic-retry';
import { type RunRecord, TERMINAL_STATUSES } from './model';
import type { ExperimentStore } from './ports';
import type { EndRunCommand } from './schemas';

export interface EndRunDependencies {
  readonly store: ExperimentStore;
  readonly clock: Clock;
  readonly retryPolicy?: RetryPolicy;
}

/**
 * Ends a run with the status its owner reports. Ending it again with the same status returns it
 * unchanged (a retry); another end status is a conflict. A run the sweep declared crashed can
 * still be ended by its owner: the owner knows better than a missed heartbeat.
 */
export interface EndRunOutcome {
  readonly run: RunRecord;
  /** False when the run had already ended with this status (a retry). */
  readonly changed: boolean;
}

export function endRun({ store, clock, retryPolicy = DEFAULT_RETRY_POLICY }: EndRunDependencies) {
  return async ({ runId, status, reason }: EndRunCommand): Promise<EndRunOutcome> =>
    retryOptimistically(
      clock,
      retryPolicy,
      async () => {
        const run = await store.getRun(runId);
        if (!run) throw new NotFoundError(`run ${runId} does not exist`);
        if (run.status === status) return { run, changed: false };
        if (TERMINAL_STATUSES.has(run.status)) throw new ConflictError(`run ${runId} already ended ${run.status}`);
        const endTime = clock.now().toISOString();
        const ended = await store.endRun({ runId, experiment: run.experiment, expectedRevision: run.revision, status, endTime, reason });
        return ended ? { run: { ...run, status, endTime, reason, revision: run.revision + 1 }, changed: true } : undefined;
      },
      () => `run ${runId} kept changing while it was ended; retry`,
    );
}
