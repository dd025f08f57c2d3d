import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { planPutMetricData } from '../lambda/experiments/core/cloudwatch-batching';
import { type LogMetricsResult, logMetrics } from '../lambda/experiments/core/log-metrics';
import type { MetricSeries, RunRecord } from '../lambda/experiments/core/model';
import type { AppendBatchOutcome, BatchReceipt, ExperimentStore, MetricPublisher, RunBatch } from '../lambda/experiments/core/ports';
import { type LogMetricsCommand, LogMetricsRequest } from '../lambda/experiments/core/schemas';
import { toSeries } from '../lambda/experiments/core/summaries';
import { systemClock } from '../lambda/shared/clock';
import { parseRequest } from '../lambda/shared/validation';
import { round, summarize } from './stats';

/**
 * Experiment tracking's LogMetrics under load: the core use case alone (an in-memory store, no
 * CloudWatch), and the deployed bundles end to end against DynamoDB Local and moto.
 */

type Handler = (event: unknown, context: Context) => Promise<any>;

const METRICS = ['loss', 'accuracy', 'learning_rate', 'grad_norm'] as const;
const RUN_ID = 'b'.repeat(32);

/** Batch `batch` of a training run: `points` points, steps in order, each step logging every metric. */
function batchRequest(runId: string, batch: number, points: number): LogMetricsRequest {
  const stepsPerBatch = points / METRICS.length;
  const metrics: NonNullable<LogMetricsRequest['metrics']> = [];
  for (let step = batch * stepsPerBatch; step < (batch + 1) * stepsPerBatch; step++) {
    metrics.push(
      { name: 'loss', value: 2 / (1 + step / 100) + 0.01 * Math.sin(step), step },
      { name: 'accuracy', value: 1 - 1 / (1 + step / 300), step },
      { name: 'learning_rate', value: 0.01 * 0.5 ** Math.floor(step / 1000), step },
      { name: 'grad_norm', value: 5 + 3 * Math.sin(step / 37), step },
    );
  }
  return { runId, batchId: `batch-${batch}`, metrics };
}

/**
 * The least an `ExperimentStore` must do for LogMetrics: one run, revision-guarded batches, batch
 * receipts. History is kept by reference, as a store would hand it to the database.
 */
class InMemoryRunStore implements ExperimentStore {
  private run: RunRecord;
  private readonly receipts = new Map<string, BatchReceipt>();
  readonly history: (readonly MetricSeries[])[] = [];

  constructor(run: RunRecord) {
    this.run = run;
  }

  async getRun(runId: string) {
    return runId === this.run.runId ? this.run : undefined;
  }

  async getBatchReceipt(_runId: string, batchId: string) {
    return this.receipts.get(batchId);
  }

  async appendBatch(batch: RunBatch): Promise<AppendBatchOutcome> {
    if (batch.expectedRevision !== this.run.revision) return { kind: 'stale' };
    if (batch.receipt && this.receipts.has(batch.receipt.batchId)) return { kind: 'already-applied' };
    if (batch.receipt) this.receipts.set(batch.receipt.batchId, batch.receipt);
    const { status, heartbeatAt, params, tags, metrics } = batch;
    this.run = { ...this.run, status, heartbeatAt, params, tags, metrics, revision: batch.expectedRevision + 1 };
    this.history.push(batch.series);
    return { kind: 'committed' };
  }

  reserveRunNumber = unused;
  createRun = unused;
  getRunFingerprint = unused;
  getRuns = unused;
  endRun = unused;
  listRuns = unused;
  listExperiments = unused;
  metricHistory = unused;
  findSilentRuns = unused;
  countRunning = unused;
}

async function unused(): Promise<never> {
  throw new Error('LogMetrics does not call this');
}

const noopPublisher: MetricPublisher = { publish: async () => undefined };

function timedSync(act: () => unknown): number {
  const started = performance.now();
  act();
  return performance.now() - started;
}

export interface CoreOptions {
  readonly batches: number;
  readonly pointsPerBatch: number;
  readonly warmupBatches: number;
}

/**
 * LogMetrics's core use case alone, sequential batches on one run: the CPU a batch costs before any
 * I/O (fingerprint, grouping, summaries, the batch record). Beside it, the handler's other CPU on a
 * batch: parsing the request, and planning its PutMetricData requests.
 */
