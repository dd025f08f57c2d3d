import { type CloudWatchClient, DeleteAlarmsCommand, type Dimension, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import type { DeploymentRecord } from '../core/model';
import type { RollbackAlarmStore } from '../core/ports';
import { ROLLBACK_ALARM_MINUTES } from '../core/rollout-plan';
import { rollbackAlarmNames } from '../core/sagemaker-names';
import { VARIANT_NAME } from './sagemaker-hosting';

/** Each minute is judged alone, and ROLLBACK_ALARM_MINUTES bad minutes in a row fire: one slow cold start does not roll back. */
const PERIOD_SECONDS = 60;
const BAD_MINUTES = ROLLBACK_ALARM_MINUTES;

/**
 * The two alarms that roll a deployment's updates back, put (again) before each rollout so they watch the revision
 * going out: SageMaker publishes a blue/green update's new fleet under its `EndpointConfigName`, so on instances
 * they watch that config; a serverless endpoint swaps all at once, and they watch the endpoint.
 */
export class CloudWatchRollbackAlarms implements RollbackAlarmStore {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async putAlarms(deployment: DeploymentRecord): Promise<void> {
    const [errorRate, latency] = rollbackAlarmNames(deployment.name);
    const revision = deployment.pending ?? deployment.current;
    const dimensions: Dimension[] = [
      { Name: 'EndpointName', Value: deployment.endpoint },
      { Name: 'VariantName', Value: VARIANT_NAME },
      ...(deployment.compute.kind === 'instances' && revision ? [{ Name: 'EndpointConfigName', Value: revision.endpointConfig }] : []),
    ];
    const common = {
      Namespace: 'AWS/SageMaker',
      Dimensions: dimensions,
      Period: PERIOD_SECONDS,
      EvaluationPeriods: BAD_MINUTES,
      DatapointsToAlarm: BAD_MINUTES,
      ComparisonOperator: 'GreaterThanThreshold' as const,
      // No requests is no evidence against the new version.
      TreatMissingData: 'notBreaching',
    };
    await this.cloudWatch.send(
      new PutMetricAlarmCommand({
        ...common,
        AlarmName: errorRate,
        AlarmDescription: `Deployment ${deployment.name}: over ${deployment.alarms.errorRatePercent}% of requests answered 5xx, two minutes running; rolls an update back.`,
        // Invocation5XXErrors is 1 for a request answered 5xx and 0 otherwise: its average is the 5xx share.
        MetricName: 'Invocation5XXErrors',
        Statistic: 'Average',
        Threshold: deployment.alarms.errorRatePercent / 100,
      }),
    );
    await this.cloudWatch.send(
      new PutMetricAlarmCommand({
        ...common,
        AlarmName: latency,
        AlarmDescription: `Deployment ${deployment.name}: model latency p99 over ${deployment.alarms.latencyP99Ms} ms, two minutes running; rolls an update back.`,
        MetricName: 'ModelLatency',
        ExtendedStatistic: 'p99',
        // SageMaker reports model latency in microseconds.
        Threshold: deployment.alarms.latencyP99Ms * 1000,
      }),
    );
  }

  async deleteAlarms(deployment: DeploymentRecord): Promise<void> {
    await this.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [...rollbackAlarmNames(deployment.name)] }));
  }
}
