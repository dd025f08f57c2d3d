import { monitoringKeys } from '../../../../lambda/monitoring/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { FUNCTION_ENVIRONMENT, inputsOf, invoke, type PlatformFakes, resetSdkMocks, thrownBy } from '../../handler-support/sdk-mocks';
import { freezeDate } from './handler-scenarios';
import {
  baselinedVersion,
  createMonitorScenarios,
  DEPLOYMENT,
  deploymentChanged,
  deploymentIn,
  monitorEventsScenarios,
  SERVED_MODEL,
  SERVED_VERSION,
  STORED,
  scheduleTick,
  storedMonitor,
  storedMonitorItem,
} from './stored-monitor-scenarios';

const BUCKET = FUNCTION_ENVIRONMENT.MONITORING_BUCKET_NAME;
const NOW = '2026-06-01T12:10:00.000Z';

afterEach(() => jest.useRealTimers());

/** A request refused: nothing stored, no execution started. */
async function refused(fakes: PlatformFakes, fn: 'CreateMonitor' | 'DeleteMonitor' | 'MonitorEvents', event: unknown): Promise<Error> {
  const before = fakes.monitoring.all();
  const error = await thrownBy(invoke(fn, event));
  expect(fakes.monitoring.all()).toEqual(before);
  expect(fakes.stepFunctions.executions).toEqual([]);
  return error;
}

