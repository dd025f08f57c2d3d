import type { MetricSummary, RunRecord } from '../../experiments/core/model';
import type { MetricPublisher } from '../../experiments/core/ports';
import { MAX_STORED_RUN_BYTES, storedRunBytes } from '../../experiments/core/run-size';
import { MAX_METRICS_PER_BATCH, MAX_METRICS_PER_RUN } from '../../experiments/core/schemas';
import { summarize, toSeries } from '../../experiments/core/summaries';
import { fingerprint } from '../../shared/fingerprint';
import { DEFAULT_RETRY_POLICY, retryOptimistically } from '../../shared/optimistic-retry';
import { utf8Length } from '../../shared/schema-fields';
import { MlflowError } from './mlflow-error';
import { changeRun, findRun, requireActiveRun } from './run-access';
import type { TrackingContext } from './tracking-context';
import { LIMITS, type LogBatch, type MetricEntry } from './tracking-requests';

/**
 * The most a run's params and tags may hold together. The run item keeps them twice (as maps, and
 * as the search index's compact copy) and must stay under DynamoDB's 400 KB.
 */
export const MAX_RUN_PARAMS_AND_TAGS_BYTES = 120 * 1024;

/** Tags MLflow's server keeps as run fields, not as tags. */
export const RUN_NAME_TAG = 'mlflow.runName';

export interface LogBatchDependencies extends TrackingContext {
  /** Where metrics go besides the store (CloudWatch), as for the platform's own `LogMetrics`. */
  readonly publisher?: MetricPublisher;
  /** Links metrics logged with a `model_id` to that logged model. */
  readonly linkModelMetrics?: (runId: string, metrics: readonly MetricEntry[]) => Promise<void>;
}

type Batch = Pick<LogBatch, 'metrics' | 'params' | 'tags'>;

function checkLimits({ metrics, params, tags }: Batch): void {
  const counts = [
    [metrics.length, LIMITS.batchMetrics, 'metrics'],
    [params.length, LIMITS.batchParams, 'params'],
    [tags.length, LIMITS.batchTags, 'tags'],
  ] as const;
  for (const [count, max, what] of counts) {
    if (count > max) {
      throw MlflowError.invalid(
        `A batch logging request can contain at most ${max} ${what}. Got ${count} ${what}. Please split up ${what} across multiple requests and try again.`,
      );
    }
  }
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.batchEntities) {
    throw MlflowError.invalid(
      `A batch logging request can contain at most ${LIMITS.batchEntities} metrics, params, and tags. Got ${total} items. Please split up metrics, params, and tags across multiple requests and try again.`,
    );
  }
  const keys = params.map(({ key }) => key);
  const duplicates = [...new Set(keys.filter((key, index) => keys.indexOf(key) !== index))];
  if (duplicates.length > 0) {
    throw MlflowError.invalid(
      `Duplicate parameter keys have been submitted: [${duplicates.map((key) => `'${key}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
    );
  }
}

function checkParams(run: RunRecord, params: Batch['params']): void {
  const changed = params.filter(({ key, value }) => Object.hasOwn(run.params, key) && run.params[key] !== value);
  if (changed.length === 0) return;
  const listed = changed.map(({ key, value }) => `{'key': '${key}', 'old_value': '${run.params[key]}', 'new_value': '${value}'}`).join(', ');
  throw MlflowError.invalid(`Changing param values is not allowed. Params were already logged='[${listed}]' for run ID='${run.runId}'.`);
}

/**
 * The most params and tags an MLflow run holds. MLflow's server counts none, and its integrations log many:
 * Hugging Face's callback logs every training argument and the model's config (often over 100 params). What
 * bounds a run is its item's size: `MAX_RUN_PARAMS_AND_TAGS_BYTES`.
 */
export const MAX_MLFLOW_PARAMS_PER_RUN = 1000;
export const MAX_MLFLOW_TAGS_PER_RUN = 1000;

function checkCapacity(run: RunRecord, params: Record<string, string>, tags: Record<string, string>, metricNames: readonly string[]): void {
  const limits = [
    [Object.keys(params).length, MAX_MLFLOW_PARAMS_PER_RUN, 'params'],
    [Object.keys(tags).length, MAX_MLFLOW_TAGS_PER_RUN, 'tags'],
    [new Set([...Object.keys(run.metrics), ...metricNames]).size, MAX_METRICS_PER_RUN, 'metrics'],
  ] as const;
  for (const [count, max, what] of limits) {
    if (count > max) throw MlflowError.invalid(`run ${run.runId} would hold ${count} distinct ${what}, over the platform's limit of ${max} per run`);
  }
  if (utf8Length({ params, tags }) > MAX_RUN_PARAMS_AND_TAGS_BYTES) {
    throw MlflowError.invalid(`run ${run.runId} would hold more than ${MAX_RUN_PARAMS_AND_TAGS_BYTES} bytes of params and tags, the platform's limit per run`);
  }
  if (storedRunBytes(params, tags, [...Object.keys(run.metrics), ...metricNames]) > MAX_STORED_RUN_BYTES) {
    throw MlflowError.invalid(
      `run ${run.runId} would make the run larger than ${MAX_STORED_RUN_BYTES} bytes of params, tags and metric names as stored (a run is one DynamoDB item, of at most 400 KB): log fewer or shorter ones`,
    );
  }
}

