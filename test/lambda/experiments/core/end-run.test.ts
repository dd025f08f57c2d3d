import { ConflictError, NotFoundError } from '../../../../lambda/shared/errors';
import { fakeTracking } from '../fakes';

async function setUp() {
  const tracking = fakeTracking();
  const run = await tracking.startRun({ experiment: 'churn' });
  return { ...tracking, run, runId: run.runId };
}

describe('endRun', () => {
  it.each(['COMPLETED', 'FAILED', 'KILLED'] as const)('ends a running run %s at the time of the call, out of the running', async (status) => {
    const { store, clock, run, runId, endRun } = await setUp();
    clock.advance(90_000);

    const outcome = await endRun({ runId, status, reason: status === 'COMPLETED' ? undefined : 'exit code 137' });

    const expected = { ...run, status, endTime: clock.now().toISOString(), revision: 1, ...(status === 'COMPLETED' ? {} : { reason: 'exit code 137' }) };
    expect(outcome).toEqual({ run: expected, changed: true });
    expect(await store.getRun(runId)).toEqual(expected);
    expect(await store.countRunning()).toBe(0);
  });

  it('returns the run unchanged when it is ended again with the same status', async () => {
    const { store, clock, runId, endRun } = await setUp();
    const first = await endRun({ runId, status: 'FAILED', reason: 'OOM' });
    clock.advance(60_000);

    const again = await endRun({ runId, status: 'FAILED', reason: 'OOM' });

    expect(again).toEqual({ run: first.run, changed: false });
    expect(await store.getRun(runId)).toEqual(first.run);
    expect(store.endings).toHaveLength(1);
  });

  it.each([
    ['COMPLETED', 'FAILED'],
    ['FAILED', 'KILLED'],
    ['KILLED', 'COMPLETED'],
  ] as const)('fails with ConflictError on a run that ended %s when ended %s, changing nothing', async (first, second) => {
    const { store, runId, endRun } = await setUp();
    await endRun({ runId, status: first });
    const ended = await store.getRun(runId);

    const attempt = endRun({ runId, status: second });

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(`already ended ${first}`);
    expect(await store.getRun(runId)).toEqual(ended);
  });

  it('lets the owner end a run the sweep declared crashed', async () => {
    const { store, clock, crashAfterMs, runId, endRun, sweepRuns } = await setUp();
    clock.advance(crashAfterMs + 1000);
    await sweepRuns();
    expect(await store.getRun(runId)).toMatchObject({ status: 'CRASHED', revision: 1 });
    clock.advance(1000);

    const outcome = await endRun({ runId, status: 'FAILED', reason: 'killed by the scheduler' });

    const expected = { status: 'FAILED', endTime: clock.now().toISOString(), reason: 'killed by the scheduler', revision: 2 };
    expect(outcome).toMatchObject({ run: expected, changed: true });
    expect(await store.getRun(runId)).toMatchObject(expected);
    expect(await store.countRunning()).toBe(0);
  });

  it('retries when the run changed between the read and the end, ending it at its new revision', async () => {
    const { store, clock, runId, endRun, logMetrics } = await setUp();
    store.interleaveBefore('endRun', () => logMetrics({ runId, metrics: [{ name: 'loss', value: 1 }] }));

    const outcome = await endRun({ runId, status: 'COMPLETED' });

    expect(outcome.run).toMatchObject({ status: 'COMPLETED', revision: 2, metrics: { loss: expect.objectContaining({ count: 1 }) } });
    expect(await store.getRun(runId)).toEqual(outcome.run);
    expect(store.endings.map((ending) => ending.ended)).toEqual([false, true]);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('fails with ConflictError when a concurrent call ended the run otherwise in between', async () => {
    const { store, runId, endRun } = await setUp();
    store.interleaveBefore('endRun', () => endRun({ runId, status: 'KILLED' }));

    await expect(endRun({ runId, status: 'COMPLETED' })).rejects.toThrow('already ended KILLED');
    expect(await store.getRun(runId)).toMatchObject({ status: 'KILLED' });
  });

  it('fails with NotFoundError on a run that does not exist', async () => {
    const { store, endRun } = await setUp();

    await expect(endRun({ runId: 'f'.repeat(32), status: 'COMPLETED' })).rejects.toThrow(NotFoundError);
    expect(store.endings).toEqual([]);
  });
});
