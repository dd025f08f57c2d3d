import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchRollbackAlarms } from '../../lambda/deployments/adapters/cloudwatch-rollback-alarms';
import type { DeploymentRecord, DeploymentRevision } from '../../lambda/deployments/core/model';
import { alarmState, EndpointMetrics, type InvocationSample } from '../../local/endpoint-metrics';

const cloudWatch = mockClient(CloudWatchClient);
/** A CloudWatch minute lasts 100 ms. */
const MINUTE_MS = 100;
const NOW = 1_000_000;

/** The two rollback alarms the deployments adapter puts for an instances deployment's new config, as moto keeps them. */
async function rollbackAlarms(): Promise<MetricAlarm[]> {
  cloudWatch.reset();
  cloudWatch.onAnyCommand().resolves({});
  const deployment = {
    name: 'churn',
    endpoint: 'mlops-churn',
    compute: { kind: 'instances', instanceType: 'ml.m5.large', count: 1 },
    alarms: { errorRatePercent: 5, latencyP99Ms: 100 },
    pending: { revision: 2, endpointConfig: 'mlops-churn-2' } as DeploymentRevision,
  } as DeploymentRecord;
  await new CloudWatchRollbackAlarms(new CloudWatchClient({})).putAlarms(deployment);
  return cloudWatch.commandCalls(PutMetricAlarmCommand).map((call) => ({ ...(call.args[0].input as MetricAlarm), StateValue: 'OK' }));
}

/** `count` invocations of a fleet spread over the minute starting at `minuteStart`. */
function minute(minuteStart: number, count: number, sample: Partial<InvocationSample>): InvocationSample[] {
  return Array.from({ length: count }, (_, index) => ({
    endpoint: 'mlops-churn',
    variant: 'main',
    endpointConfig: 'mlops-churn-2',
    status: 200,
    modelLatencyUs: 1000,
    ...sample,
    at: minuteStart + (index * MINUTE_MS) / count,
  }));
}

describe('alarmState', () => {
  it("fires the deployments' 5xx-rate alarm after two minutes over the share, and not after one", async () => {
    const [errorRate] = await rollbackAlarms();
    const ok = minute(NOW - 3 * MINUTE_MS, 20, {});
    const bad = (start: number) => [...minute(start, 18, {}), ...minute(start, 2, { status: 500 })];

    expect(alarmState(errorRate, [...ok, ...bad(NOW - 2 * MINUTE_MS), ...bad(NOW - MINUTE_MS)], NOW, MINUTE_MS)?.value).toBe('ALARM');
    expect(alarmState(errorRate, [...ok, ...minute(NOW - 2 * MINUTE_MS, 20, {}), ...bad(NOW - MINUTE_MS)], NOW, MINUTE_MS)?.value).toBe('OK');
  });

  it("fires the p99 latency alarm on the fleet's slowest hundredth, in microseconds", async () => {
    const [, latency] = await rollbackAlarms();
    const slow = (start: number) => [...minute(start, 95, { modelLatencyUs: 5_000 }), ...minute(start, 5, { modelLatencyUs: 150_000 })];

    expect(alarmState(latency, [...slow(NOW - 2 * MINUTE_MS), ...slow(NOW - MINUTE_MS)], NOW, MINUTE_MS)?.value).toBe('ALARM');
  });

  it('counts only the fleet the alarm watches, and no requests as no evidence', async () => {
    const [errorRate] = await rollbackAlarms();
    const oldFleetFailing = [
      ...minute(NOW - 2 * MINUTE_MS, 10, { status: 500, endpointConfig: 'mlops-churn-1' }),
      ...minute(NOW - MINUTE_MS, 10, { status: 500, endpointConfig: 'mlops-churn-1' }),
    ];

    expect(alarmState(errorRate, oldFleetFailing, NOW, MINUTE_MS)).toEqual({
      value: 'OK',
      reason: '0 of the last 2 periods breached the threshold 0.05 (no data, no data)',
    });
  });
});

describe('EndpointMetrics', () => {
  it('sets a changed alarm state on CloudWatch and publishes the finished minutes by endpoint, variant and config', async () => {
    const alarms = await rollbackAlarms();
    cloudWatch.reset();
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: alarms });
    cloudWatch.on(SetAlarmStateCommand).resolves({});
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const metrics = new EndpointMetrics({ cloudWatch: new CloudWatchClient({}), minuteMs: MINUTE_MS });
    // The two minutes before a minute's start: both whole periods when it is evaluated.
    const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    for (const sample of [...minute(now - 2 * MINUTE_MS, 4, { status: 500 }), ...minute(now - MINUTE_MS, 4, { status: 500 })]) metrics.record(sample);

    await metrics.evaluate(now);

    expect(cloudWatch.commandCalls(SetAlarmStateCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({ AlarmName: 'mlops-churn-5xx-rate', StateValue: 'ALARM' }),
    ]);
    const published = cloudWatch.commandCalls(PutMetricDataCommand).flatMap((call) => call.args[0].input.MetricData ?? []);
    expect(published).toContainEqual(
      expect.objectContaining({
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: 'mlops-churn' },
          { Name: 'VariantName', Value: 'main' },
          { Name: 'EndpointConfigName', Value: 'mlops-churn-2' },
        ],
        StatisticValues: expect.objectContaining({ Sum: expect.any(Number) }),
      }),
    );
    expect(published.filter(({ MetricName }) => MetricName === 'Invocations').reduce((sum, { StatisticValues }) => sum + StatisticValues!.Sum!, 0)).toBe(16);
  });
});
