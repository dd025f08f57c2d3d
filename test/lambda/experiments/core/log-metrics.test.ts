import type { StoredPoint } from '../../../../lambda/experiments/core/model';
import { MAX_METRICS_PER_BATCH } from '../../../../lambda/experiments/core/schemas';
import { ConflictError, NotFoundError, ValidationError } from '../../../../lambda/shared/errors';
import { fakeTracking, type InMemoryExperimentStore } from '../fakes';

const T0 = Date.parse('2025-06-01T11:00:00.000Z');

async function setUp(start: { params?: Record<string, string>; tags?: Record<string, string> } = {}) {
  const tracking = fakeTracking();
  const run = await tracking.startRun({ experiment: 'churn', ...start });
  return { ...tracking, run, runId: run.runId };
}

/** A metric's whole history read through `metricHistory` pages of `limit`, with the page sizes. */
async function readHistory(store: InMemoryExperimentStore, runId: string, metric: string, limit: number) {
  const points: StoredPoint[] = [];
  const pages: number[] = [];
  let nextToken: string | undefined;
  do {
    const page = await store.metricHistory(runId, metric, { limit, nextToken });
    points.push(...page.items);
    pages.push(page.items.length);
    nextToken = page.nextToken;
  } while (nextToken);
  return { points, pages };
}

const entries = (prefix: string, count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'v']));

/** The field paths a ValidationError names, or fails when `attempt` does not reject with one. */
async function refusedPaths(attempt: Promise<unknown>): Promise<string[]> {
  const error: unknown = await attempt.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error.issues.map((issue) => issue.path).sort();
}

