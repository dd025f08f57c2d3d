import type { DeploymentRecord } from '../../../../lambda/deployments/core/model';
import { createMonitor } from '../../../../lambda/monitoring/core/create-monitor';
import { deleteMonitor } from '../../../../lambda/monitoring/core/delete-monitor';
import { monitorDeployment } from '../../../../lambda/monitoring/core/monitor-deployment';
import { runDueMonitors } from '../../../../lambda/monitoring/core/run-due-monitors';
import { CreateMonitorRequest, DeleteMonitorRequest } from '../../../../lambda/monitoring/core/schemas';
import { dueWindowEnd, windowEndAfter } from '../../../../lambda/monitoring/core/stored-monitor';
import { ConflictError, NotFoundError, ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { deployment as deploymentRecord, revision } from '../../../cli/commands/deployments/deployment-fixtures';
import { fakeMonitoring } from '../fakes';
import { FakeDeploymentsView, InMemoryStoredMonitors, RecordingDriftChecks } from '../stored-monitor-fakes';

const BUCKET = 'monitoring-bucket';
const NOW = '2026-12-01T10:07:00.000Z';

function setUp() {
  const { store, versions, clock } = fakeMonitoring(NOW);
  const monitors = new InMemoryStoredMonitors();
  const deployments = new FakeDeploymentsView();
  const checks = new RecordingDriftChecks();
  versions.withVersion('churn', 5).withAlias('churn', 'production', 6);
  for (const version of [5, 6]) {
    void store.putBaseline({
      model: 'churn',
      version,
      uri: `s3://${BUCKET}/baselines/churn/${version}/profile.json`,
      createdAt: NOW,
      rows: 1000,
      features: [],
    });
  }
  const deps = { monitors, store, versions, deployments, clock, monitoringBucket: BUCKET };
  const create = (request: CreateMonitorRequest) => createMonitor(deps)(parseRequest(CreateMonitorRequest, request));
  return { deps, monitors, deployments, checks, clock, store, versions, create };
}

async function refusal(act: Promise<unknown>): Promise<Error> {
  return act.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: Error) => error,
  );
}

