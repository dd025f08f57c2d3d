import type { RunRecord } from '../../experiments/core/model';
import { mapConcurrently } from '../../shared/map-concurrently';
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

/** The change that puts a run in `stage`: none when it is there already (deleting a deleted run changes nothing, as in MLflow). */
export const lifecycleTo =
  (stage: 'active' | 'deleted') =>
  (run: RunRecord): RunChange | undefined =>
    (run.lifecycleStage ?? 'active') === stage ? undefined : { lifecycleStage: stage };

/** How many of an experiment's runs change at once when it is deleted or restored. */
const CASCADE_CONCURRENCY = 16;

/**
 * Puts every run of the experiment in `stage`, each as deleting or restoring it alone would (its search entry
 * with it), as MLflow's server does when it deletes or restores an experiment. Safe to repeat: runs already
 * there are left as they are.
 */
export async function setRunsLifecycle(context: Pick<TrackingContext, 'store' | 'clock'>, experiment: string, stage: 'active' | 'deleted'): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await context.store.listRuns(experiment, undefined, { limit: 100, nextToken });
    const moving = page.items.filter((run) => lifecycleTo(stage)(run) !== undefined);
    // The listed run is a full record: changed as listed, read again only when another writer moved it meanwhile.
    await mapConcurrently(moving, CASCADE_CONCURRENCY, async (run) => {
      if (await context.store.updateRun(run, { lifecycleStage: stage }, context.clock.now().toISOString())) return;
      await changeRun(context, run.runId, lifecycleTo(stage), true);
    });
    nextToken = page.nextToken;
  } while (nextToken);
}
