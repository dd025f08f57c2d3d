import { retrainGate } from '../../../../lambda/monitoring/core/retrain-gate';
import { RetrainGateRequest } from '../../../../lambda/monitoring/core/schemas';
import { ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { fakeMonitoring } from '../fakes';

const MONITOR = 'churn-prod';
const MODEL = 'churn';
const DAY_SECONDS = 86_400;
const FIRST_ALARM = '2026-06-01T12:00:00.000Z';

function setUp() {
  const { store, events } = fakeMonitoring();
  const gate = retrainGate({ store, events });
  const alarm = (alarmTime: string, cooldownSeconds = DAY_SECONDS) =>
    parseRequest(RetrainGateRequest, { monitor: MONITOR, model: MODEL, cooldownSeconds, alarmTime });
  return { store, events, gate, alarm };
}

function refusalOf(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal, got an answer');
}

const hoursAfter = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * 3_600_000).toISOString();

describe('retrainGate', () => {
  it("opens the gate at a monitor's first drift alarm and asks for a retrain", async () => {
    const { store, events, gate, alarm } = setUp();

    const result = await gate(alarm(FIRST_ALARM));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: true });
    expect(store.gates.get(MONITOR)).toBe(FIRST_ALARM);
    expect(events.published).toEqual([{ type: 'RetrainRequested', detail: { monitor: MONITOR, model: MODEL, alarmTime: FIRST_ALARM } }]);
  });

  it('keeps the gate closed for an alarm within the cooldown and asks for nothing', async () => {
    const { store, events, gate, alarm } = setUp();
    await gate(alarm(FIRST_ALARM));

    const result = await gate(alarm(hoursAfter(FIRST_ALARM, 23)));

    expect(result).toEqual({ monitor: MONITOR, retrainRequested: false });
    expect(store.gates.get(MONITOR)).toBe(FIRST_ALARM);
    expect(events.published).toHaveLength(1);
  });

  it('opens the gate again for an alarm a whole cooldown after it last opened', async () => {
    const { store, events, gate, alarm } = setUp();
    await gate(alarm(FIRST_ALARM));
    const next = hoursAfter(FIRST_ALARM, 24);

    const result = await gate(alarm(next));

    expect(result.retrainRequested).toBe(true);
    expect(store.gates.get(MONITOR)).toBe(next);
    expect(events.published.map((event) => event.detail)).toEqual([
      { monitor: MONITOR, model: MODEL, alarmTime: FIRST_ALARM },
      { monitor: MONITOR, model: MODEL, alarmTime: next },
    ]);
  });

  it('lets a retry of the same alarm through again, since its first request may not have gone out', async () => {
    const { events, gate, alarm } = setUp();
    await gate(alarm(FIRST_ALARM));

    const result = await gate(alarm(FIRST_ALARM));

    expect(result.retrainRequested).toBe(true);
    expect(events.published).toHaveLength(2);
  });

  it('treats the same instant written with an offset as the same alarm', async () => {
    const { events, gate, alarm } = setUp();
    await gate(alarm(FIRST_ALARM));

    const result = await gate(alarm('2026-06-01T14:00:00+02:00'));

    expect(result.retrainRequested).toBe(true);
    expect(events.published).toHaveLength(2);
  });

  it('keeps the gate closed for an older alarm delivered after a newer one opened it', async () => {
    const { store, events, gate, alarm } = setUp();
    await gate(alarm(FIRST_ALARM));

    const result = await gate(alarm(hoursAfter(FIRST_ALARM, -1)));

    expect(result.retrainRequested).toBe(false);
    expect(store.gates.get(MONITOR)).toBe(FIRST_ALARM);
    expect(events.published).toHaveLength(1);
  });

  it('opens at every alarm when the cooldown is zero', async () => {
    const { events, gate, alarm } = setUp();
    await gate(alarm(FIRST_ALARM, 0));

    const result = await gate(alarm(hoursAfter(FIRST_ALARM, 0.01), 0));

    expect(result.retrainRequested).toBe(true);
    expect(events.published).toHaveLength(2);
  });

  it("keeps each monitor's gate apart", async () => {
    const { store, events, gate } = setUp();
    await gate(parseRequest(RetrainGateRequest, { monitor: MONITOR, model: MODEL, cooldownSeconds: DAY_SECONDS, alarmTime: FIRST_ALARM }));

    const result = await gate(
      parseRequest(RetrainGateRequest, { monitor: 'fraud-live', model: 'fraud', cooldownSeconds: DAY_SECONDS, alarmTime: hoursAfter(FIRST_ALARM, 1) }),
    );

    expect(result).toEqual({ monitor: 'fraud-live', retrainRequested: true });
    expect([...store.gates.keys()]).toEqual([MONITOR, 'fraud-live']);
    expect(events.published).toHaveLength(2);
  });

  it.each([
    ['a negative cooldown', { cooldownSeconds: -1 }, 'cooldownSeconds'],
    ['an alarm time that is not ISO 8601', { alarmTime: 'yesterday' }, 'alarmTime'],
    ['a monitor name with a slash', { monitor: 'churn/prod' }, 'monitor'],
  ])('fails on %s, before the gate is touched', async (_case, overrides, path) => {
    const { store, events } = setUp();

    const error = refusalOf(() =>
      parseRequest(RetrainGateRequest, { monitor: MONITOR, model: MODEL, cooldownSeconds: DAY_SECONDS, alarmTime: FIRST_ALARM, ...overrides }),
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([path]);
    expect(store.writes).toEqual([]);
    expect(events.published).toEqual([]);
  });
});
