import type { RunRecord } from '../../../../lambda/experiments/core/model';
import { newRunId } from '../../../../lambda/experiments/core/run-id';
import { ConflictError } from '../../../../lambda/shared/errors';
import { fakeTracking } from '../fakes';

describe('startRun', () => {
  it('starts a running run with its first heartbeat, number 1 and a default name, creating the experiment', async () => {
    const { store, clock, startRun } = fakeTracking();

    const run = await startRun({ experiment: 'churn', params: { lr: '0.1' }, tags: { team: 'ml' }, gitCommit: 'abc1234', actor: 'alice' });

    const now = clock.now().toISOString();
    expect(run).toEqual({
      runId: expect.stringMatching(/^[0-9a-f]{32}$/),
      experiment: 'churn',
      runName: 'churn-1',
      runNumber: 1,
      status: 'RUNNING',
      startTime: now,
      heartbeatAt: now,
      createdBy: 'alice',
      gitCommit: 'abc1234',
      params: { lr: '0.1' },
      tags: { team: 'ml' },
      metrics: {},
      revision: 0,
      registeredVersions: [],
    });
    expect(await store.getRun(run.runId)).toEqual(run);
    expect(store.experiments.get('churn')).toEqual({ name: 'churn', createdAt: now, lastRunAt: now, runCount: 1 });
    expect(await store.countRunning()).toBe(1);
  });

  it('numbers runs 1, 2, 3 within each experiment, naming them <experiment>-<n>', async () => {
    const { store, clock, startRun } = fakeTracking();
    const firstAt = clock.now().toISOString();

    const churn: RunRecord[] = [];
    for (let i = 0; i < 3; i++) {
      churn.push(await startRun({ experiment: 'churn' }));
      clock.advance(1000);
    }
    const fraud = await startRun({ experiment: 'fraud' });

    expect(churn.map((run) => [run.runNumber, run.runName])).toEqual([
      [1, 'churn-1'],
      [2, 'churn-2'],
      [3, 'churn-3'],
    ]);
    expect([fraud.runNumber, fraud.runName]).toEqual([1, 'fraud-1']);
    expect(new Set([...churn, fraud].map((run) => run.runId)).size).toBe(4);
    expect(store.experiments.get('churn')).toEqual({ name: 'churn', createdAt: firstAt, lastRunAt: churn[2].startTime, runCount: 3 });
  });

  it('keeps a run name given, still taking the next number', async () => {
    const { startRun } = fakeTracking();
    await startRun({ experiment: 'churn' });

    const run = await startRun({ experiment: 'churn', runName: 'baseline with dropout' });

    expect(run).toMatchObject({ runName: 'baseline with dropout', runNumber: 2 });
  });

  it('gives concurrent starts distinct consecutive numbers, without waiting', async () => {
    const { clock, startRun } = fakeTracking();

    const runs = await Promise.all(Array.from({ length: 30 }, () => startRun({ experiment: 'churn' })));

    expect(runs.map((run) => run.runNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(clock.sleeps).toEqual([]);
  });

  it('replays a retried client token: the same run, no other number reserved, nothing written', async () => {
    const { store, clock, startRun } = fakeTracking();
    const first = await startRun({ experiment: 'churn', clientToken: 'job-42', params: { lr: '0.1', epochs: '3' } });
    clock.advance(5000);

    const replayed = await startRun({ experiment: 'churn', clientToken: 'job-42', params: { epochs: '3', lr: '0.1' } });
    const next = await startRun({ experiment: 'churn' });

    expect(replayed).toEqual(first);
    expect(replayed.runId).toBe(newRunId('churn', 'job-42'));
    expect(store.reservations).toEqual([
      { experiment: 'churn', runNumber: 1 },
      { experiment: 'churn', runNumber: 2 },
    ]);
    expect(next.runNumber).toBe(2);
    expect(store.runs.size).toBe(2);
  });

  it('replays a client token with the run as it is now, after it logged', async () => {
    const { startRun, logMetrics } = fakeTracking();
    const first = await startRun({ experiment: 'churn', clientToken: 'job-42' });
    await logMetrics({ runId: first.runId, metrics: [{ name: 'loss', value: 1 }] });

    const replayed = await startRun({ experiment: 'churn', clientToken: 'job-42' });

    expect(replayed).toMatchObject({ runId: first.runId, runNumber: 1, revision: 1, metrics: { loss: expect.objectContaining({ last: 1 }) } });
  });

  it('starts separate runs for the same client token in different experiments', async () => {
    const { startRun } = fakeTracking();

    const churn = await startRun({ experiment: 'churn', clientToken: 'job-42' });
    const fraud = await startRun({ experiment: 'fraud', clientToken: 'job-42' });

    expect(churn.runId).not.toBe(fraud.runId);
    expect([churn.runNumber, fraud.runNumber]).toEqual([1, 1]);
  });

  it.each([
    ['other params', { params: { lr: '0.2' } }],
    ['another run name', { runName: 'other' }],
    ['a description', { description: 'second try' }],
  ])('fails when a client token is reused with %s, reserving and writing nothing', async (_, change) => {
    const { store, startRun } = fakeTracking();
    const first = await startRun({ experiment: 'churn', clientToken: 'job-42', params: { lr: '0.1' } });

    const reused = startRun({ experiment: 'churn', clientToken: 'job-42', params: { lr: '0.1' }, ...change });

    await expect(reused).rejects.toThrow(ConflictError);
    await expect(reused).rejects.toThrow('clientToken "job-42" was already used');
    expect(store.reservations).toHaveLength(1);
    expect(await store.getRun(first.runId)).toEqual(first);
  });

  it('replays when a concurrent start with the same client token creates the run first, its own number left unused', async () => {
    const { store, startRun } = fakeTracking();
    let concurrent: Promise<RunRecord> | undefined;
    store.interleaveBefore('createRun', () => (concurrent = startRun({ experiment: 'churn', clientToken: 'job-42' })));

    const run = await startRun({ experiment: 'churn', clientToken: 'job-42' });

    // This call reserved 1; the concurrent one reserved 2 and created the run first.
    expect(run).toEqual(await concurrent);
    expect(run.runNumber).toBe(2);
    expect(store.runs.size).toBe(1);
    expect(store.reservations.map((reservation) => reservation.runNumber)).toEqual([1, 2]);
  });

  it('fails when a concurrent start took the client token for a different run', async () => {
    const { store, startRun } = fakeTracking();
    store.interleaveBefore('createRun', () => startRun({ experiment: 'churn', clientToken: 'job-42', runName: 'other' }));

    await expect(startRun({ experiment: 'churn', clientToken: 'job-42' })).rejects.toThrow(ConflictError);
    expect([...store.runs.values()].map((run) => run.record.runName)).toEqual(['other']);
  });
});

describe('newRunId', () => {
  it('derives the same 32-hex id from the same experiment and token, and another from another', () => {
    expect(newRunId('churn', 't')).toMatch(/^[0-9a-f]{32}$/);
    expect(newRunId('churn', 't')).toBe(newRunId('churn', 't'));
    expect(newRunId('churn', 'u')).not.toBe(newRunId('churn', 't'));
    expect(newRunId('fraud', 't')).not.toBe(newRunId('churn', 't'));
  });

  it('draws a random 32-hex id without a token', () => {
    const ids = Array.from({ length: 100 }, () => newRunId('churn'));

    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(100);
  });
});
