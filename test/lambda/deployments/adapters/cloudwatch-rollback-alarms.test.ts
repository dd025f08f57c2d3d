import { CloudWatchClient, DeleteAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchRollbackAlarms } from '../../../../lambda/deployments/adapters/cloudwatch-rollback-alarms';
import type { DeploymentRecord, DeploymentRevision } from '../../../../lambda/deployments/core/model';

const cloudWatch = mockClient(CloudWatchClient);
const alarms = new CloudWatchRollbackAlarms(new CloudWatchClient({}));

const pending = { revision: 3, endpointConfig: 'mlops-churn-api-3' } as DeploymentRevision;
const deployment = (compute: DeploymentRecord['compute']): DeploymentRecord => ({
  name: 'churn-api',
  endpoint: 'mlops-churn-api',
  compute,
  strategy: { kind: 'all-at-once', bakeMinutes: 10 },
  alarms: { errorRatePercent: 2.5, latencyP99Ms: 800 },
  status: 'UPDATING',
  lastRevision: 3,
  pending,
  createdAt: '2026-12-07T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:00.000Z',
});
const alarmsPut = () => cloudWatch.commandCalls(PutMetricAlarmCommand).map((call) => call.args[0].input);

beforeEach(() => {
  cloudWatch.reset();
  cloudWatch.onAnyCommand().resolves({});
});

describe('CloudWatchRollbackAlarms', () => {
  it("puts the 5xx share and p99 latency alarms of a serverless deployment on its endpoint, at the deployment's thresholds, two bad minutes firing", async () => {
    await alarms.putAlarms(deployment({ kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 }));

    const common = {
      Namespace: 'AWS/SageMaker',
      Dimensions: [
        { Name: 'EndpointName', Value: 'mlops-churn-api' },
        { Name: 'VariantName', Value: 'main' },
      ],
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    };
    expect(alarmsPut()).toEqual([
      {
        ...common,
        AlarmName: 'mlops-churn-api-5xx-rate',
        AlarmDescription: expect.any(String),
        MetricName: 'Invocation5XXErrors',
        Statistic: 'Average',
        Threshold: 0.025,
      },
      {
        ...common,
        AlarmName: 'mlops-churn-api-latency-p99',
        AlarmDescription: expect.any(String),
        MetricName: 'ModelLatency',
        ExtendedStatistic: 'p99',
        Threshold: 800_000,
      },
    ]);
  });

  it('watches, on instances, the new fleet of a blue/green update by its endpoint config', async () => {
    await alarms.putAlarms(deployment({ kind: 'instances', instanceType: 'ml.m5.large', count: 2 }));

    expect(alarmsPut().map(({ Dimensions }) => Dimensions)).toEqual([
      expect.arrayContaining([{ Name: 'EndpointConfigName', Value: 'mlops-churn-api-3' }]),
      expect.arrayContaining([{ Name: 'EndpointConfigName', Value: 'mlops-churn-api-3' }]),
    ]);
  });

  it('deletes both alarms', async () => {
    await alarms.deleteAlarms(deployment({ kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 }));

    expect(cloudWatch.commandCalls(DeleteAlarmsCommand)[0].args[0].input).toEqual({ AlarmNames: ['mlops-churn-api-5xx-rate', 'mlops-churn-api-latency-p99'] });
  });
});
