/**
 * CloudWatch's metric alarms behind the CloudWatch client mock: PutMetricAlarm makes or replaces one (a new alarm
 * is INSUFFICIENT_DATA until CloudWatch evaluates it; a replaced one keeps its state), DescribeAlarms answers the
 * ones named that exist, DeleteAlarms deletes the ones named that exist (CloudWatch's reference: "If you specify
 * any incorrect alarm names, the alarms you specify with correct names are still deleted"). Tests set states as
 * CloudWatch's evaluation would (`setState`).
 */
import {
  DeleteAlarmsCommand,
  type DeleteAlarmsCommandInput,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import type { AwsStub } from 'aws-sdk-client-mock';

export interface FakeAlarm {
  readonly state: StateValue;
  /** What the alarm was last put with. */
  readonly put: PutMetricAlarmCommandInput;
}

export class FakeCloudWatchAlarms {
  private readonly stored = new Map<string, FakeAlarm>();

  constructor(
    private readonly account: string,
    private readonly region: string,
  ) {}

  /** Serves the alarm commands. Call after resetting the mock. */
  serve(mock: AwsStub<any, any, any>): this {
    mock.on(PutMetricAlarmCommand).callsFake(this.putAlarm);
    mock.on(DescribeAlarmsCommand).callsFake(this.describeAlarms);
    mock.on(DeleteAlarmsCommand).callsFake(this.deleteAlarms);
    return this;
  }

  /** The alarms by name. */
  get alarms(): Record<string, FakeAlarm> {
    return Object.fromEntries(this.stored);
  }

  /** An alarm put earlier, in `state`. */
  addAlarm(name: string, state: StateValue = 'OK'): this {
    this.stored.set(name, { state, put: { AlarmName: name } });
    return this;
  }

  /** An alarm's state changed as CloudWatch's evaluation would change it. */
  setState(name: string, state: StateValue): void {
    const alarm = this.stored.get(name);
    if (!alarm) throw new Error(`no alarm named ${name}`);
    this.stored.set(name, { ...alarm, state });
  }

  private readonly putAlarm = async (input: PutMetricAlarmCommandInput) => {
    const name = input.AlarmName!;
    this.stored.set(name, { state: this.stored.get(name)?.state ?? 'INSUFFICIENT_DATA', put: structuredClone(input) });
    return {};
  };

  private readonly describeAlarms = async (input: DescribeAlarmsCommandInput) => {
    const names = input.AlarmNames ?? [...this.stored.keys()];
    const MetricAlarms: MetricAlarm[] = names.flatMap((name) => {
      const alarm = this.stored.get(name);
      if (!alarm) return [];
      const { AlarmName, AlarmDescription, MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions, Period, EvaluationPeriods, Threshold } = alarm.put;
      return [
        {
          AlarmName,
          AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${AlarmName}`,
          AlarmDescription,
          MetricName,
          Namespace,
          Statistic,
          ExtendedStatistic,
          Dimensions,
          Period,
          EvaluationPeriods,
          Threshold,
          StateValue: alarm.state,
        } as MetricAlarm,
      ];
    });
    return { MetricAlarms, CompositeAlarms: [] };
  };

  private readonly deleteAlarms = async (input: DeleteAlarmsCommandInput) => {
    for (const name of input.AlarmNames ?? []) this.stored.delete(name);
    return {};
  };
}
