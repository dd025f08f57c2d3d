import { onMinuteOf, type ScheduledTarget } from '../../local/schedules';

const target = (expression: string, intervalMs: number): ScheduledTarget => ({ ruleLogicalId: 'Rule', expression, intervalMs, functionLogicalId: 'Fn' });

describe('onMinuteOf', () => {
  it("fires a rate's minutes on a clock whose minute lasts minuteMs, keeping the rule as it is", () => {
    expect(onMinuteOf(target('rate(1 minute)', 60_000), 1000)).toEqual(target('rate(1 minute)', 1000));
    expect(onMinuteOf(target('rate(5 minutes)', 300_000), 200).intervalMs).toBe(1000);
    expect(onMinuteOf(target('rate(1 minute)', 60_000), 60_000).intervalMs).toBe(60_000);
  });

  it('never fires more often than each millisecond', () => {
    expect(onMinuteOf(target('rate(1 minute)', 60_000), 0.001).intervalMs).toBe(1);
  });
});
