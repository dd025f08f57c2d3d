import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { LogMetricsResult } from '../../../lambda/experiments/core/log-metrics';
import type { MetricSummary, RunRecord, StoredPoint } from '../../../lambda/experiments/core/model';
import type { LogMetricsRequest } from '../../../lambda/experiments/core/schemas';
import { createTrackingFixture, putMetricDataViolations, type SentPutMetricData, type TrackingFixture } from '../../emulators/tracking-fixture';

/**
 * One run's whole life on the emulators through the real handlers: 10,000 points logged in ten
 * batches of 1000, read back page by page, summarised, sent to CloudWatch (moto) within its limits.
 */

// Ten sequential 1000-point batches, then every history page: room for a busy 2-core machine.
jest.setTimeout(120_000);

const EXPERIMENT = 'churn-10k';
const METRICS = ['loss', 'accuracy', 'learning_rate', 'grad_norm'] as const;
const BATCHES = 10;
const POINTS_PER_BATCH = 1000;
const STEPS_PER_BATCH = POINTS_PER_BATCH / METRICS.length;
const STEPS = BATCHES * STEPS_PER_BATCH;
const STEP_INTERVAL_MS = 200;
/** Far enough back for every point to be minutes old, well inside CloudWatch's two weeks. */
const FIRST_TIMESTAMP = Math.floor(Date.now() / 1000) * 1000 - 20 * 60_000;

/** A training curve per metric: a falling loss, a rising accuracy, a stepped learning rate (repeated values), an oscillating gradient norm (extremes mid-run). */
const VALUES: Record<(typeof METRICS)[number], (step: number) => number> = {
  loss: (step) => 2 / (1 + step / 100) + 0.01 * Math.sin(step),
  accuracy: (step) => 1 - 1 / (1 + step / 300),
  learning_rate: (step) => 0.01 * 0.5 ** Math.floor(step / 1000),
  grad_norm: (step) => 5 + 3 * Math.sin(step / 37),
};

const pointOf = (metric: (typeof METRICS)[number], step: number): StoredPoint => ({
  step,
  value: VALUES[metric](step),
  timestamp: FIRST_TIMESTAMP + step * STEP_INTERVAL_MS,
});

/** Batch `batch`: its steps in order, each step logging every metric. */
function batchPoints(batch: number): NonNullable<LogMetricsRequest['metrics']> {
  const points: NonNullable<LogMetricsRequest['metrics']> = [];
  for (let step = batch * STEPS_PER_BATCH; step < (batch + 1) * STEPS_PER_BATCH; step++) {
    for (const metric of METRICS) points.push({ name: metric, ...pointOf(metric, step) });
  }
  return points;
}

const expectedHistory = (metric: (typeof METRICS)[number]) => Array.from({ length: STEPS }, (_, step) => pointOf(metric, step));

function expectedSummary(metric: (typeof METRICS)[number]): MetricSummary {
  const values = expectedHistory(metric).map(({ value }) => value);
  const last = pointOf(metric, STEPS - 1);
  return { last: last.value, lastStep: last.step, lastTimestamp: last.timestamp, min: Math.min(...values), max: Math.max(...values), count: STEPS };
}

let tracking: TrackingFixture;

beforeAll(async () => {
  tracking = await createTrackingFixture({ label: 'tracking-10k' });
});

afterAll(async () => {
  await tracking?.dispose();
});

test('loads each function with the environment the stack gives it', () => {
  // Assert
  for (const environment of Object.values(tracking.environments)) expect(environment.EXPERIMENTS_TABLE_NAME).toBe(tracking.tableName);
  expect(tracking.environments.logMetrics.RUN_METRICS_NAMESPACE).toBe('MlopsPlatform/Experiments');
  expect(tracking.environments.sweepRuns.CRASH_AFTER_SECONDS).toBe('600');
  expect(Object.fromEntries(Object.entries(tracking.environments).map(([name, environment]) => [name, environment.POWERTOOLS_SERVICE_NAME]))).toEqual({
    startRun: 'StartRun',
    logMetrics: 'LogMetrics',
    endRun: 'EndRun',
    queryRuns: 'QueryRuns',
    sweepRuns: 'SweepRuns',
  });
});

