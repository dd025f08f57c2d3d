import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { monitoringKeys } from '../../../../lambda/monitoring/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { eventsMock, FUNCTION_ENVIRONMENT, inputsOf, invoke, type PlatformFakes, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { MODEL, MONITOR, retrainGateScenarios, storedState, WINDOW_END } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(retrainGateScenarios, name);

const DAY_SECONDS = 86_400;
const alarm = (alarmTime: string, cooldownSeconds = DAY_SECONDS) => ({ monitor: MONITOR, model: MODEL, cooldownSeconds, alarmTime });
const gateOf = (fakes: PlatformFakes) => fakes.monitoring.get(monitoringKeys.gate(MONITOR));
const retrainRequests = () =>
  inputsOf('PutEventsCommand').flatMap((input) =>
    input.Entries.filter((entry: { DetailType: string }) => entry.DetailType === 'RetrainRequested').map((entry: { Detail: string }) =>
      JSON.parse(entry.Detail),
    ),
  );

describe('RetrainGate handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
  });

  it("opens the gate at a monitor's first drift alarm and asks for a retrain on the platform bus", async () => {
    const { result, fakes } = await runScenario('RetrainGate', scenario('a first drift alarm'));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: true });
    expect(gateOf(fakes)).toEqual({ ...monitoringKeys.gate(MONITOR), openedAt: WINDOW_END });
    expect(fakes.monitoring.all()).toHaveLength(1);
    expect(inputsOf('PutEventsCommand')).toEqual([
      {
        Entries: [
          {
            EventBusName: FUNCTION_ENVIRONMENT.EVENT_BUS_NAME,
            Source: 'mlops-platform.monitoring',
            DetailType: 'RetrainRequested',
            Detail: expect.any(String),
          },
        ],
      },
    ]);
    expect(retrainRequests()).toEqual([{ monitor: MONITOR, model: MODEL, alarmTime: WINDOW_END }]);
  });

  it('opens the gate with one conditional update: closed unless it last opened a cooldown or more before the alarm, or at this alarm', async () => {
    await runScenario('RetrainGate', scenario('a first drift alarm'));

    expect(inputsOf('UpdateCommand')).toEqual([
      {
        TableName: FUNCTION_ENVIRONMENT.MONITORING_TABLE_NAME,
        Key: monitoringKeys.gate(MONITOR),
        UpdateExpression: 'SET openedAt = :at',
        ConditionExpression: 'attribute_not_exists(openedAt) OR openedAt <= :cutoff OR openedAt = :at',
        ExpressionAttributeValues: { ':at': WINDOW_END, ':cutoff': '2026-05-31T12:00:00.000Z' },
      },
    ]);
  });

  it('lets nothing through within the cooldown: the gate keeps its opening time and no retrain is asked for', async () => {
    const { result, fakes } = await runScenario('RetrainGate', scenario('a drift alarm within the cooldown'));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: false });
    expect(gateOf(fakes)).toEqual({ ...monitoringKeys.gate(MONITOR), openedAt: '2026-06-01T06:00:00.000Z' });
    expect(inputsOf('PutEventsCommand')).toEqual([]);
  });

  it('opens again once the cooldown has passed since it last opened, exactly at its end', async () => {
    fakes.monitoring.put({ ...monitoringKeys.gate(MONITOR), openedAt: '2026-05-31T12:00:00.000Z' });

    const result = await invoke('RetrainGate', alarm(WINDOW_END));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: true });
    expect(gateOf(fakes)).toMatchObject({ openedAt: WINDOW_END });
    expect(retrainRequests()).toEqual([{ monitor: MONITOR, model: MODEL, alarmTime: WINDOW_END }]);
  });

  it('stays closed one second before the cooldown ends', async () => {
    fakes.monitoring.put({ ...monitoringKeys.gate(MONITOR), openedAt: '2026-05-31T12:00:01.000Z' });

    const result = await invoke('RetrainGate', alarm(WINDOW_END));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: false });
    expect(gateOf(fakes)).toMatchObject({ openedAt: '2026-05-31T12:00:01.000Z' });
    expect(inputsOf('PutEventsCommand')).toEqual([]);
  });

  it('lets one alarm through per cooldown over a series of alarms', async () => {
    const alarmTimes = [
      '2026-06-01T00:00:00.000Z',
      '2026-06-01T08:00:00.000Z',
      '2026-06-01T23:59:59.000Z',
      '2026-06-02T00:00:00.000Z',
      '2026-06-02T12:00:00.000Z',
      '2026-06-03T06:00:00.000Z',
    ];

    const results = [];
    for (const alarmTime of alarmTimes) results.push(await invoke('RetrainGate', alarm(alarmTime)));

    expect(results.map((result) => (result as { retrainRequested: boolean }).retrainRequested)).toEqual([true, false, false, true, false, true]);
    expect(retrainRequests().map((detail) => detail.alarmTime)).toEqual(['2026-06-01T00:00:00.000Z', '2026-06-02T00:00:00.000Z', '2026-06-03T06:00:00.000Z']);
    expect(gateOf(fakes)).toMatchObject({ openedAt: '2026-06-03T06:00:00.000Z' });
  });

  it('lets an alarm delivered late, older than the last opening, through no gate', async () => {
    fakes.monitoring.put({ ...monitoringKeys.gate(MONITOR), openedAt: WINDOW_END });

    const result = await invoke('RetrainGate', alarm('2026-05-30T12:00:00.000Z'));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: false });
    expect(gateOf(fakes)).toMatchObject({ openedAt: WINDOW_END });
  });

  it('lets every alarm through with no cooldown', async () => {
    await invoke('RetrainGate', alarm(WINDOW_END, 0));

    const result = await invoke('RetrainGate', alarm('2026-06-01T12:05:00.000Z', 0));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: true });
    expect(retrainRequests()).toHaveLength(2);
  });

  it('keeps a gate per monitor', async () => {
    fakes.monitoring.put({ ...monitoringKeys.gate('fraud-prod'), openedAt: '2026-06-01T11:00:00.000Z' });

    const result = await invoke('RetrainGate', alarm(WINDOW_END));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: true });
    expect(fakes.monitoring.get(monitoringKeys.gate('fraud-prod'))).toMatchObject({ openedAt: '2026-06-01T11:00:00.000Z' });
  });

  it('stores the alarm time in UTC when the alarm gives it with an offset, and compares it as such', async () => {
    fakes.monitoring.put({ ...monitoringKeys.gate(MONITOR), openedAt: '2026-05-31T12:00:00.000Z' });

    const result = await invoke('RetrainGate', alarm('2026-06-01T13:59:59+02:00'));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: false });
    await invoke('RetrainGate', alarm('2026-06-01T14:00:00+02:00'));
    expect(gateOf(fakes)).toMatchObject({ openedAt: WINDOW_END });
  });

  it('asks again when the same alarm is retried after its retrain request failed to go out: at least once, never lost', async () => {
    eventsMock
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-2' }] });
    await thrownBy(invoke('RetrainGate', alarm(WINDOW_END)));

    const retried = await invoke('RetrainGate', alarm(WINDOW_END));

    expect(retried).toEqual({ monitor: MONITOR, retrainRequested: true });
    // The attempt EventBridge refused, then the retry's, which it took.
    const request = { monitor: MONITOR, model: MODEL, alarmTime: WINDOW_END };
    expect(retrainRequests()).toEqual([request, request]);
    expect(gateOf(fakes)).toMatchObject({ openedAt: WINDOW_END });
  });

  it('fails with InternalError when EventBridge refuses the retrain request', async () => {
    eventsMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'arn:aws:events:eu-west-1:123456789012:event-bus/platform-bus' }],
    });

    const error = await thrownBy(invoke('RetrainGate', alarm(WINDOW_END)));

    expect(error.name).toBe('InternalError');
    expect(error.message).not.toContain('arn:');
  });

  it.each([
    ['a negative cooldown', { ...alarm(WINDOW_END), cooldownSeconds: -1 }, /^cooldownSeconds: /],
    ['a fractional cooldown', { ...alarm(WINDOW_END), cooldownSeconds: 1.5 }, /^cooldownSeconds: /],
    ['an alarm time that is not a time', { ...alarm(WINDOW_END), alarmTime: 'now' }, /^alarmTime: /],
    ['a monitor name with a slash', { ...alarm(WINDOW_END), monitor: 'churn/prod' }, /^monitor: must start with a letter or digit/],
    ['no model', { monitor: MONITOR, cooldownSeconds: DAY_SECONDS, alarmTime: WINDOW_END }, /^model: /],
    ['the whole alarm event instead of the rule input', { ...alarm(WINDOW_END), detail: { state: { value: 'ALARM' } } }, /^detail: is not a known field$/],
  ])('fails with ValidationError for %s, sending nothing', async (_, request, message) => {
    const before = storedState(fakes);

    const error = await thrownBy(invoke('RetrainGate', request));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(message);
    expect(sentCommands()).toEqual([]);
    expect(storedState(fakes)).toEqual(before);
  });
});
