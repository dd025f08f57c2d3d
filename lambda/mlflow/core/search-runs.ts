import type * as z from 'zod/mini';
import { MlflowError } from './mlflow-error';
import type { RunIndexEntry } from './model';
import { showsStage } from './protocol';
import { type ArtifactLocations, CRASHED_TAG, MLFLOW_STATUS, renderIndexedRun } from './render';
import type { RunIndexCache } from './run-index-cache';
import { matches, orderComparator, paginate, parseFilter, parseOrderBy, type SearchSubject } from './search';
import type { TrackingContext } from './tracking-context';
import type { SearchRuns } from './tracking-requests';

/**
 * The most a page of runs may weigh as JSON: a Lambda response holds 6 MB, and MLflow's client asks
 * for pages of 10,000 runs, which can be more. A page is cut short where it would outgrow it (at
 * least one run), and its token resumes there: MLflow's client follows tokens until there are none.
 */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** How many of `items`, from the first, fit in `budget` bytes of JSON (at least one). */
function countWithin(items: readonly object[], budget: number): number {
  let bytes = 0;
  for (const [index, item] of items.entries()) {
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (bytes > budget) return Math.max(1, index);
  }
  return items.length;
}

/** A run's fields under the names MLflow's filters and order_by use. */
export function runSubject(entry: RunIndexEntry, locations: ArtifactLocations): SearchSubject {
  // Computed when a filter or an order asks: a search builds one subject per run of the experiment.
  const attribute = (name: string): string | number | undefined => {
    switch (name) {
      case 'run_id':
        return entry.runId;
      case 'run_name':
        return entry.runName;
      case 'user_id':
        return entry.createdBy ?? '';
      case 'status':
        return MLFLOW_STATUS[entry.status];
      case 'start_time':
        return Date.parse(entry.startTime);
      case 'end_time':
        return entry.endTime === undefined ? undefined : Date.parse(entry.endTime);
      case 'artifact_uri':
        return locations.run(entry.experiment, entry.runId);
      default:
        return undefined;
    }
  };
  return {
    attribute,
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
  // One subject per run entry, kept while the entry is (a changed run is a new entry): searches reuse them.
  const subjects = new WeakMap<RunIndexEntry, SearchSubject>();
  const subjectOf = (entry: RunIndexEntry) => {
    let subject = subjects.get(entry);
    if (!subject) subjects.set(entry, (subject = runSubject(entry, locations)));
    return subject;
  };
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
      .map((entry) => ({ entry, subject: subjectOf(entry) }))
      .filter(({ subject }) => matches(filter, subject));
    const compare = orderComparator('runs', orderBy);
    found.sort((a, b) => compare(a.subject, b.subject));
    const scope = { experiments: [...new Set(request.experiment_ids)].sort(), view: request.run_view_type };
    const query = { entity: 'runs' as const, filter, orderBy, scope };
    let page = paginate(found, query, { maxResults: request.max_results, pageToken: request.page_token });
    let runs = page.items.map(({ entry }) => renderIndexedRun(entry, locations));
    const fitting = countWithin(runs, MAX_RESPONSE_BYTES);
    if (fitting < runs.length) {
      // The page is cut where it would outgrow a Lambda response; its token resumes at the cut.
      page = paginate(found, query, { maxResults: fitting, pageToken: request.page_token });
      runs = runs.slice(0, fitting);
    }
    return { ...(runs.length > 0 ? { runs } : {}), ...(page.nextToken ? { next_page_token: page.nextToken } : {}) };
  };
}