describe('a run that logs 10,000 points in batches of 1000, then ends', () => {
  let started: RunRecord;
  let logged: LogMetricsResult[];
  let sent: SentPutMetricData[];
  let runningWhileLogging: string[];
  let ended: RunRecord;

  beforeAll(async () => {
    started = await tracking.call('startRun', { experiment: EXPERIMENT, params: { optimizer: 'adam', epochs: '10' }, tags: { team: 'growth' } });
    const sentBefore = tracking.putMetricDataRequests().length;
    logged = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      logged.push(await tracking.call('logMetrics', { runId: started.runId, batchId: `batch-${batch}`, metrics: batchPoints(batch) }));
    }
    sent = tracking.putMetricDataRequests().slice(sentBefore);
    runningWhileLogging = (await tracking.runningIndex()).map(({ runId }) => runId);
    ended = await tracking.call('endRun', { runId: started.runId, status: 'COMPLETED' });
  });

  test('stores every batch whole, one revision each, and publishes it', () => {
    // Assert
    expect(started).toMatchObject({ experiment: EXPERIMENT, runName: `${EXPERIMENT}-1`, runNumber: 1, status: 'RUNNING', revision: 0 });
    expect(logged).toEqual(
      Array.from({ length: BATCHES }, (_, batch) => ({
        runId: started.runId,
        status: 'RUNNING',
        revision: batch + 1,
        accepted: POINTS_PER_BATCH,
        replayed: false,
        publishedToCloudWatch: true,
      })),
    );
  });

  test.each(METRICS)('returns all %s points in the order logged, page by page', async (metric) => {
    // Act
    const { points, pages } = await tracking.metricHistory(started.runId, metric, 1000);

    // Assert
    expect(pages).toBe(Math.ceil(STEPS / 1000));
    expect(points).toHaveLength(STEPS);
    expect(points).toEqual(expectedHistory(metric));
  });

  test('returns a whole history in one page when the page holds it', async () => {
    // Act
    const { points, pages } = await tracking.metricHistory(started.runId, 'loss', 10_000);

    // Assert
    expect(pages).toBe(1);
    expect(points).toEqual(expectedHistory('loss'));
  });

  test("keeps each metric's last value, minimum, maximum and count in the run", async () => {
    // Act
    const run = (await tracking.call('queryRuns', { query: 'getRun', runId: started.runId })) as RunRecord;

    // Assert
    expect(run.metrics).toEqual(Object.fromEntries(METRICS.map((metric) => [metric, expectedSummary(metric)])));
    expect(run).toMatchObject({ status: 'COMPLETED', revision: BATCHES + 1, params: { optimizer: 'adam', epochs: '10' }, tags: { team: 'growth' } });
  });

  test('ends COMPLETED and leaves the running index, where it was while it logged', async () => {
    // Act
    const running = await tracking.runningIndex();

    // Assert
    expect(ended).toMatchObject({ runId: started.runId, status: 'COMPLETED', endTime: expect.any(String) });
    expect(runningWhileLogging).toContain(started.runId);
    expect(running.map(({ runId }) => runId)).not.toContain(started.runId);
  });

  test("sent PutMetricData requests within CloudWatch's limits, each point counted once", () => {
    // Assert
    expect(sent.length).toBeGreaterThanOrEqual(BATCHES);
    expect(putMetricDataViolations(sent)).toEqual([]);
    const datums = sent.flatMap(({ metricData }) => metricData);
    // 250 distinct values of a metric within a minute need two datums: the 150-value limit was in play.
    expect(Math.max(...datums.map((datum) => datum.Values?.length ?? 0))).toBe(150);
    const counted = (metric: string) =>
      datums.filter((datum) => datum.MetricName === metric).reduce((sum, datum) => sum + (datum.Counts ?? []).reduce((total, count) => total + count, 0), 0);
    expect(Object.fromEntries(METRICS.map((metric) => [metric, counted(metric)]))).toEqual(Object.fromEntries(METRICS.map((metric) => [metric, STEPS])));
    for (const request of sent) expect(request.namespace).toBe(tracking.runMetricsNamespace);
    for (const datum of datums) {
      expect(datum.Dimensions).toEqual([
        { Name: 'Experiment', Value: EXPERIMENT },
        { Name: 'RunId', Value: started.runId },
      ]);
    }
  });

  test("left the run's metrics in CloudWatch under the dimensions Experiment and RunId", async () => {
    // Arrange: moto lists a metric once per value (ListMetrics pages through 10,000 entries for
    // half a minute), so the data is read by statistics under the run's exact dimensions.
    const dimensions = [
      { Name: 'Experiment', Value: EXPERIMENT },
      { Name: 'RunId', Value: started.runId },
    ];
    const statistics = ['SampleCount', 'Minimum', 'Maximum'] as const;

    // Act
    const { MetricDataResults = [] } = await tracking.clients.cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(FIRST_TIMESTAMP - 3600_000),
        EndTime: new Date(Date.now() + 3600_000),
        MetricDataQueries: METRICS.flatMap((metric, m) =>
          statistics.map((Stat, s) => ({
            Id: `m${m}s${s}`,
            MetricStat: { Metric: { Namespace: tracking.runMetricsNamespace, MetricName: metric, Dimensions: dimensions }, Period: 60, Stat },
          })),
        ),
      }),
    );

    // Assert: every point is there, once, with the run's extremes.
    const valuesOf = (metric: number, statistic: number) => MetricDataResults.find(({ Id }) => Id === `m${metric}s${statistic}`)?.Values ?? [];
    const found = METRICS.map((metric, m) => ({
      metric,
      samples: valuesOf(m, 0).reduce((sum, count) => sum + count, 0),
      min: Math.min(...valuesOf(m, 1)),
      max: Math.max(...valuesOf(m, 2)),
    }));
    expect(found).toEqual(METRICS.map((metric) => ({ metric, samples: STEPS, min: expectedSummary(metric).min, max: expectedSummary(metric).max })));
  });
});

