import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { inputsOf } from '../../handler-support/sdk-mocks';
import { queryDeploymentsScenarios } from './handler-scenarios';

afterEach(() => jest.useRealTimers());

describe('QueryDeployments handler, deploymentTraffic', () => {
  it("counts the capture's requests and callers per hour in the monitoring bucket's captured/ folder, beside CloudWatch's figures", async () => {
    jest.useFakeTimers({ now: Date.parse('2026-06-01T12:20:00.000Z'), doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask'] });

    const { result } = await runScenario('QueryDeployments', scenarioNamed(queryDeploymentsScenarios, 'deploymentTraffic'));

    expect(result).toMatchObject({
      name: 'fraud-api',
      start: '2026-06-01T11:00:00.000Z',
      end: '2026-06-01T13:00:00.000Z',
      hours: [
        { hour: '2026-06-01T11:00:00.000Z', requests: 0, callers: 0 },
        { hour: '2026-06-01T12:00:00.000Z', requests: 2, callers: 2, invocations: 2, errors5xx: 0 },
      ],
      callers: 2,
      anonymousRequests: 0,
    });
    expect(inputsOf('ListObjectsV2Command')[0]).toMatchObject({ Bucket: 'monitoring-bucket', Prefix: 'captured/mlops-fraud-api/', Delimiter: '/' });
    expect(inputsOf('GetMetricDataCommand')[0].MetricDataQueries[0]).toMatchObject({
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SageMaker',
          MetricName: 'Invocations',
          Dimensions: [
            { Name: 'EndpointName', Value: 'mlops-fraud-api' },
            { Name: 'VariantName', Value: 'main' },
          ],
        },
        Period: 3600,
        Stat: 'Sum',
      },
    });
  });
});
