import type * as z from 'zod/mini';
import { MlflowError } from './mlflow-error';
import type { RunIndexEntry } from './model';
import { showsStage } from './protocol';
import { type ArtifactLocations, CRASHED_TAG, MLFLOW_STATUS, renderIndexedRun } from './render';
import type { RunIndexCache } from './run-index-cache';
import { matches, orderComparator, paginate, parseFilter, parseOrderBy, type SearchSubject } from './search';
import type { TrackingContext } from './tracking-context';
import type { SearchRuns } from './tracking-requests';

/** A run's fields under the names MLflow's filters and order_by use. */
export function runSubject(entry: RunIndexEntry, locations: ArtifactLocations): SearchSubject {
  const attributes: Record<string, string | number | undefined> = {
    run_id: entry.runId,
    run_name: entry.runName,
    user_id: entry.createdBy ?? '',
    status: MLFLOW_STATUS[entry.status],
    start_time: Date.parse(entry.startTime),
    end_time: entry.endTime === undefined ? undefined : Date.parse(entry.endTime),
    artifact_uri: locations.run(entry.experiment, entry.runId),
  };
  return {
    attribute: (name) => attributes[name],
    tag: (key) => {
      if (key === 'mlflow.runName') return entry.runName;
      if (key === 'mlflow.user' && !Object.hasOwn(entry.tags, key)) return entry.createdBy;
      if (key === CRASHED_TAG && entry.status === 'CRASHED') return entry.tags[key] ?? 'the run stopped sending heartbeats';
      return Object.hasOwn(entry.tags, key) ? entry.tags[key] : undefined;
    },
    metric: (key) => (Object.hasOwn(entry.metrics, key) ? entry.metrics[key][0] : undefined),
    param: (key) => (Object.hasOwn(entry.params, key) ? entry.params[key] : undefined),
    datasets: () => entry.datasets,
  };
}

/**
 * MLflow's run search over the run index: each experiment's runs come from the function's cache of
 * the index (a first search reads them all, later ones only what changed), then the filter, the
 * order and the page are applied in memory. Cost: one Query per index shard and experiment, of the
 * runs changed since the last search (all of them the first time), and no read of the runs
 * themselves: results come from the index's copy.
 */
export function searchRuns(context: TrackingContext, cache: RunIndexCache) {
  const { store, locations } = context;
  return async (request: z.output<typeof SearchRuns>) => {
    const filter = parseFilter('runs', request.filter);
    const orderBy = parseOrderBy('runs', request.order_by);
    if (request.experiment_ids.length > 100) throw MlflowError.invalid(`experiment_ids may name at most 100 experiments, got ${request.experiment_ids.length}`);
    const names = await Promise.all(
      [...new Set(request.experiment_ids)].map(async (id) => (id === '0' ? (await store.getExperiment('Default'))?.name : store.experimentNameOf(id))),
    );
    const entries = (await Promise.all(names.filter((name): name is string => name !== undefined).map((name) => cache.runs(name)))).flat();
    const found = entries
      .filter((entry) => showsStage(request.run_view_type, entry.lifecycleStage))
      .map((entry) => ({ entry, subject: runSubject(entry, locations) }))
      .filter(({ subject }) => matches(filter, subject));
    const compare = orderComparator('runs', orderBy);
    found.sort((a, b) => compare(a.subject, b.subject));
    const scope = { experiments: [...new Set(request.experiment_ids)].sort(), view: request.run_view_type };
    const page = paginate(found, { entity: 'runs', filter, orderBy, scope }, { maxResults: request.max_results, pageToken: request.page_token });
    return {
      ...(page.items.length > 0 ? { runs: page.items.map(({ entry }) => renderIndexedRun(entry, locations)) } : {}),
      ...(page.nextToken ? { next_page_token: page.nextToken } : {}),
    };
  };
}