describe('PutMetricData requests at the edges of a batch', () => {
  let run: RunRecord;

  beforeAll(async () => {
    // The longest experiment and metric names make the largest datums.
    run = await tracking.call('startRun', { experiment: `e${'x'.repeat(199)}` });
  });

  async function sentFor(request: LogMetricsRequest): Promise<{ result: LogMetricsResult; sent: SentPutMetricData[] }> {
    const before = tracking.putMetricDataRequests().length;
    const result = await tracking.call('logMetrics', request);
    return { result, sent: tracking.putMetricDataRequests().slice(before) };
  }

  test('sends 1000 distinct values of one metric in one minute as datums of at most 150 values', async () => {
    // Arrange
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    const metrics = Array.from({ length: 1000 }, (_, step) => ({ name: 'loss', value: 1 / (step + 1), step, timestamp: minute + step * 50 }));

    // Act
    const { result, sent } = await sentFor({ runId: run.runId, metrics });

    // Assert
    expect(result).toMatchObject({ accepted: 1000, publishedToCloudWatch: true });
    expect(putMetricDataViolations(sent)).toEqual([]);
    const datums = sent.flatMap(({ metricData }) => metricData);
    expect(datums).toHaveLength(Math.ceil(1000 / 150));
    expect(datums.flatMap((datum) => datum.Values ?? []).sort((a, b) => a - b)).toEqual(metrics.map(({ value }) => value).sort((a, b) => a - b));
  });

  test('sends 1000 points in 1000 different minutes, under long names, within 1000 datums and 1 MB a request', async () => {
    // Arrange
    const name = `m${'y'.repeat(249)}`;
    const latestMinute = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const metrics = Array.from({ length: 1000 }, (_, step) => ({ name, value: Math.PI * (step + 1), step, timestamp: latestMinute - (999 - step) * 60_000 }));

    // Act
    const { result, sent } = await sentFor({ runId: run.runId, metrics });

    // Assert
    expect(result).toMatchObject({ accepted: 1000, publishedToCloudWatch: true });
    expect(putMetricDataViolations(sent)).toEqual([]);
    expect(sent.flatMap(({ metricData }) => metricData)).toHaveLength(1000);
    // The SDK gzips a body this large; CloudWatch's limit applies to what it reads.
    expect(Math.max(...sent.map(({ bodyBytes }) => bodyBytes))).toBeGreaterThan(100_000);
  });
});
