import type { RunRecord } from '../../experiments/core/model';
import { MlflowError } from './mlflow-error';
import type { MlflowTrackingStore } from './ports';

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
