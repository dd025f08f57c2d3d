import type { LogMetricsResult } from '../../../lambda/experiments/core/log-metrics';
import type { RunRecord } from '../../../lambda/experiments/core/model';
import type { LogMetricsRequest } from '../../../lambda/experiments/core/schemas';
import { createTrackingFixture, type TrackingFixture } from '../../emulators/tracking-fixture';

/**
 * LogMetrics batches that must not be applied twice or applied at all: retries with the same
 * batch id, and batches whose params contradict the run's, on DynamoDB Local's transactions.
 */

jest.setTimeout(60_000);

let tracking: TrackingFixture;

beforeAll(async () => {
  tracking = await createTrackingFixture({ label: 'tracking-batches' });
});

afterAll(async () => {
  await tracking?.dispose();
});

const startRun = (params: Record<string, string> = {}) => tracking.call('startRun', { experiment: 'retries', params });

function batch(runId: string, batchId: string | undefined, firstStep: number, points = 100): LogMetricsRequest {
  return {
    runId,
    batchId,
    metrics: Array.from({ length: points }, (_, index) => ({
      name: index % 2 === 0 ? 'loss' : 'accuracy',
      value: 1 / (firstStep + index + 1),
      step: firstStep + index,
    })),
  };
}

/** What a run looks like in storage and to CloudWatch: every table item, and how many PutMetricData requests were sent. */
async function footprint() {
  return { items: await tracking.tableItems(), putMetricDataRequests: tracking.putMetricDataRequests().length };
}

describe('logMetrics with a batch id', () => {
  test('applies a batch retried with the same batchId once, answering the retry as the first call', async () => {
    // Arrange
    const run = await startRun();
    const first = await tracking.call('logMetrics', batch(run.runId, 'epoch-1', 0));
    const before = await footprint();

    // Act
    const retried = await tracking.invoke('logMetrics', batch(run.runId, 'epoch-1', 0));

    // Assert
    // A replay sends nothing to CloudWatch again.
    expect(retried).toEqual({ result: { ...first, replayed: true, publishedToCloudWatch: false } });
    expect(await footprint()).toEqual(before);
    const { points } = await tracking.metricHistory(run.runId, 'loss', 1000);
    expect(points).toHaveLength(50);
    const stored = (await tracking.call('queryRuns', { query: 'getRun', runId: run.runId })) as RunRecord;
    expect(stored).toMatchObject({ revision: 1, metrics: { loss: { count: 50 }, accuracy: { count: 50 } } });
  });

  test('applies a batch sent twice at once with the same batchId once', async () => {
    // Arrange
    const run = await startRun();

    // Act
    const [one, other] = await Promise.all([
      tracking.call('logMetrics', batch(run.runId, 'epoch-1', 0)),
      tracking.call('logMetrics', batch(run.runId, 'epoch-1', 0)),
    ]);

    // Assert
    expect([one.replayed, other.replayed].sort()).toEqual([false, true]);
    expect([one.publishedToCloudWatch, other.publishedToCloudWatch].sort()).toEqual([false, true]);
    expect(one.revision).toBe(1);
    expect(other.revision).toBe(1);
    const { points } = await tracking.metricHistory(run.runId, 'accuracy', 1000);
    expect(points.map(({ step }) => step)).toEqual(Array.from({ length: 50 }, (_, index) => 2 * index + 1));
  });

  test('replays a batch retried after its run ended', async () => {
    // Arrange
    const run = await startRun();
    const first = await tracking.call('logMetrics', batch(run.runId, 'last-epoch', 0));
    await tracking.call('endRun', { runId: run.runId, status: 'COMPLETED' });

    // Act
    const retried = await tracking.invoke('logMetrics', batch(run.runId, 'last-epoch', 0));

    // Assert
    expect(retried).toEqual({ result: { ...first, status: 'COMPLETED', replayed: true, publishedToCloudWatch: false } });
  });

  test('fails with ConflictError when a batchId is used again for other points, and writes nothing', async () => {
    // Arrange
    const run = await startRun();
    await tracking.call('logMetrics', batch(run.runId, 'epoch-1', 0));
    const before = await footprint();

    // Act
    const reused = await tracking.invoke('logMetrics', batch(run.runId, 'epoch-1', 100));

    // Assert
    expect(reused).toMatchObject({ errorType: 'ConflictError', errorMessage: expect.stringContaining('epoch-1') });
    expect(await footprint()).toEqual(before);
  });

  test('applies batches without a batchId each time they are sent', async () => {
    // Arrange
    const run = await startRun();

    // Act
    const results: LogMetricsResult[] = [];
    for (let attempt = 0; attempt < 2; attempt++) results.push(await tracking.call('logMetrics', batch(run.runId, undefined, 0)));

    // Assert
    expect(results.map(({ revision, replayed }) => ({ revision, replayed }))).toEqual([
      { revision: 1, replayed: false },
      { revision: 2, replayed: false },
    ]);
    expect((await tracking.metricHistory(run.runId, 'loss', 1000)).points).toHaveLength(100);
  });
});

describe('logMetrics with params', () => {
  test("fails with ConflictError on a param that contradicts the run's, and writes nothing", async () => {
    // Arrange
    const run = await startRun({ learning_rate: '0.01', optimizer: 'adam' });
    await tracking.call('logMetrics', { ...batch(run.runId, 'epoch-1', 0), params: { batch_size: '64' } });
    const before = await footprint();

    // Act
    const conflicting = await tracking.invoke('logMetrics', {
      ...batch(run.runId, 'epoch-2', 100),
      params: { batch_size: '64', learning_rate: '0.1', epochs: '5' },
      tags: { stage: 'tuning' },
    });

    // Assert
    expect(conflicting).toMatchObject({ errorType: 'ConflictError', errorMessage: expect.stringContaining('params.learning_rate') });
    expect(await footprint()).toEqual(before);
    const stored = (await tracking.call('queryRuns', { query: 'getRun', runId: run.runId })) as RunRecord;
    expect(stored).toMatchObject({ revision: 1, params: { learning_rate: '0.01', optimizer: 'adam', batch_size: '64' }, tags: {} });
  });

  test('adds new params and takes the values a run already has', async () => {
    // Arrange
    const run = await startRun({ learning_rate: '0.01' });

    // Act
    const result = await tracking.invoke('logMetrics', { runId: run.runId, params: { learning_rate: '0.01', epochs: '5' } });

    // Assert
    expect(result).toMatchObject({ result: { revision: 1, accepted: 0 } });
    const stored = (await tracking.call('queryRuns', { query: 'getRun', runId: run.runId })) as RunRecord;
    expect(stored.params).toEqual({ learning_rate: '0.01', epochs: '5' });
  });
});