describe('schedule windows', () => {
  it('end on multiples of the schedule, UTC; a due monitor checks the latest window ended, skipping the missed ones', () => {
    expect(windowEndAfter(new Date('2026-12-01T10:07:00Z'), 60).toISOString()).toBe('2026-12-01T11:00:00.000Z');
    expect(windowEndAfter(new Date('2026-12-01T10:00:00Z'), 15).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    const monitor = { nextCheckAt: '2026-12-01T11:00:00.000Z', scheduleMinutes: 60 };
    expect(dueWindowEnd(monitor, new Date('2026-12-01T10:59:59Z'))).toBeUndefined();
    expect(dueWindowEnd(monitor, new Date('2026-12-01T11:00:30Z'))?.toISOString()).toBe('2026-12-01T11:00:00.000Z');
    expect(dueWindowEnd(monitor, new Date('2026-12-01T14:20:00Z'))?.toISOString()).toBe('2026-12-01T14:00:00.000Z');
  });
});

describe('createMonitor', () => {
  it("stores a monitor of a deployment's capture, pinned to a version with a baseline, due at the end of the current window", async () => {
    const { create, monitors, deployments } = setUp();
    deployments.with(deploymentRecord());

    const stored = await create({ monitor: 'churn-live', model: 'churn', version: 5, deployment: 'churn-live', scheduleMinutes: 30, actor: 'ana@laptop' });

    expect(stored).toEqual({
      config: {
        monitor: 'churn-live',
        model: 'churn',
        version: 5,
        capture: { bucket: BUCKET, prefix: 'captured/mlops-churn-live/' },
        windowMinutes: 30,
        minRecords: 100,
        thresholds: expect.any(Object),
        numericMethod: 'auto',
        categoricalMethod: 'auto',
      },
      scheduleMinutes: 30,
      nextCheckAt: '2026-12-01T10:30:00.000Z',
      deployment: 'churn-live',
      createdAt: NOW,
      createdBy: 'ana@laptop',
      updatedAt: NOW,
    });
    expect(monitors.monitors.get('churn-live')).toEqual(stored);
  });

  it('checks what CollectData stores for the monitor when no deployment is named, following an alias', async () => {
    const { create } = setUp();

    const stored = await create({ monitor: 'churn-batch', model: 'churn', alias: 'production' });

    expect(stored.config).toMatchObject({ alias: 'production', capture: { bucket: BUCKET, prefix: 'collected/churn-batch/' }, windowMinutes: 60 });
    expect(stored.config).not.toHaveProperty('version');
  });

  it.each([
    [{ version: 9 }, 'version', 'model churn has no version 9'],
    [{ alias: 'staging' }, 'alias', 'model churn has no alias staging'],
    [{ version: 5, deployment: 'nowhere' }, 'deployment', 'no deployment named nowhere'],
  ])('refuses %j at its field, storing nothing', async (target, path, message) => {
    const { create, monitors } = setUp();

    const error = await refusal(create({ monitor: 'm', model: 'churn', ...target }));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path, message }]);
    expect(monitors.monitors.size).toBe(0);
  });

  it('refuses a version without a baseline, saying how to register one', async () => {
    const { create, versions, monitors } = setUp();
    versions.withVersion('churn', 7);

    const error = await refusal(create({ monitor: 'm', model: 'churn', version: 7 }));

    expect((error as ValidationError).issues).toEqual([
      { path: 'version', message: expect.stringContaining('has no baseline to compare with: register one first') },
    ]);
    expect(monitors.monitors.size).toBe(0);
  });

  it('refuses a name in use unless replace is given; a replaced monitor keeps its creation time', async () => {
    const { create, clock, monitors } = setUp();
    await create({ monitor: 'm', model: 'churn', version: 5 });
    clock.advance(60_000);

    expect(await refusal(create({ monitor: 'm', model: 'churn', version: 6 }))).toBeInstanceOf(ConflictError);
    expect(monitors.monitors.get('m')?.config.version).toBe(5);

    const replaced = await create({ monitor: 'm', model: 'churn', version: 6, replace: true });
    expect(replaced).toMatchObject({ createdAt: NOW, updatedAt: '2026-12-01T10:08:00.000Z', config: { version: 6 } });
  });

  it('refuses schedules under a minute or over a day, and a version with an alias', () => {
    expect(() => parseRequest(CreateMonitorRequest, { monitor: 'm', model: 'churn', version: 5, scheduleMinutes: 0 })).toThrow('scheduleMinutes');
    expect(() => parseRequest(CreateMonitorRequest, { monitor: 'm', model: 'churn', version: 5, scheduleMinutes: 1441 })).toThrow('scheduleMinutes');
    expect(() => parseRequest(CreateMonitorRequest, { monitor: 'm', model: 'churn', version: 5, alias: 'production' })).toThrow(
      'version: must give exactly one of version and alias',
    );
  });
});

describe('deleteMonitor', () => {
  it('deletes a stored monitor and answers what it held; an unknown one is NotFoundError', async () => {
    const { create, monitors } = setUp();
    const stored = await create({ monitor: 'm', model: 'churn', version: 5 });
    const remove = deleteMonitor(monitors);

    expect(await remove(parseRequest(DeleteMonitorRequest, { monitor: 'm' }))).toEqual(stored);
    expect(monitors.monitors.size).toBe(0);
    expect(await refusal(remove(parseRequest(DeleteMonitorRequest, { monitor: 'm' })))).toBeInstanceOf(NotFoundError);
  });
});