export async function measureLogMetricsCore(options: CoreOptions) {
  const now = new Date().toISOString();
  const store = new InMemoryRunStore({
    runId: RUN_ID,
    experiment: 'bench',
    runName: 'bench-1',
    runNumber: 1,
    status: 'RUNNING',
    startTime: now,
    heartbeatAt: now,
    params: {},
    tags: {},
    metrics: {},
    revision: 0,
    registeredVersions: [],
  });
  const log = logMetrics({ store, publisher: noopPublisher, clock: systemClock });
  const total = options.warmupBatches + options.batches;
  // Parsed up front: the use case takes the command the handler's schema produced.
  const commands: LogMetricsCommand[] = Array.from({ length: total }, (_, batch) =>
    parseRequest(LogMetricsRequest, batchRequest(RUN_ID, batch, options.pointsPerBatch)),
  );

  for (const command of commands.slice(0, options.warmupBatches)) await log(command);
  const perBatch: number[] = [];
  const started = performance.now();
  for (const command of commands.slice(options.warmupBatches)) {
    const batchStarted = performance.now();
    await log(command);
    perBatch.push(performance.now() - batchStarted);
  }
  const wallMs = performance.now() - started;
  if (store.history.length !== total) throw new Error(`the core stored ${store.history.length} batches of ${total}`);

  const request = batchRequest(RUN_ID, 0, options.pointsPerBatch);
  const parse = Array.from({ length: options.batches }, () => timedSync(() => parseRequest(LogMetricsRequest, request)));
  const series = toSeries(commands[0].metrics, Date.now());
  const dimensions = [
    { Name: 'Experiment', Value: 'bench' },
    { Name: 'RunId', Value: RUN_ID },
  ];
  const plan = Array.from({ length: options.batches }, () => timedSync(() => planPutMetricData(series, dimensions, Date.now())));

  return {
    batches: options.batches,
    pointsPerBatch: options.pointsPerBatch,
    metricsPerBatch: METRICS.length,
    pointsPerSecond: Math.round((options.batches * options.pointsPerBatch) / (wallMs / 1000)),
    batch: summarize(perBatch),
    parseRequest: summarize(parse),
    planPutMetricData: summarize(plan),
  };
}

export interface EndToEndOptions {
  readonly batches: number;
  readonly pointsPerBatch: number;
  readonly warmupBatches: number;
}

const context = (functionName: string) => ({ awsRequestId: randomUUID(), functionName }) as Context;

/**
 * LogMetrics through the deployed bundle, sequential batches of one run, against DynamoDB Local
 * and moto: the batch's transaction plus its PutMetricData requests. Every batch must come back
 * stored and published, or the figures would time a shorter path.
 */
export async function measureLogMetricsEndToEnd(handlers: Record<string, Handler>, options: EndToEndOptions) {
  const run = await handlers.StartRun({ experiment: 'bench-tracking', params: { optimizer: 'adam' } }, context('StartRun'));
  const log = async (batch: number) => {
    const result: LogMetricsResult = await handlers.LogMetrics(batchRequest(run.runId, batch, options.pointsPerBatch), context('LogMetrics'));
    if (result.replayed || !result.publishedToCloudWatch || result.accepted !== options.pointsPerBatch) {
      throw new Error(`batch ${batch} was not stored and published: ${JSON.stringify(result)}`);
    }
  };

  for (let batch = 0; batch < options.warmupBatches; batch++) await log(batch);
  const perBatch: number[] = [];
  const started = performance.now();
  for (let batch = options.warmupBatches; batch < options.warmupBatches + options.batches; batch++) {
    const batchStarted = performance.now();
    await log(batch);
    perBatch.push(performance.now() - batchStarted);
  }
  const wallMs = performance.now() - started;
  await handlers.EndRun({ runId: run.runId, status: 'COMPLETED' }, context('EndRun'));

  return {
    batches: options.batches,
    pointsPerBatch: options.pointsPerBatch,
    metricsPerBatch: METRICS.length,
    concurrency: 1,
    ...summarize(perBatch),
    pointsPerSecond: round((options.batches * options.pointsPerBatch) / (wallMs / 1000)),
  };
}