const merged = (current: Readonly<Record<string, string>>, entries: readonly { key: string; value: string }[]) => ({
  ...current,
  ...Object.fromEntries(entries.map(({ key, value }) => [key, value])),
});

const distinctNames = (metrics: Batch['metrics']) => [...new Set(metrics.map(({ key }) => key))];

/** A point repeated within one request is logged once, as MLflow's stores do (they key points by key, value, timestamp and step). */
function distinctPoints(metrics: Batch['metrics']): Batch['metrics'] {
  const seen = new Set<string>();
  return metrics.filter(({ key, value, timestamp, step }) => {
    const point = JSON.stringify([key, value, timestamp, step]);
    if (seen.has(point)) return false;
    seen.add(point);
    return true;
  });
}

/**
 * Splits a batch into chunks the store writes atomically: each names at most `MAX_METRICS_PER_BATCH`
 * metrics (one transaction holds one history item per metric); params and tags ride with the first.
 */
function chunksOf(batch: Batch, now: number) {
  const series = toSeries(
    distinctPoints(batch.metrics).map(({ key, value, step, timestamp }) => ({ name: key, value, step, timestamp })),
    now,
  );
  const chunks: (typeof series)[] = [];
  for (let start = 0; start < series.length; start += MAX_METRICS_PER_BATCH) chunks.push(series.slice(start, start + MAX_METRICS_PER_BATCH));
  return chunks.length > 0 ? chunks : [[]];
}

/**
 * MLflow's log-batch (and log-metric, log-parameter, set-tag, which are batches of one): params are
 * write-once (the same value again is a no-op), tags are replaced, metric points are appended. A
 * finished run takes them and stays finished, as in MLflow; a crashed one comes back to life. Each
 * chunk is one transaction whose batch id is a digest of its content: MLflow's client retries a
 * request that failed on its way back, and a chunk already applied is not applied twice (MLflow's
 * own stores ignore a repeated identical point too).
 */
export function logBatch(deps: LogBatchDependencies) {
  const { store, clock } = deps;
  return async (runId: string, batch: Batch): Promise<void> => {
    checkLimits(batch);
    const tagsToSet = batch.tags.filter(({ key }) => key !== RUN_NAME_TAG);
    const runName = batch.tags.filter(({ key }) => key === RUN_NAME_TAG).at(-1)?.value;
    const chunks = chunksOf(batch, clock.now().getTime());
    const names = distinctNames(batch.metrics);
    let known: RunRecord | undefined = await findRun(store, runId);
    for (const [index, series] of chunks.entries()) {
      const first = index === 0;
      const params = first ? batch.params : [];
      const tags = first ? tagsToSet : [];
      const batchId = `mlflow-${fingerprint({ runId, index, series, params, tags })}`.slice(0, 128);
      await retryOptimistically(
        clock,
        DEFAULT_RETRY_POLICY,
        async () => {
          // The first attempt of the first chunk takes the run read above; the run moves on with every chunk written.
          const run = known ?? (await findRun(store, runId));
          known = undefined;
          requireActiveRun(run);
          const mergedParams = merged(run.params, params);
          const mergedTags = merged(run.tags, tags);
          if (first) {
            // The whole batch is checked against the run as it is when the first chunk is written, at every attempt:
            // a batch refused for what it holds changes nothing, and once its first chunk is in, the rest follows.
            checkParams(run, params);
            checkCapacity(run, mergedParams, mergedTags, names);
          }
          const metrics: Record<string, MetricSummary> = { ...run.metrics };
          for (const { name, points } of series) metrics[name] = summarize(Object.hasOwn(run.metrics, name) ? run.metrics[name] : undefined, points);
          const points = series.reduce((sum, { points: each }) => sum + each.length, 0);
          const outcome = await store.appendBatch({
            runId,
            experiment: run.experiment,
            expectedRevision: run.revision,
            // A batch is a sign of life: a crashed run is running after all; a finished one stays finished.
            status: run.status === 'CRASHED' ? 'RUNNING' : run.status,
            heartbeatAt: clock.now().toISOString(),
            params: mergedParams,
            tags: mergedTags,
            metrics,
            series,
            receipt: { batchId, fingerprint: batchId, revision: run.revision + 1, points },
          });
          if (outcome.kind === 'stale') return undefined;
          // 'already-applied': a retry of a request whose chunk landed; nothing more to do for it.
          if (outcome.kind === 'committed' && series.length > 0) await deps.publisher?.publish(run, series).catch(() => undefined);
          return true;
        },
        () => `run ${runId} kept changing while this batch was applied; retry it`,
      );
    }
    if (runName !== undefined) await renameRun(deps, runId, runName);
    const linked = batch.metrics.filter(({ model_id }) => model_id);
    if (linked.length > 0) await deps.linkModelMetrics?.(runId, linked);
  };
}

/** MLflow keeps a run's name in its `mlflow.runName` tag too: setting the tag renames the run. */
export function renameRun(context: TrackingContext, runId: string, runName: string): Promise<RunRecord> {
  if (runName.length === 0 || runName.length > LIMITS.runName) throw MlflowError.invalid(`run_name must hold 1 to ${LIMITS.runName} characters`);
  return changeRun(context, runId, (run) => (run.runName === runName ? undefined : { runName }));
}