describe('runDueMonitors', () => {
  it('starts the latest window of each due monitor, moves its schedule on, and leaves the others', async () => {
    const { create, checks, clock, monitors } = setUp();
    await create({ monitor: 'hourly', model: 'churn', version: 5 });
    await create({ monitor: 'daily', model: 'churn', version: 5, scheduleMinutes: 1440 });
    clock.advance(Date.parse('2026-12-01T13:10:00.000Z') - Date.parse(NOW));

    const summary = await runDueMonitors({ monitors, checks, clock })();

    expect(summary).toEqual({ started: [{ monitor: 'hourly', windowEnd: '2026-12-01T13:00:00.000Z' }], failed: [] });
    expect(checks.started.map(({ monitor, windowEnd }) => [monitor, windowEnd])).toEqual([['hourly', '2026-12-01T13:00:00.000Z']]);
    expect(monitors.monitors.get('hourly')?.nextCheckAt).toBe('2026-12-01T14:00:00.000Z');
    expect(monitors.monitors.get('daily')?.nextCheckAt).toBe('2026-12-02T00:00:00.000Z');
  });

  it('keeps the schedule of a monitor whose start failed, so the next tick tries again, and goes on with the others', async () => {
    const { create, checks, clock, monitors } = setUp();
    await create({ monitor: 'a', model: 'churn', version: 5 });
    await create({ monitor: 'b', model: 'churn', version: 5 });
    checks.failing.add('a');
    clock.advance(Date.parse('2026-12-01T11:01:00.000Z') - Date.parse(NOW));

    const summary = await runDueMonitors({ monitors, checks, clock })();

    expect(summary.failed).toEqual([{ monitor: 'a', error: 'StartExecution failed for a' }]);
    expect(summary.started).toEqual([{ monitor: 'b', windowEnd: '2026-12-01T11:00:00.000Z' }]);
    expect(monitors.monitors.get('a')?.nextCheckAt).toBe('2026-12-01T11:00:00.000Z');
  });
});

describe('monitorDeployment', () => {
  const inService = (overrides: Partial<DeploymentRecord> = {}) => deploymentRecord({ current: revision(1, 4), ...overrides });

  it('gives a deployment in service a monitor of its capture, against the baseline of the version it serves, hourly', async () => {
    const { deps, deployments, monitors } = setUp();
    deployments.with(inService());

    const outcome = await monitorDeployment(deps)('churn-live');

    expect(outcome).toMatchObject({ outcome: 'created' });
    expect(monitors.monitors.get('churn-live')).toMatchObject({
      config: { monitor: 'churn-live', model: 'churn', version: 5, capture: { bucket: BUCKET, prefix: 'captured/mlops-churn-live/' }, windowMinutes: 60 },
      scheduleMinutes: 60,
      deployment: 'churn-live',
      createdBy: 'deployment churn-live',
    });
  });

  it('follows the alias of a deployment that follows one, and moves a pinned monitor to the version a rollout serves', async () => {
    const { deps, deployments, monitors } = setUp();
    deployments.with(inService({ name: 'a', follow: { model: 'churn', alias: 'production' } })).with(inService({ name: 'b' }));
    await monitorDeployment(deps)('a');
    await monitorDeployment(deps)('b');
    deployments.with(inService({ name: 'b', current: revision(2, 5) }));

    expect(await monitorDeployment(deps)('b')).toMatchObject({ outcome: 'updated' });
    expect(monitors.monitors.get('a')?.config).toMatchObject({ alias: 'production' });
    expect(monitors.monitors.get('b')?.config).toMatchObject({ version: 6 });
    expect(await monitorDeployment(deps)('b')).toMatchObject({ outcome: 'unchanged' });
  });

  it('makes no monitor without a baseline, saying why, and leaves a monitor of that name made for something else', async () => {
    const { deps, deployments, monitors, create, versions } = setUp();
    versions.withVersion('churn', 9);
    deployments.with(inService({ current: revision(1, 8) })).with(inService({ name: 'taken' }));
    await create({ monitor: 'taken', model: 'churn', version: 5 });

    expect(await monitorDeployment(deps)('churn-live')).toEqual({ outcome: 'skipped', reason: expect.stringContaining('churn version 9 has no baseline') });
    expect(await monitorDeployment(deps)('taken')).toMatchObject({ outcome: 'skipped' });
    expect(monitors.monitors.get('taken')?.deployment).toBeUndefined();
    expect(monitors.monitors.has('churn-live')).toBe(false);
  });

  it("deletes a deleted deployment's monitor, and does nothing while a deployment is in transit", async () => {
    const { deps, deployments, monitors } = setUp();
    deployments.with(inService());
    await monitorDeployment(deps)('churn-live');
    deployments.with(inService({ status: 'UPDATING' }));
    expect(await monitorDeployment(deps)('churn-live')).toMatchObject({ outcome: 'unchanged' });

    deployments.with(inService({ status: 'DELETED' }));

    expect(await monitorDeployment(deps)('churn-live')).toMatchObject({ outcome: 'deleted' });
    expect(monitors.monitors.size).toBe(0);
  });
});
