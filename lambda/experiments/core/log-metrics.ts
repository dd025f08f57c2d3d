import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { fingerprint } from '../../shared/fingerprint';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryOptimistically } from '../../shared/optimistic-retry';
import { type MetricSummary, type RunRecord, TERMINAL_STATUSES } from './model';
import type { BatchReceipt, ExperimentStore, MetricPublisher, RunBatch } from './ports';
import { MAX_STORED_RUN_BYTES, storedRunBytes } from './run-size';
import { type LogMetricsCommand, MAX_METRICS_PER_RUN, MAX_PARAMS_PER_RUN, MAX_TAGS_PER_RUN } from './schemas';
import { summarize, toSeries } from './summaries';

export interface LogMetricsResult {
  readonly runId: string;
  readonly status: RunRecord['status'];
  /** The run revision this batch produced. */
  readonly revision: number;
  /** Points stored by this batch. */
  readonly accepted: number;
  /** True when the batch id had been applied before and this call changed nothing. */
  readonly replayed: boolean;
  /**
   * True when this call sent the points to CloudWatch. False when CloudWatch refused them (they are
   * stored all the same) and on a replay, which sends nothing again.
   */
  readonly publishedToCloudWatch: boolean;
}

export interface LogMetricsDependencies {
  readonly store: ExperimentStore;
  readonly publisher: MetricPublisher;
  readonly clock: Clock;
  readonly retryPolicy?: RetryPolicy;
  /** Told when CloudWatch refuses a batch that is already stored, to log it. */
  readonly onPublishFailure?: (error: unknown) => void;
}

/** The params that contradict what the run already has: params are write-once. */
function conflictingParams(run: RunRecord, params: Readonly<Record<string, string>>): string[] {
  return (
    Object.entries(params)
      // Own keys only: a param named `constructor` or `toString` is not one the run has.
      .filter(([key, value]) => Object.hasOwn(run.params, key) && run.params[key] !== value)
      .map(([key, value]) => `params.${key}: is "${run.params[key]}" already, not "${value}" (params are write-once)`)
  );
}

function checkRunCapacity(run: RunRecord, command: LogMetricsCommand, metricNames: readonly string[]): void {
  const count = (existing: object, added: Iterable<string>) => new Set([...Object.keys(existing), ...added]).size;
  const issues = [
    { path: 'params', total: count(run.params, Object.keys(command.params)), max: MAX_PARAMS_PER_RUN },
    { path: 'tags', total: count(run.tags, Object.keys(command.tags)), max: MAX_TAGS_PER_RUN },
    { path: 'metrics', total: count(run.metrics, metricNames), max: MAX_METRICS_PER_RUN },
  ]
    .filter(({ total, max }) => total > max)
    .map(({ path, total, max }) => ({ path, message: `the run would hold ${total} distinct ${path}, over its limit of ${max}` }));
  if (issues.length > 0) throw new ValidationError(issues);
  const stored = storedRunBytes({ ...run.params, ...command.params }, { ...run.tags, ...command.tags }, [...Object.keys(run.metrics), ...metricNames]);
  if (stored > MAX_STORED_RUN_BYTES) {
    throw ValidationError.of(
      'metrics',
      `the run would take ${stored} bytes of params, tags and metric names as stored, over its limit of ${MAX_STORED_RUN_BYTES} (a run is one DynamoDB item): log fewer or shorter ones`,
    );
  }
}

/**
 * Applies a batch of metric points, params and tags to a running run, and beats its heart. The
 * batch is one atomic write guarded by the run's revision: all of it is stored or none, and a
 * batch id applied before is not applied again. A batch on a run the sweep declared crashed
 * brings it back to `RUNNING`. Once stored, the points go to CloudWatch; a refusal there is
 * reported, not raised, because the batch is already safe.
 */
export function logMetrics(deps: LogMetricsDependencies) {
  const { store, publisher, clock } = deps;
  const policy = deps.retryPolicy ?? DEFAULT_RETRY_POLICY;

  async function replay(runId: string, batchId: string, requestFingerprint: string, receipt?: BatchReceipt): Promise<LogMetricsResult | undefined> {
    const found = receipt ?? (await store.getBatchReceipt(runId, batchId));
    if (!found) return undefined;
    if (found.fingerprint !== requestFingerprint) throw new ConflictError(`batchId "${batchId}" was already used for a different batch of run ${runId}`);
    const run = await store.getRun(runId);
    return { runId, status: run!.status, revision: found.revision, accepted: found.points, replayed: true, publishedToCloudWatch: false };
  }

  async function publish(run: RunRecord, batch: RunBatch): Promise<boolean> {
    if (batch.series.length === 0) return true;
    try {
      await publisher.publish(run, batch.series);
      return true;
    } catch (error) {
      deps.onPublishFailure?.(error);
      return false;
    }
  }

  return async (command: LogMetricsCommand): Promise<LogMetricsResult> => {
    const { runId, batchId } = command;
    const requestFingerprint = fingerprint({ metrics: command.metrics, params: command.params, tags: command.tags });
    // Points without a timestamp take the time of the first attempt, so retries store the same batch.
    const series = toSeries(command.metrics, clock.now().getTime());

    return retryOptimistically(
      clock,
      policy,
      async () => {
        const run = await store.getRun(runId);
        if (!run) throw new NotFoundError(`run ${runId} does not exist`);
        if (TERMINAL_STATUSES.has(run.status)) {
          const replayed = batchId ? await replay(runId, batchId, requestFingerprint) : undefined;
          if (replayed) return replayed;
          throw new ConflictError(`run ${runId} is ${run.status}; it takes no more metrics`);
        }
        const conflicts = conflictingParams(run, command.params);
        if (conflicts.length > 0) throw new ConflictError(conflicts.join('; '));
        checkRunCapacity(
          run,
          command,
          series.map(({ name }) => name),
        );

        const metrics: Record<string, MetricSummary> = { ...run.metrics };
        for (const { name, points } of series) metrics[name] = summarize(Object.hasOwn(run.metrics, name) ? run.metrics[name] : undefined, points);
        const revision = run.revision + 1;
        const accepted = command.metrics.length;
        const batch: RunBatch = {
          runId,
          experiment: run.experiment,
          expectedRevision: run.revision,
          status: 'RUNNING',
          heartbeatAt: clock.now().toISOString(),
          params: { ...run.params, ...command.params },
          tags: { ...run.tags, ...command.tags },
          metrics,
          series,
          receipt: batchId ? { batchId, fingerprint: requestFingerprint, revision, points: accepted } : undefined,
        };
        const outcome = await store.appendBatch(batch);
        if (outcome.kind === 'stale') return undefined;
        if (outcome.kind === 'already-applied') return replay(runId, batchId!, requestFingerprint);
        const publishedToCloudWatch = await publish(run, batch);
        return { runId, status: 'RUNNING', revision, accepted, replayed: false, publishedToCloudWatch };
      },
      () => `run ${runId} kept changing while this batch was applied; retry it`,
    );
  };
}
