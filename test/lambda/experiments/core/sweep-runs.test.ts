import type { RunRecord } from '../../../../lambda/experiments/core/model';
import { sweepRuns } from '../../../../lambda/experiments/core/sweep-runs';
import { fakeTracking } from '../fakes';

const SECOND = 1000;

describe('sweepRuns', () => {
  it('declares crashed only the running runs silent for longer than crashAfter, ending them at their last heartbeat', async () => {
    const { store, clock, crashAfterMs, startRun, logMetrics, endRun, sweepRuns } = fakeTracking();
    const silent = await startRun({ experiment: 'churn' });
    const beating = await startRun({ experiment: 'churn' });
    const ended = await startRun({ experiment: 'churn' });
    await endRun({ runId: ended.runId, status: 'COMPLETED' });
    clock.advance(10 * SECOND);
    const lastBeat = clock.now().toISOString();
    await logMetrics({ runId: silent.runId, metrics: [{ name: 'loss', value: 1 }] });
    clock.advance(crashAfterMs - 5 * SECOND);
    await logMetrics({ runId: beating.runId });
    const justInside = await startRun({ experiment: 'fraud' });
    clock.advance(10 * SECOND);
    // silent: quiet for crashAfter + 5 s; beating and justInside: for 10 s.

    const result = await sweepRuns();

    expect(result).toEqual({ crashed: [silent.runId], running: 2 });
    expect(await store.getRun(silent.runId)).toMatchObject({
      status: 'CRASHED',
      endTime: lastBeat,
      heartbeatAt: lastBeat,
      reason: `no heartbeat since ${lastBeat} (the sweep waits ${crashAfterMs / 1000} s)`,
      revision: 2,
      metrics: { loss: expect.objectContaining({ count: 1 }) },
    });
    expect(await store.getRun(beating.runId)).toMatchObject({ status: 'RUNNING' });
    expect(await store.getRun(justInside.runId)).toMatchObject({ status: 'RUNNING' });
    expect(await store.getRun(ended.runId)).toMatchObject({ status: 'COMPLETED' });
  });

  it('waits mlflowCrashAfter for a run started through MLflow, whose client sends no heartbeat', async () => {
    const { store, clock, crashAfterMs, startRun } = fakeTracking();
    const mlflowCrashAfterMs = 24 * 3600 * SECOND;
    const sweep = sweepRuns({ store, clock, crashAfterMs, mlflowCrashAfterMs });
    const platformRun = await startRun({ experiment: 'churn' });
    const mlflowRun = await startRun({ experiment: 'churn' });
    await store.createRun({ ...(await store.getRun(mlflowRun.runId))!, runId: 'f'.repeat(32), origin: 'mlflow' } as RunRecord, 'fingerprint');
    const lastLogged = clock.now().toISOString();
    clock.advance(crashAfterMs + 5 * SECOND);

    // Silent for longer than crashAfter: the platform's runs crash, MLflow's keep running...
    expect([...(await sweep()).crashed].sort()).toEqual([mlflowRun.runId, platformRun.runId].sort());
    expect(await store.getRun('f'.repeat(32))).toMatchObject({ status: 'RUNNING' });

    // ...until they are silent for longer than mlflowCrashAfter.
    clock.advance(mlflowCrashAfterMs);
    expect((await sweep()).crashed).toEqual(['f'.repeat(32)]);
    expect(await store.getRun('f'.repeat(32))).toMatchObject({
      status: 'CRASHED',
      reason: `no logging since ${lastLogged} (the sweep waits ${mlflowCrashAfterMs / 1000} s for runs started through MLflow)`,
    });
  });

  it('leaves a run silent for exactly crashAfter running', async () => {
    const { store, clock, crashAfterMs, startRun, sweepRuns } = fakeTracking();
    const run = await startRun({ experiment: 'churn' });
    clock.advance(crashAfterMs);

    expect(await sweepRuns()).toEqual({ crashed: [], running: 1 });
    expect(await store.getRun(run.runId)).toMatchObject({ status: 'RUNNING', revision: 0 });
  });

  it('leaves alone a run that beats between the index read and the run read', async () => {
    const { store, clock, crashAfterMs, startRun, logMetrics, sweepRuns } = fakeTracking();
    const run = await startRun({ experiment: 'churn' });
    clock.advance(crashAfterMs + SECOND);
    store.interleaveBefore('getRun', () => logMetrics({ runId: run.runId }));

    const result = await sweepRuns();

    expect(result).toEqual({ crashed: [], running: 1 });
    expect(await store.getRun(run.runId)).toMatchObject({ status: 'RUNNING', heartbeatAt: clock.now().toISOString() });
    expect(store.endings).toEqual([]);
  });

  it('leaves alone a run that beats between the run read and the end, its revision having moved', async () => {
    const { store, clock, crashAfterMs, startRun, logMetrics, sweepRuns } = fakeTracking();
    const run = await startRun({ experiment: 'churn' });
    clock.advance(crashAfterMs + SECOND);
    store.interleaveBefore('endRun', () => logMetrics({ runId: run.runId, metrics: [{ name: 'loss', value: 1 }] }));

    const result = await sweepRuns();

    expect(result).toEqual({ crashed: [], running: 1 });
    expect(await store.getRun(run.runId)).toMatchObject({ status: 'RUNNING', revision: 1 });
    expect(store.endings.map(({ runId, ended }) => [runId, ended])).toEqual([[run.runId, false]]);
  });

  it('leaves alone a run its owner ends between the index read and the end', async () => {
    const { store, clock, crashAfterMs, startRun, endRun, sweepRuns } = fakeTracking();
    const run = await startRun({ experiment: 'churn' });
    clock.advance(crashAfterMs + SECOND);
    store.interleaveBefore('endRun', () => endRun({ runId: run.runId, status: 'COMPLETED' }));

    expect(await sweepRuns()).toEqual({ crashed: [], running: 0 });
    expect(await store.getRun(run.runId)).toMatchObject({ status: 'COMPLETED' });
  });

  it('pages through more than 100 silent runs, declaring every one crashed, and counts those still running', async () => {
    const { store, clock, crashAfterMs, startRun, sweepRuns } = fakeTracking();
    const silent: RunRecord[] = [];
    for (let i = 0; i < 250; i++) {
      silent.push(await startRun({ experiment: 'churn' }));
      clock.advance(SECOND);
    }
    clock.advance(crashAfterMs);
    const fresh = await Promise.all(Array.from({ length: 3 }, () => startRun({ experiment: 'churn' })));
    const findSilentRuns = jest.spyOn(store, 'findSilentRuns');

    const result = await sweepRuns();

    expect([...result.crashed].sort()).toEqual(silent.map((run) => run.runId).sort());
    expect(result.running).toBe(3);
    expect(findSilentRuns.mock.calls.length).toBeGreaterThanOrEqual(3);
    for (const [, page] of findSilentRuns.mock.calls) expect(page.limit).toBeLessThanOrEqual(100);
    const statuses = await Promise.all([...silent, ...fresh].map(async (run) => (await store.getRun(run.runId))?.status));
    expect(statuses.filter((status) => status === 'CRASHED')).toHaveLength(250);
    expect(statuses.slice(250)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
  });

  it('finds nothing to do when no run is silent', async () => {
    const { startRun, sweepRuns } = fakeTracking();
    await startRun({ experiment: 'churn' });

    expect(await sweepRuns()).toEqual({ crashed: [], running: 1 });
  });

  it('declares a revived run crashed again once it falls silent again', async () => {
    const { store, clock, crashAfterMs, startRun, logMetrics, sweepRuns } = fakeTracking();
    const run = await startRun({ experiment: 'churn' });
    clock.advance(crashAfterMs + SECOND);
    await sweepRuns();
    await logMetrics({ runId: run.runId });
    const revivedAt = clock.now().toISOString();
    clock.advance(crashAfterMs + SECOND);

    expect(await sweepRuns()).toEqual({ crashed: [run.runId], running: 0 });
    expect(await store.getRun(run.runId)).toMatchObject({ status: 'CRASHED', endTime: revivedAt, revision: 3 });
  });
});
