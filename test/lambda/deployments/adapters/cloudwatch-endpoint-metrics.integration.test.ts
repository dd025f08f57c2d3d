import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchEndpointMetrics } from '../../../../lambda/deployments/adapters/cloudwatch-endpoint-metrics';

// The moto server of the integration run, with the local platform's percentile statistics (local/moto_server.py).
const cloudWatch = new CloudWatchClient({});
const metrics = new CloudWatchEndpointMetrics(cloudWatch);

const endpoint = `mlops-traffic-${Date.now()}`;
const HOUR = Date.UTC(2026, 11, 1, 10);
const dimensions = (config?: string) => [
  { Name: 'EndpointName', Value: endpoint },
  { Name: 'VariantName', Value: 'main' },
  ...(config ? [{ Name: 'EndpointConfigName', Value: config }] : []),
];

beforeAll(async () => {
  for (const config of [undefined, `${endpoint}-2`]) {
    await cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/SageMaker',
        MetricData: [
          {
            MetricName: 'Invocations',
            Dimensions: dimensions(config),
            Timestamp: new Date(HOUR + 60_000),
            StatisticValues: { SampleCount: 100, Sum: 100, Minimum: 1, Maximum: 1 },
          },
          {
            MetricName: 'Invocation5XXErrors',
            Dimensions: dimensions(config),
            Timestamp: new Date(HOUR + 60_000),
            StatisticValues: { SampleCount: 100, Sum: 4, Minimum: 0, Maximum: 1 },
          },
          // 100 latencies: 1 ms to 100 ms, in microseconds.
          {
            MetricName: 'ModelLatency',
            Dimensions: dimensions(config),
            Timestamp: new Date(HOUR + 60_000),
            Unit: 'Microseconds',
            Values: Array.from({ length: 100 }, (_, index) => (index + 1) * 1000),
            Counts: Array.from({ length: 100 }, () => 1),
          },
        ],
      }),
    );
  }
});

describe('CloudWatchEndpointMetrics on the emulator', () => {
  it('reads an hour of the endpoint: invocations, 5xx and model latency p50 and p99 in milliseconds', async () => {
    const hours = await metrics.hourly(endpoint, new Date(HOUR - 3_600_000), new Date(HOUR + 3_600_000));

    expect(Object.fromEntries(hours)).toEqual({ [new Date(HOUR).toISOString()]: { invocations: 100, errors5xx: 4, latencyP50Ms: 50, latencyP99Ms: 99 } });
  });

  it('reads each endpoint config over the span, and answers zeros for a config without traffic', async () => {
    const configs = await metrics.byConfig(endpoint, [`${endpoint}-1`, `${endpoint}-2`], new Date(HOUR - 3_600_000), new Date(HOUR + 3_600_000));

    expect(configs.get(`${endpoint}-2`)).toEqual({ invocations: 100, errors5xx: 4, latencyP50Ms: 50, latencyP99Ms: 99 });
    expect(configs.get(`${endpoint}-1`)).toEqual({ invocations: 0, errors5xx: 0 });
  });
});
