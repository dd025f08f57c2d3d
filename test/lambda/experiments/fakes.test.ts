import type { RunRecord } from '../../../lambda/experiments/core/model';
import type { RunBatch } from '../../../lambda/experiments/core/ports';
import { ValidationError } from '../../../lambda/shared/errors';
import { runRecord as baseRunRecord } from '../../support/run-record';
import { InMemoryExperimentStore, RecordingMetricPublisher } from './fakes';

/** The fake store must keep the ExperimentStore contract as DynamoExperimentStore does, or the core tests prove nothing. */

const run = (runId: string, overrides: Partial<RunRecord> = {}): RunRecord =>
  baseRunRecord({ runId, runName: `churn-${runId}`, startTime: '2025-06-01T00:00:00.000Z', heartbeatAt: '2025-06-01T00:00:00.000Z', ...overrides });

const batch = (runId: string, expectedRevision: number, overrides: Partial<RunBatch> = {}): RunBatch => ({
  runId,
  experiment: 'churn',
  expectedRevision,
  status: 'RUNNING',
  heartbeatAt: `2025-06-01T01:00:0${expectedRevision}.000Z`,
  params: {},
  tags: {},
  metrics: {},
  series: [{ name: 'loss', points: [{ step: expectedRevision, value: expectedRevision, timestamp: 1 }] }],
  ...overrides,
});

