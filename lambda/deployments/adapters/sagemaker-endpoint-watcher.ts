import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { EndpointObservation } from '../core/advance-deployment';
import type { DeploymentRecord } from '../core/model';
import type { EndpointWatcher } from '../core/ports';
import { rollbackAlarmNames } from '../core/sagemaker-names';

/** SageMaker's DescribeEndpoint for the deployment's endpoint, and the states of its two rollback alarms. */
export class SageMakerEndpointWatcher implements EndpointWatcher {
  constructor(
    private readonly sageMaker: SageMakerClient,
    private readonly cloudWatch: CloudWatchClient,
  ) {}

  async observe(deployment: DeploymentRecord): Promise<EndpointObservation> {
    const [endpoint, alarms] = await Promise.all([this.describe(deployment.endpoint), this.firingAlarms(deployment)]);
    return { ...endpoint, firingAlarms: alarms };
  }

  private async describe(endpoint: string): Promise<Omit<EndpointObservation, 'firingAlarms'>> {
    try {
      const described = await this.sageMaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
      return {
        status: (described.EndpointStatus ?? 'Creating') as EndpointObservation['status'],
        ...(described.EndpointConfigName ? { endpointConfig: described.EndpointConfigName } : {}),
        ...(described.FailureReason ? { failureReason: described.FailureReason } : {}),
        ...(described.LastModifiedTime ? { lastModified: described.LastModifiedTime.toISOString() } : {}),
      };
    } catch (error) {
      // SageMaker answers a missing endpoint with a ValidationException saying it could not find it.
      if (error instanceof Error && error.name === 'ValidationException' && /could not find/i.test(error.message)) return { status: 'NotFound' };
      throw error;
    }
  }

  private async firingAlarms(deployment: DeploymentRecord): Promise<string[]> {
    const { MetricAlarms = [] } = await this.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [...rollbackAlarmNames(deployment.name)] }));
    return MetricAlarms.filter(({ StateValue }) => StateValue === 'ALARM').flatMap(({ AlarmName }) => (AlarmName ? [AlarmName] : []));
  }
}