describe('logMetrics', () => {
  it('stores 10,000 points logged in 10 batches, complete and in the order logged', async () => {
    const { store, publisher, runId, logMetrics } = await setUp();
    const loss = (step: number) => 1 / (1 + step);
    const acc = (step: number) => step / 10_000;

    for (let batch = 0; batch < 10; batch++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => {
        const step = batch * 1000 + i;
        // 700 loss points and 300 acc points a batch, mixed.
        return i % 10 < 7 ? { name: 'loss', value: loss(step), step, timestamp: T0 + step } : { name: 'acc', value: acc(step), step, timestamp: T0 + step };
      });
      const result = await logMetrics({ runId, batchId: `batch-${batch}`, metrics });
      expect(result).toEqual({ runId, status: 'RUNNING', revision: batch + 1, accepted: 1000, replayed: false, publishedToCloudWatch: true });
    }

    const steps = Array.from({ length: 10_000 }, (_, step) => step);
    const lossSteps = steps.filter((step) => step % 10 < 7);
    const accSteps = steps.filter((step) => step % 10 >= 7);
    const lossHistory = await readHistory(store, runId, 'loss', 1000);
    const accHistory = await readHistory(store, runId, 'acc', 1000);
    expect(lossHistory.points).toEqual(lossSteps.map((step) => ({ step, value: loss(step), timestamp: T0 + step })));
    expect(accHistory.points).toEqual(accSteps.map((step) => ({ step, value: acc(step), timestamp: T0 + step })));
    expect(lossHistory.pages).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    expect(accHistory.pages).toEqual([1000, 1000, 1000]);
    // Pages that cut batches anywhere read the same points.
    expect((await readHistory(store, runId, 'loss', 333)).points).toEqual(lossHistory.points);
    expect((await readHistory(store, runId, 'loss', 7000)).pages).toEqual([7000]);
    const run = await store.getRun(runId);
    expect(run?.metrics).toEqual({
      loss: { last: loss(9996), lastStep: 9996, lastTimestamp: T0 + 9996, min: loss(9996), max: 1, count: 7000 },
      acc: { last: acc(9999), lastStep: 9999, lastTimestamp: T0 + 9999, min: acc(7), max: acc(9999), count: 3000 },
    });
    expect(run?.revision).toBe(10);
    expect(publisher.published.map(({ series }) => series.map(({ name, points }) => [name, points.length]))).toEqual(
      Array.from({ length: 10 }, () => [
        ['loss', 700],
        ['acc', 300],
      ]),
    );
  });

  it('keeps the last value at the highest step when an earlier step arrives later, with min, max and count over every batch', async () => {
    const { store, runId, logMetrics } = await setUp();

    await logMetrics({ runId, metrics: [0.9, 0.5, 0.3].map((value, step) => ({ name: 'loss', value, step, timestamp: T0 + step })) });
    await logMetrics({ runId, metrics: [{ name: 'loss', value: 1.5, step: 1, timestamp: T0 + 60_000 }] });

    expect((await store.getRun(runId))?.metrics.loss).toEqual({ last: 0.3, lastStep: 2, lastTimestamp: T0 + 2, min: 0.3, max: 1.5, count: 4 });
  });

  it("stamps points without a timestamp with the time of the call, and beats the run's heart", async () => {
    const { store, clock, runId, logMetrics } = await setUp();
    clock.advance(30_000);
    const now = clock.now();

    await logMetrics({ runId, metrics: [{ name: 'loss', value: 1, step: 3 }] });

    expect(store.allPoints(runId, 'loss')).toEqual([{ step: 3, value: 1, timestamp: now.getTime() }]);
    expect((await store.getRun(runId))?.heartbeatAt).toBe(now.toISOString());
  });

  it('sends the stored points to CloudWatch under the run', async () => {
    const { publisher, run, runId, logMetrics } = await setUp();

    await logMetrics({ runId, metrics: [{ name: 'loss', value: 1, step: 0, timestamp: T0 }] });

    expect(publisher.published).toEqual([
      { run: { runId, experiment: run.experiment }, series: [{ name: 'loss', points: [{ step: 0, value: 1, timestamp: T0 }] }] },
    ]);
  });

  it('replays a batch retried with the same batch id: nothing stored twice, nothing sent twice, the first revision returned', async () => {
    const { store, publisher, runId, logMetrics } = await setUp();
    const batch = { runId, batchId: 'b1', metrics: [{ name: 'loss', value: 1, step: 0, timestamp: T0 }], params: { lr: '0.1' } };
    const first = await logMetrics(batch);
    await logMetrics({ runId, metrics: [{ name: 'loss', value: 2, step: 1, timestamp: T0 }] });

    const retried = await logMetrics(batch);

    expect(retried).toEqual({ ...first, replayed: true, publishedToCloudWatch: false });
    expect(first).toMatchObject({ revision: 1, accepted: 1, replayed: false });
    expect(store.allPoints(runId, 'loss').map((point) => point.value)).toEqual([1, 2]);
    expect((await store.getRun(runId))?.metrics.loss.count).toBe(2);
    expect((await store.getRun(runId))?.revision).toBe(2);
    expect(publisher.published).toHaveLength(2);
  });

  it('replays a batch id applied by a concurrent call with the same batch, sending it once', async () => {
    const { store, publisher, runId, logMetrics } = await setUp();
    const batch = { runId, batchId: 'b1', metrics: [{ name: 'loss', value: 1, step: 0, timestamp: T0 }] };
    let concurrent: ReturnType<typeof logMetrics> | undefined;
    store.interleaveBefore('appendBatch', () => (concurrent = logMetrics(batch)));

    const result = await logMetrics(batch);

    expect(result).toMatchObject({ replayed: true, revision: 1, accepted: 1, publishedToCloudWatch: false });
    expect(await concurrent).toMatchObject({ replayed: false, revision: 1, publishedToCloudWatch: true });
    expect(publisher.published).toHaveLength(1);
    expect(store.allPoints(runId, 'loss')).toHaveLength(1);
    expect(store.appendOutcomes.map((outcome) => outcome.kind)).toEqual(['committed', 'already-applied']);
  });

  it('fails when a batch id is reused for a different batch, writing nothing', async () => {
    const { store, runId, logMetrics } = await setUp();
    await logMetrics({ runId, batchId: 'b1', metrics: [{ name: 'loss', value: 1, timestamp: T0 }] });

    const reused = logMetrics({ runId, batchId: 'b1', metrics: [{ name: 'loss', value: 2, timestamp: T0 }] });

    await expect(reused).rejects.toThrow(ConflictError);
    await expect(reused).rejects.toThrow('batchId "b1" was already used for a different batch');
    expect(store.allPoints(runId, 'loss').map((point) => point.value)).toEqual([1]);
    expect((await store.getRun(runId))?.revision).toBe(1);
  });

  it('accepts a param logged again with the same value, and lets tags change', async () => {
    const { store, runId, logMetrics } = await setUp({ params: { lr: '0.1' }, tags: { phase: 'warmup' } });

    await logMetrics({ runId, params: { lr: '0.1', epochs: '3' }, tags: { phase: 'train' } });

    expect(await store.getRun(runId)).toMatchObject({ params: { lr: '0.1', epochs: '3' }, tags: { phase: 'train' }, revision: 1 });
  });

  it('fails on a param logged with a different value, naming it, writing nothing of the batch', async () => {
    const { store, publisher, runId, run, logMetrics } = await setUp({ params: { lr: '0.1', epochs: '3' } });

    const changed = logMetrics({ runId, params: { lr: '0.2', epochs: '3', seed: '7' }, tags: { t: 'v' }, metrics: [{ name: 'loss', value: 1 }] });

    await expect(changed).rejects.toThrow(ConflictError);
    await expect(changed).rejects.toThrow('params.lr: is "0.1" already, not "0.2"');
    expect(await store.getRun(runId)).toEqual(run);
    expect(store.allPoints(runId, 'loss')).toEqual([]);
    expect(publisher.attempts).toBe(0);
  });

  it('accepts params, tags and metrics named like Object members as any other', async () => {
    const { store, runId, logMetrics } = await setUp();

    await logMetrics({
      runId,
      params: { constructor: 'a', toString: 'b' },
      metrics: [
        { name: 'constructor', value: 2, step: 1 },
        { name: 'valueOf', value: 3, step: 1 },
      ],
    });
    await logMetrics({ runId, params: { constructor: 'a' }, metrics: [{ name: 'constructor', value: 1, step: 2 }] });

    const run = await store.getRun(runId);
    expect(run?.params).toEqual({ constructor: 'a', toString: 'b' });
    expect(run?.metrics.constructor).toMatchObject({ last: 1, lastStep: 2, min: 1, max: 2, count: 2 });
    expect(run?.metrics.valueOf).toMatchObject({ last: 3, count: 1 });
  });

  it.each([
    ['params', { params: entries('p', 95) }, { params: entries('q', 6) }],
    ['tags', { tags: entries('t', 100) }, { tags: { extra: 'v' } }],
  ])('fails when a batch would take the run over its %s limit, writing nothing', async (path, start, batch) => {
    const { store, run, runId, logMetrics } = await setUp(start);

    expect(await refusedPaths(logMetrics({ runId, ...batch }))).toEqual([path]);
    expect(await store.getRun(runId)).toEqual(run);
  });

  it('accepts params and tags up to the run limits, counting the ones it has once', async () => {
    const { store, runId, logMetrics } = await setUp({ params: entries('p', 95), tags: entries('t', 100) });

    await logMetrics({ runId, params: { ...entries('p', 95), ...entries('q', 5) }, tags: { t0: 'changed' } });

    expect(Object.keys((await store.getRun(runId))?.params ?? {})).toHaveLength(100);
  });

  it('fails when a batch would take the run over 500 metrics, writing nothing; metrics it has are still taken', async () => {
    const { store, runId, logMetrics } = await setUp();
    for (let batch = 0; batch < 5; batch++) {
      await logMetrics({
        runId,
        metrics: Array.from({ length: MAX_METRICS_PER_BATCH }, (_, i) => ({ name: `m${batch * MAX_METRICS_PER_BATCH + i}`, value: 1 })),
      });
    }
    // 490 metrics now.

    const over = logMetrics({ runId, metrics: Array.from({ length: 11 }, (_, i) => ({ name: `new${i}`, value: 1 })) });

    expect(await refusedPaths(over)).toEqual(['metrics']);
    expect((await store.getRun(runId))?.revision).toBe(5);
    expect(store.allPoints(runId, 'new0')).toEqual([]);
    await logMetrics({ runId, metrics: [...Array.from({ length: 10 }, (_, i) => ({ name: `new${i}`, value: 1 })), { name: 'm0', value: 2 }] });
    expect(Object.keys((await store.getRun(runId))?.metrics ?? {})).toHaveLength(500);
  });

  it('fails with NotFoundError on a run that does not exist', async () => {
    const { store, logMetrics } = await setUp();

    await expect(logMetrics({ runId: 'f'.repeat(32), metrics: [{ name: 'loss', value: 1 }] })).rejects.toThrow(NotFoundError);
    expect(store.appendOutcomes).toEqual([]);
  });

  it.each(['COMPLETED', 'FAILED', 'KILLED'] as const)('fails with ConflictError on a run that ended %s, writing nothing', async (status) => {
    const { store, runId, logMetrics, endRun } = await setUp();
    await endRun({ runId, status });
    const ended = await store.getRun(runId);

    const late = logMetrics({ runId, batchId: 'late', metrics: [{ name: 'loss', value: 1 }] });

    await expect(late).rejects.toThrow(ConflictError);
    await expect(late).rejects.toThrow(`is ${status}`);
    expect(await store.getRun(runId)).toEqual(ended);
    expect(store.appendOutcomes).toEqual([]);
  });

  it('replays a batch applied before the run ended, reporting the run as ended', async () => {
    const { store, runId, logMetrics, endRun } = await setUp();
    const batch = { runId, batchId: 'last', metrics: [{ name: 'loss', value: 1, timestamp: T0 }] };
    const first = await logMetrics(batch);
    await endRun({ runId, status: 'COMPLETED' });

    const retried = await logMetrics(batch);

    expect(retried).toEqual({ ...first, status: 'COMPLETED', replayed: true, publishedToCloudWatch: false });
    expect(store.allPoints(runId, 'loss')).toHaveLength(1);
    // Another batch with that id is still a conflict.
    await expect(logMetrics({ ...batch, metrics: [{ name: 'loss', value: 9, timestamp: T0 }] })).rejects.toThrow('already used for a different batch');
  });

  it('brings a crashed run back to RUNNING: end time and reason gone, back among the running', async () => {
    const { store, clock, crashAfterMs, runId, logMetrics, sweepRuns } = await setUp();
    clock.advance(crashAfterMs + 1000);
    await sweepRuns();
    expect(await store.getRun(runId)).toMatchObject({ status: 'CRASHED', endTime: expect.any(String), reason: expect.any(String) });
    expect(await store.countRunning()).toBe(0);

    const result = await logMetrics({ runId, metrics: [{ name: 'loss', value: 1 }] });

    const revived = await store.getRun(runId);
    expect(result).toMatchObject({ status: 'RUNNING', revision: 2, replayed: false });
    expect(revived).toMatchObject({ status: 'RUNNING', heartbeatAt: clock.now().toISOString(), revision: 2 });
    expect(revived).not.toHaveProperty('endTime');
    expect(revived).not.toHaveProperty('reason');
    expect(await store.countRunning()).toBe(1);
  });

  it('retries a batch that lost the run to a concurrent batch, keeping both', async () => {
    const { store, clock, runId, logMetrics } = await setUp();
    const loggedAt = clock.now().getTime();
    store.interleaveBefore('appendBatch', () => logMetrics({ runId, batchId: 'other', metrics: [{ name: 'loss', value: 5, step: 9, timestamp: T0 }] }));

    const result = await logMetrics({ runId, batchId: 'mine', metrics: [{ name: 'loss', value: 1, step: 1 }] });

    expect(result).toMatchObject({ revision: 2, accepted: 1, replayed: false });
    expect(store.appendOutcomes.map((outcome) => outcome.kind)).toEqual(['committed', 'stale', 'committed']);
    expect(clock.sleeps).toHaveLength(1);
    // The retry keeps the first attempt's time for points without one, and folds into the concurrent batch's summary.
    expect(store.allPoints(runId, 'loss')).toEqual([
      { step: 9, value: 5, timestamp: T0 },
      { step: 1, value: 1, timestamp: loggedAt },
    ]);
    expect((await store.getRun(runId))?.metrics.loss).toMatchObject({ last: 5, lastStep: 9, min: 1, max: 5, count: 2 });
  });

  it('stores every batch of concurrent callers, none lost to another', async () => {
    const { store, runId, logMetrics } = await setUp();

    await Promise.all(Array.from({ length: 5 }, (_, i) => logMetrics({ runId, metrics: [{ name: 'loss', value: i, step: i }] })));

    expect(
      store
        .allPoints(runId, 'loss')
        .map((point) => point.value)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(await store.getRun(runId)).toMatchObject({ revision: 5, metrics: { loss: { count: 5, min: 0, max: 4, last: 4 } } });
  });

  it('fails with ConflictError when the run keeps changing until the deadline, storing nothing', async () => {
    const { store, clock, runId, logMetrics } = await setUp();
    store.reportAppendStaleForever();
    const startedAt = clock.now().getTime();

    await expect(logMetrics({ runId, metrics: [{ name: 'loss', value: 1 }] })).rejects.toThrow('kept changing while this batch was applied');
    expect(clock.now().getTime() - startedAt).toBeGreaterThanOrEqual(20_000);
    expect(store.allPoints(runId, 'loss')).toEqual([]);
  });

  it('keeps a batch CloudWatch refused, reporting it in the result and to onPublishFailure', async () => {
    const { store, publisher, publishFailures, runId, logMetrics } = await setUp();
    const refusal = new Error('Throttling');
    publisher.failNext(refusal);

    const result = await logMetrics({ runId, metrics: [{ name: 'loss', value: 1 }] });

    expect(result).toMatchObject({ revision: 1, accepted: 1, replayed: false, publishedToCloudWatch: false });
    expect(store.allPoints(runId, 'loss')).toHaveLength(1);
    expect(publishFailures).toEqual([refusal]);
    expect(await logMetrics({ runId, metrics: [{ name: 'loss', value: 2 }] })).toMatchObject({ publishedToCloudWatch: true });
  });

  it('takes an empty batch as a heartbeat: the heartbeat moves and the revision rises, nothing else', async () => {
    const { store, publisher, clock, run, runId, logMetrics } = await setUp({ params: { lr: '0.1' } });
    clock.advance(60_000);

    const result = await logMetrics({ runId });

    expect(result).toEqual({ runId, status: 'RUNNING', revision: 1, accepted: 0, replayed: false, publishedToCloudWatch: true });
    expect(await store.getRun(runId)).toEqual({ ...run, heartbeatAt: clock.now().toISOString(), revision: 1 });
    expect(store.history.get(runId)?.size ?? 0).toBe(0);
    expect(publisher.attempts).toBe(0);
  });
});