describe('CreateMonitor handler', () => {
  it("stores a monitor of the deployment's capture, due at the end of the current window, after checking the version, its baseline and the deployment", async () => {
    freezeDate(NOW);

    const { result, fakes } = await runScenario(
      'CreateMonitor',
      scenarioNamed(createMonitorScenarios, "a monitor of a deployment's capture, pinned to a version"),
    );

    const expected = {
      config: {
        monitor: STORED,
        model: SERVED_MODEL,
        version: SERVED_VERSION,
        capture: { bucket: BUCKET, prefix: `captured/mlops-${DEPLOYMENT}/` },
        windowMinutes: 30,
        minRecords: 100,
        thresholds: expect.any(Object),
        numericMethod: 'auto',
        categoricalMethod: 'auto',
      },
      scheduleMinutes: 30,
      nextCheckAt: '2026-06-01T12:30:00.000Z',
      deployment: DEPLOYMENT,
      createdAt: NOW,
      createdBy: 'ana',
      updatedAt: NOW,
    };
    expect(result).toEqual(expected);
    expect(fakes.monitoring.get(monitoringKeys.storedMonitor(STORED))).toEqual({ ...monitoringKeys.storedMonitor(STORED), ...expected });
    expect(inputsOf('PutCommand')[0].ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('keeps the creation time of the monitor it replaces', async () => {
    const { result } = await runScenario(
      'CreateMonitor',
      scenarioNamed(createMonitorScenarios, 'replacing a monitor of collected records, following an alias'),
    );

    expect(result).toMatchObject({ createdAt: storedMonitor().createdAt, config: { alias: 'production', capture: { prefix: `collected/${STORED}/` } } });
  });

  it.each([
    [{ version: 9 }, 'version', `model ${SERVED_MODEL} has no version 9`],
    [{ version: SERVED_VERSION, deployment: 'nowhere' }, 'deployment', 'no deployment named nowhere'],
    [{ version: SERVED_VERSION, scheduleMinutes: 0 }, 'scheduleMinutes', 'Too small: expected number to be >=1'],
    [{ version: SERVED_VERSION, monitor: 'bad name' }, 'monitor', 'must start with a letter or digit and hold only letters, digits, "-" and "_"'],
  ])('refuses %j with a ValidationError naming the field, storing nothing', async (fields, path, message) => {
    const fakes = resetSdkMocks();
    baselinedVersion(fakes);

    const error = await refused(fakes, 'CreateMonitor', { monitor: STORED, model: SERVED_MODEL, ...fields });

    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(`${path}: ${message}`);
  });

  it('refuses a name in use with a ConflictError, leaving the stored monitor as it was', async () => {
    const fakes = resetSdkMocks();
    baselinedVersion(fakes);
    fakes.monitoring.put(storedMonitorItem(storedMonitor()));

    const error = await refused(fakes, 'CreateMonitor', { monitor: STORED, model: SERVED_MODEL, alias: 'production' });

    expect(error.name).toBe('ConflictError');
  });
});

describe('DeleteMonitor handler', () => {
  it('deletes the stored monitor and answers what it held; an unknown one is a NotFoundError', async () => {
    const fakes = resetSdkMocks();
    fakes.monitoring.put(storedMonitorItem(storedMonitor()));

    expect(await invoke('DeleteMonitor', { monitor: STORED })).toEqual(storedMonitor());
    expect(fakes.monitoring.all()).toEqual([]);
    expect((await thrownBy(invoke('DeleteMonitor', { monitor: STORED }))).name).toBe('NotFoundError');
  });
});

describe('MonitorEvents handler', () => {
  it("starts the due monitor's latest window, named by monitor and window, with the drift check's input, and moves its schedule on", async () => {
    freezeDate('2026-06-01T14:20:00.000Z');

    const { result, fakes } = await runScenario('MonitorEvents', scenarioNamed(monitorEventsScenarios, 'the schedule: a due monitor checked'));

    expect(result).toEqual({ started: [{ monitor: STORED, windowEnd: '2026-06-01T14:00:00.000Z' }], failed: [] });
    expect(fakes.stepFunctions.executions).toEqual([
      {
        stateMachineArn: FUNCTION_ENVIRONMENT.DRIFT_CHECK_STATE_MACHINE_ARN,
        name: `${STORED}-20260601T1400`,
        input: { config: storedMonitor().config, windowEnd: '2026-06-01T14:00:00.000Z' },
      },
    ]);
    expect(fakes.monitoring.get(monitoringKeys.storedMonitor(STORED))).toMatchObject({ nextCheckAt: '2026-06-01T15:00:00.000Z' });
  });

  it('starts a window once when two ticks overlap: the second start is the first execution', async () => {
    freezeDate('2026-06-01T14:20:00.000Z');
    const fakes = resetSdkMocks();
    fakes.monitoring.put(storedMonitorItem(storedMonitor()));
    const second = invoke('MonitorEvents', scheduleTick());

    await Promise.all([invoke('MonitorEvents', scheduleTick()), second]);

    expect(fakes.stepFunctions.executions).toHaveLength(1);
    expect(fakes.monitoring.get(monitoringKeys.storedMonitor(STORED))).toMatchObject({ nextCheckAt: '2026-06-01T15:00:00.000Z' });
  });

  it('gives a deployment that went into service a monitor of its capture, read from its table, not from the event', async () => {
    freezeDate(NOW);
    const fakes = resetSdkMocks();
    baselinedVersion(fakes);
    deploymentIn(fakes, 'IN_SERVICE');
    // The event claims another image; the deployment's record says what it serves.
    const event = deploymentChanged();

    const result = await invoke('MonitorEvents', { ...event, detail: { ...event.detail, image: { name: 'other', version: 9 } } });

    expect(result).toMatchObject({ outcome: 'created', monitor: { config: { monitor: DEPLOYMENT, model: SERVED_MODEL, version: SERVED_VERSION } } });
    expect(fakes.monitoring.get(monitoringKeys.storedMonitor(DEPLOYMENT))).toMatchObject({ deployment: DEPLOYMENT, nextCheckAt: '2026-06-01T13:00:00.000Z' });
  });

  it.each([
    [{ 'detail-type': 'DeploymentStateChanged', detail: { name: 'Not_A_Deployment' } }, 'detail.name'],
    [{ 'detail-type': 'Scheduled Event' }, 'time'],
    [{ 'detail-type': 'SomethingElse' }, 'detail-type'],
  ])('refuses the malformed event %j with a ValidationError naming %s', async (event, path) => {
    const fakes = resetSdkMocks();

    const error = await refused(fakes, 'MonitorEvents', event);

    expect(error.name).toBe('ValidationError');
    expect(error.message.startsWith(`${path}:`)).toBe(true);
  });
});
