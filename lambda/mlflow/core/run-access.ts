import type { RunRecord } from '../../experiments/core/model';
import { DEFAULT_RETRY_POLICY, retryOptimistically } from '../../shared/optimistic-retry';
import { MlflowError } from './mlflow-error';
import type { MlflowTrackingStore, RunChange } from './ports';
import type { TrackingContext } from './tracking-context';

/** The run a request names by `run_id` (or, from older clients, `run_uuid`). */
export function runIdOf(request: { run_id?: string; run_uuid?: string }): string {
  const runId = request.run_id || request.run_uuid;
  if (!runId) throw MlflowError.invalid(`Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.`);
  return runId;
}

export async function findRun(store: MlflowTrackingStore, runId: string): Promise<RunRecord> {
  const run = await store.getRun(runId);
  if (!run) throw MlflowError.notFound(`Run with id=${runId} not found`);
  return run;
}

/** MLflow takes writes to a finished run, not to a deleted one. */
export function requireActiveRun(run: RunRecord): void {
  if (run.lifecycleStage === 'deleted') {
    throw MlflowError.invalid(`The run ${run.runId} must be in the 'active' state. Current state is deleted.`);
  }
}

/**
 * Applies what `compute` makes of the run (nothing when it answers `undefined`), guarded by the
 * run's revision and retried while other writers move it on. A deleted run takes no change unless
 * `deletedToo` (restoring one).
 */
export function changeRun(
  { store, clock }: Pick<TrackingContext, 'store' | 'clock'>,
  runId: string,
  compute: (run: RunRecord) => RunChange | undefined,
  deletedToo = false,
): Promise<RunRecord> {
  return retryOptimistically(
    clock,
    DEFAULT_RETRY_POLICY,
    async () => {
      const run = await findRun(store, runId);
      if (!deletedToo) requireActiveRun(run);
      const change = compute(run);
      if (change === undefined) return run;
      return (await store.updateRun(run, change, clock.now().toISOString())) ? ({ ...run, ...change, revision: run.revision + 1 } as RunRecord) : undefined;
    },
    () => `run ${runId} kept changing while it was updated; retry`,
  );
}