describe('InMemoryExperimentStore', () => {
  it('hands out run numbers 1, 2, 3 per experiment, keeping its creation time and moving its last run time', async () => {
    const store = new InMemoryExperimentStore();

    const numbers = [await store.reserveRunNumber('churn', 't1'), await store.reserveRunNumber('churn', 't2'), await store.reserveRunNumber('fraud', 't3')];

    expect(numbers).toEqual([1, 2, 1]);
    expect((await store.listExperiments({ limit: 10 })).items).toEqual([
      { name: 'churn', createdAt: 't1', lastRunAt: 't2', runCount: 2 },
      { name: 'fraud', createdAt: 't3', lastRunAt: 't3', runCount: 1 },
    ]);
  });

  it('creates a run once, drops undefined attributes, and hands out copies', async () => {
    const store = new InMemoryExperimentStore();

    expect(await store.createRun({ ...run('r1'), description: undefined }, 'fp')).toBe(true);
    expect(await store.createRun(run('r1', { runName: 'other' }), 'fp2')).toBe(false);

    const stored = await store.getRun('r1');
    expect(stored).toStrictEqual(run('r1'));
    expect(await store.getRunFingerprint('r1')).toBe('fp');
    (stored!.params as Record<string, string>).lr = 'mutated';
    expect((await store.getRun('r1'))?.params).toEqual({});
  });

  it('applies a batch only at the expected revision, and a batch id only once, the receipt checked first', async () => {
    const store = new InMemoryExperimentStore();
    await store.createRun(run('r1'), 'fp');
    const receipt = { batchId: 'b1', fingerprint: 'f', revision: 1, points: 1 };

    expect(await store.appendBatch(batch('r1', 1))).toEqual({ kind: 'stale' });
    expect(await store.appendBatch(batch('r1', 0, { receipt }))).toEqual({ kind: 'committed' });
    expect(await store.appendBatch(batch('r1', 1, { receipt }))).toEqual({ kind: 'already-applied' });
    expect(await store.appendBatch(batch('r1', 0, { receipt }))).toEqual({ kind: 'already-applied' });
    expect(await store.appendBatch(batch('missing', 0))).toEqual({ kind: 'stale' });

    expect(await store.getBatchReceipt('r1', 'b1')).toEqual(receipt);
    expect(await store.getRun('r1')).toMatchObject({ revision: 1, heartbeatAt: '2025-06-01T01:00:00.000Z' });
    expect(store.allPoints('r1', 'loss')).toEqual([{ step: 0, value: 0, timestamp: 1 }]);
  });

  it('revives a crashed run on a batch: end time and reason removed, back in the running index', async () => {
    const store = new InMemoryExperimentStore();
    await store.createRun(run('r1'), 'fp');
    await store.endRun({ experiment: 'churn', runId: 'r1', expectedRevision: 0, status: 'CRASHED', endTime: 'e', reason: 'silent' });
    expect(await store.countRunning()).toBe(0);

    await store.appendBatch(batch('r1', 1));

    const revived = await store.getRun('r1');
    expect(revived).toMatchObject({ status: 'RUNNING', revision: 2 });
    expect(revived).not.toHaveProperty('endTime');
    expect(revived).not.toHaveProperty('reason');
    expect((await store.findSilentRuns('9999', { limit: 10 })).items).toEqual([{ runId: 'r1', heartbeatAt: '2025-06-01T01:00:01.000Z' }]);
  });

  it('ends a run only at the expected revision, keeping its reason when given none, out of the running index', async () => {
    const store = new InMemoryExperimentStore();
    await store.createRun(run('r1', { reason: 'earlier' }), 'fp');

    expect(await store.endRun({ experiment: 'churn', runId: 'r1', expectedRevision: 1, status: 'FAILED', endTime: 'e' })).toBe(false);
    expect(await store.endRun({ experiment: 'churn', runId: 'r1', expectedRevision: 0, status: 'FAILED', endTime: 'e' })).toBe(true);
    expect(await store.endRun({ experiment: 'churn', runId: 'missing', expectedRevision: 0, status: 'FAILED', endTime: 'e' })).toBe(false);

    expect(await store.getRun('r1')).toMatchObject({ status: 'FAILED', endTime: 'e', reason: 'earlier', revision: 1 });
    expect(await store.countRunning()).toBe(0);
  });

  it('answers getRuns in no particular order, skipping missing runs, and refuses duplicate ids as BatchGetItem does', async () => {
    const store = new InMemoryExperimentStore();
    await store.createRun(run('r1'), 'fp');
    await store.createRun(run('r2'), 'fp');

    expect((await store.getRuns(['r1', 'missing', 'r2'])).map((found) => found.runId).sort()).toEqual(['r1', 'r2']);
    await expect(store.getRuns(['r1', 'r1'])).rejects.toThrow('duplicates');
  });

  it('resumes index pages after the last key read, even when that run left the index meanwhile', async () => {
    const store = new InMemoryExperimentStore();
    for (let i = 0; i < 5; i++) await store.createRun(run(`r${i}`, { heartbeatAt: `2025-06-01T00:00:0${i}.000Z` }), 'fp');

    const first = await store.findSilentRuns('9999', { limit: 2 });
    await store.endRun({ experiment: 'churn', runId: 'r0', expectedRevision: 0, status: 'CRASHED', endTime: 'e' });
    await store.endRun({ experiment: 'churn', runId: 'r1', expectedRevision: 0, status: 'CRASHED', endTime: 'e' });
    const second = await store.findSilentRuns('9999', { limit: 2, nextToken: first.nextToken });
    const third = await store.findSilentRuns('9999', { limit: 2, nextToken: second.nextToken });

    expect([first, second, third].map((page) => page.items.map((silent) => silent.runId))).toEqual([['r0', 'r1'], ['r2', 'r3'], ['r4']]);
    expect(third.nextToken).toBeUndefined();
  });

  it('returns a token whenever a query reads a full page, the last page possibly empty, and filters after the limit', async () => {
    const store = new InMemoryExperimentStore();
    for (let i = 0; i < 4; i++) await store.createRun(run(`r${i}`, { startTime: `2025-06-01T00:00:0${i}.000Z` }), 'fp');
    await store.endRun({ experiment: 'churn', runId: 'r3', expectedRevision: 0, status: 'COMPLETED', endTime: 'e' });
    await store.endRun({ experiment: 'churn', runId: 'r2', expectedRevision: 0, status: 'COMPLETED', endTime: 'e' });

    const first = await store.listRuns('churn', 'RUNNING', { limit: 2 });
    const second = await store.listRuns('churn', 'RUNNING', { limit: 2, nextToken: first.nextToken });
    const third = await store.listRuns('churn', 'RUNNING', { limit: 2, nextToken: second.nextToken });

    // Newest first: r3 and r2 read and filtered out, then r1 and r0.
    expect([first, second, third].map((page) => page.items.map((found) => found.runId))).toEqual([[], ['r1', 'r0'], []]);
    expect(third.nextToken).toBeUndefined();
  });

  it('binds tokens to their query and refuses forged ones as ValidationError on nextToken', async () => {
    const store = new InMemoryExperimentStore();
    for (let i = 0; i < 3; i++) await store.createRun(run(`r${i}`), 'fp');
    const { nextToken } = await store.listRuns('churn', undefined, { limit: 1 });

    const refusals = [
      store.listRuns('fraud', undefined, { limit: 1, nextToken }),
      store.findSilentRuns('9999', { limit: 1, nextToken }),
      store.listExperiments({ limit: 1, nextToken }),
      store.listRuns('churn', undefined, {
        limit: 1,
        nextToken: Buffer.from(JSON.stringify({ s: '["runs","churn",null]', k: { position: 7 } })).toString('base64url'),
      }),
    ];

    for (const refusal of refusals) {
      const error = await refusal.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['nextToken']);
    }
  });

  it('pages history by item and offset in revision order, with no token when a page ends at the end', async () => {
    const store = new InMemoryExperimentStore();
    await store.createRun(run('r1'), 'fp');
    for (let revision = 0; revision < 3; revision++) {
      const points = Array.from({ length: 3 }, (_, i) => ({ step: revision * 3 + i, value: i, timestamp: 1 }));
      await store.appendBatch(
        batch('r1', revision, {
          series: [
            { name: 'loss', points },
            { name: 'loss2', points },
          ],
        }),
      );
    }

    const first = await store.metricHistory('r1', 'loss', { limit: 4 });
    const second = await store.metricHistory('r1', 'loss', { limit: 5, nextToken: first.nextToken });

    expect(first.items.map((point) => point.step)).toEqual([0, 1, 2, 3]);
    expect(second.items.map((point) => point.step)).toEqual([4, 5, 6, 7, 8]);
    expect(second.nextToken).toBeUndefined();
    expect((await store.metricHistory('r1', 'loss', { limit: 9 })).nextToken).toBeUndefined();
    expect((await store.metricHistory('r1', 'loss', { limit: 3 })).nextToken).toBeDefined();
  });

  it('runs a scripted race just before the next call of the operation, once', async () => {
    const store = new InMemoryExperimentStore();
    await store.createRun(run('r1'), 'fp');
    store.interleaveBefore('appendBatch', () => store.appendBatch(batch('r1', 0)));

    expect(await store.appendBatch(batch('r1', 0))).toEqual({ kind: 'stale' });
    expect(await store.appendBatch(batch('r1', 1))).toEqual({ kind: 'committed' });
    expect(store.appendOutcomes.map((outcome) => outcome.kind)).toEqual(['committed', 'stale', 'committed']);
  });
});

describe('RecordingMetricPublisher', () => {
  it('records what it publishes, and fails when told to', async () => {
    const publisher = new RecordingMetricPublisher();
    const series = [{ name: 'loss', points: [{ step: 0, value: 1, timestamp: 1 }] }];
    publisher.failNext(new Error('Throttling'));

    await expect(publisher.publish({ runId: 'r1', experiment: 'churn' }, series)).rejects.toThrow('Throttling');
    await publisher.publish({ runId: 'r1', experiment: 'churn' }, series);
    publisher.failAlways();
    await expect(publisher.publish({ runId: 'r1', experiment: 'churn' }, series)).rejects.toThrow('unavailable');

    expect(publisher.published).toEqual([{ run: { runId: 'r1', experiment: 'churn' }, series }]);
    expect(publisher.attempts).toBe(3);
  });
});
