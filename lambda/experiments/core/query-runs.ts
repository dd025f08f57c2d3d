import { NotFoundError } from '../../shared/errors';
import type { Page } from '../../shared/page';
import type { ExperimentRecord, RunRecord, StoredPoint } from './model';
import type { ExperimentStore } from './ports';
import type { QueryRunsCommand } from './schemas';

export interface MetricHistoryPage extends Page<StoredPoint> {
  readonly runId: string;
  readonly metric: string;
}

export type QueryRunsResult = RunRecord | { readonly runs: readonly RunRecord[] } | Page<RunRecord> | Page<ExperimentRecord> | MetricHistoryPage;

/** Answers the tracking queries; each is a key lookup or a key-condition query. */
export function queryRuns(store: ExperimentStore) {
  async function requireRun(runId: string): Promise<RunRecord> {
    const run = await store.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} does not exist`);
    return run;
  }

  return async (command: QueryRunsCommand): Promise<QueryRunsResult> => {
    switch (command.query) {
      case 'getRun':
        return requireRun(command.runId);
      case 'getRuns': {
        const runs = await store.getRuns([...new Set(command.runIds)]);
        const missing = command.runIds.filter((runId) => !runs.some((run) => run.runId === runId));
        if (missing.length > 0) throw new NotFoundError(`no such run: ${missing.join(', ')}`);
        // In the order asked, for side-by-side comparisons.
        return { runs: command.runIds.map((runId) => runs.find((run) => run.runId === runId)!) };
      }
      case 'listRuns':
        return store.listRuns(command.experiment, command.status, command);
      case 'listExperiments':
        return store.listExperiments(command);
      case 'metricHistory': {
        const run = await requireRun(command.runId);
        if (!Object.hasOwn(run.metrics, command.metric)) throw new NotFoundError(`run ${command.runId} has no metric "${command.metric}"`);
        const page = await store.metricHistory(command.runId, command.metric, command);
        return { runId: command.runId, metric: command.metric, ...page };
      }
    }
  };
}
