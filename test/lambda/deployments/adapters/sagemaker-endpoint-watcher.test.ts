import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { SageMakerEndpointWatcher } from '../../../../lambda/deployments/adapters/sagemaker-endpoint-watcher';
import type { DeploymentRecord } from '../../../../lambda/deployments/core/model';

const sageMaker = mockClient(SageMakerClient);
const cloudWatch = mockClient(CloudWatchClient);
const watcher = new SageMakerEndpointWatcher(new SageMakerClient({}), new CloudWatchClient({}));
const deployment = { name: 'churn-api', endpoint: 'mlops-churn-api' } as DeploymentRecord;

beforeEach(() => {
  sageMaker.reset();
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      { AlarmName: 'mlops-churn-api-5xx-rate', StateValue: 'ALARM' },
      { AlarmName: 'mlops-churn-api-latency-p99', StateValue: 'OK' },
    ],
  });
});

describe('SageMakerEndpointWatcher', () => {
  it("reports the endpoint's status, the config serving, SageMaker's reason, its last change and the rollback alarms in ALARM", async () => {
    sageMaker.on(DescribeEndpointCommand).resolves({
      EndpointStatus: 'RollingBack',
      EndpointConfigName: 'mlops-churn-api-3',
      FailureReason: 'Alarm fired',
      LastModifiedTime: new Date('2026-12-07T10:04:05.000Z'),
    });

    expect(await watcher.observe(deployment)).toEqual({
      status: 'RollingBack',
      endpointConfig: 'mlops-churn-api-3',
      failureReason: 'Alarm fired',
      lastModified: '2026-12-07T10:04:05.000Z',
      firingAlarms: ['mlops-churn-api-5xx-rate'],
    });
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNames: ['mlops-churn-api-5xx-rate', 'mlops-churn-api-latency-p99'],
    });
  });

  it('reports an endpoint SageMaker cannot find as NotFound, and passes other failures on', async () => {
    sageMaker
      .on(DescribeEndpointCommand)
      .rejectsOnce(Object.assign(new Error('Could not find endpoint "mlops-churn-api".'), { name: 'ValidationException' }))
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    expect(await watcher.observe(deployment)).toMatchObject({ status: 'NotFound' });
    await expect(watcher.observe(deployment)).rejects.toThrow('Rate exceeded');
  });
});
