import type { RunRecord } from '../../../lambda/experiments/core/model';
import { createTrackingFixture, type TrackingFixture } from '../../emulators/tracking-fixture';

/** The heartbeat sweep (SweepRuns) on the running index (gsi2) of a real table. */

jest.setTimeout(60_000);

const getRun = (tracking: TrackingFixture, runId: string) => tracking.call('queryRuns', { query: 'getRun', runId }) as Promise<RunRecord>;

describe("sweepRuns with the stack's crash timeout", () => {
  let tracking: TrackingFixture;
  const anHourAgo = () => new Date(Date.now() - 3600_000);

  beforeAll(async () => {
    tracking = await createTrackingFixture({ label: 'tracking-sweep' });
  });

  afterAll(async () => {
    await tracking?.dispose();
  });

  test('declares CRASHED a run whose heartbeat is older than CRASH_AFTER_SECONDS, and only that one', async () => {
    // Arrange
    const silent = await tracking.call('startRun', { experiment: 'sweep', runName: 'silent' });
    const live = await tracking.call('startRun', { experiment: 'sweep', runName: 'live' });
    const ended = await tracking.call('startRun', { experiment: 'sweep', runName: 'ended' });
    await tracking.call('endRun', { runId: ended.runId, status: 'COMPLETED' });
    const lastHeartbeat = anHourAgo();
    await tracking.setHeartbeat(silent.runId, lastHeartbeat);
    await tracking.call('logMetrics', { runId: live.runId, metrics: [{ name: 'loss', value: 0.5, step: 1 }] });

    // Act
    const swept = await tracking.invoke('sweepRuns', {});

    // Assert
    expect(swept).toEqual({ result: { crashed: [silent.runId], running: 1 } });
    expect(await getRun(tracking, silent.runId)).toMatchObject({
      status: 'CRASHED',
      endTime: lastHeartbeat.toISOString(),
      reason: expect.stringContaining(`no heartbeat since ${lastHeartbeat.toISOString()}`),
      revision: 1,
    });
    expect(await getRun(tracking, live.runId)).toMatchObject({ status: 'RUNNING' });
    expect(await getRun(tracking, ended.runId)).toMatchObject({ status: 'COMPLETED' });
    expect((await tracking.runningIndex()).map(({ runId }) => runId)).toEqual([live.runId]);
  });

  test('finds nothing more to crash on the next sweep', async () => {
    // Act
    const swept = await tracking.invoke('sweepRuns', { source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assert
    expect(swept).toEqual({ result: { crashed: [], running: 1 } });
  });

  test('lets the owner end a run the sweep declared crashed', async () => {
    // Arrange
    const run = await tracking.call('startRun', { experiment: 'sweep', runName: 'late-owner' });
    await tracking.setHeartbeat(run.runId, anHourAgo());
    await tracking.call('sweepRuns', {});

    // Act
    const ended = await tracking.invoke('endRun', { runId: run.runId, status: 'FAILED', reason: 'exit code 137' });

    // Assert
    expect(ended).toMatchObject({ result: { status: 'FAILED', reason: 'exit code 137' } });
    expect((await tracking.runningIndex()).map(({ runId }) => runId)).not.toContain(run.runId);
  });

  test('brings a crashed run back to RUNNING, in the running index, when it logs again', async () => {
    // Arrange
    const run = await tracking.call('startRun', { experiment: 'sweep', runName: 'revived' });
    await tracking.setHeartbeat(run.runId, anHourAgo());
    await tracking.call('sweepRuns', {});

    // Act
    const logged = await tracking.invoke('logMetrics', { runId: run.runId, metrics: [{ name: 'loss', value: 0.4, step: 2 }] });

    // Assert
    expect(logged).toMatchObject({ result: { status: 'RUNNING', replayed: false } });
    const revived = await getRun(tracking, run.runId);
    expect(revived.status).toBe('RUNNING');
    expect(revived).not.toHaveProperty('endTime');
    expect(revived).not.toHaveProperty('reason');
    expect((await tracking.runningIndex()).find(({ runId }) => runId === run.runId)).toEqual({ runId: run.runId, heartbeatAt: revived.heartbeatAt });
  });
});

describe('sweepRuns with CRASH_AFTER_SECONDS=1', () => {
  let tracking: TrackingFixture;

  beforeAll(async () => {
    tracking = await createTrackingFixture({ label: 'tracking-sweep-fast', crashAfterSeconds: 1 });
  });

  afterAll(async () => {
    await tracking?.dispose();
  });

  test('declares CRASHED a run silent for longer than a second', async () => {
    // Arrange
    const run = await tracking.call('startRun', { experiment: 'sweep-fast' });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Act
    const swept = await tracking.invoke('sweepRuns', {});

    // Assert
    expect(tracking.environments.sweepRuns.CRASH_AFTER_SECONDS).toBe('1');
    expect(swept).toEqual({ result: { crashed: [run.runId], running: 0 } });
    expect(await getRun(tracking, run.runId)).toMatchObject({ status: 'CRASHED', endTime: run.heartbeatAt, reason: expect.stringContaining('1 s') });
    expect(await tracking.runningIndex()).toEqual([]);
  });
});
