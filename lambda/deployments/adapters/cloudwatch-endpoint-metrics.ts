import { type CloudWatchClient, type Dimension, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { EndpointMetricsReader, HourMetrics } from '../core/deployment-traffic';
import { VARIANT_NAME } from './sagemaker-hosting';

const HOUR_SECONDS = 3600;

/** The four measures of a traffic figure, as GetMetricData queries of one set of dimensions. */
function queries(prefix: string, dimensions: Dimension[], period: number): MetricDataQuery[] {
  const stat = (id: string, metricName: string, statistic: string): MetricDataQuery => ({
    Id: `${prefix}${id}`,
    MetricStat: { Metric: { Namespace: 'AWS/SageMaker', MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: statistic },
    ReturnData: true,
  });
  return [stat('inv', 'Invocations', 'Sum'), stat('err', 'Invocation5XXErrors', 'Sum'), stat('p50', 'ModelLatency', 'p50'), stat('p99', 'ModelLatency', 'p99')];
}

const endpointDimensions = (endpoint: string): Dimension[] => [
  { Name: 'EndpointName', Value: endpoint },
  { Name: 'VariantName', Value: VARIANT_NAME },
];

/**
 * SageMaker's endpoint metrics from CloudWatch: per hour of the endpoint's one variant, and over the span per endpoint
 * config (SageMaker publishes each fleet under its config during and after a blue/green update). ModelLatency is in
 * microseconds; figures here are milliseconds.
 */
export class CloudWatchEndpointMetrics implements EndpointMetricsReader {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async hourly(endpoint: string, start: Date, end: Date): Promise<ReadonlyMap<string, HourMetrics>> {
    const series = await this.read(queries('h', endpointDimensions(endpoint), HOUR_SECONDS), start, end);
    const hours = new Set([...series.values()].flatMap((points) => [...points.keys()]));
    return new Map([...hours].map((hour) => [hour, metricsOf(series, 'h', hour)]));
  }

  async byConfig(endpoint: string, configs: readonly string[], start: Date, end: Date): Promise<ReadonlyMap<string, HourMetrics>> {
    if (configs.length === 0) return new Map();
    const span = Math.max(60, Math.round((end.getTime() - start.getTime()) / 1000 / 60) * 60);
    const all = configs.flatMap((config, index) =>
      queries(`c${index}`, [...endpointDimensions(endpoint), { Name: 'EndpointConfigName', Value: config }], span),
    );
    const series = await this.read(all, start, end);
    return new Map(
      configs.map((config, index) => {
        const firstPoint = [...(series.get(`c${index}inv`)?.keys() ?? [])][0];
        return [config, metricsOf(series, `c${index}`, firstPoint)];
      }),
    );
  }

  /** Every query's points by timestamp (ISO), all pages read. */
  private async read(metricQueries: MetricDataQuery[], start: Date, end: Date): Promise<Map<string, Map<string, number>>> {
    const series = new Map<string, Map<string, number>>();
    // GetMetricData takes at most 500 queries a call; a deployment asks for a few.
    let nextToken: string | undefined;
    do {
      const page = await this.cloudWatch.send(
        new GetMetricDataCommand({ MetricDataQueries: metricQueries, StartTime: start, EndTime: end, NextToken: nextToken, ScanBy: 'TimestampAscending' }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const points = series.get(result.Id!) ?? new Map<string, number>();
        (result.Timestamps ?? []).forEach((timestamp, index) => points.set(timestamp.toISOString(), result.Values![index]));
        series.set(result.Id!, points);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return series;
  }
}

function metricsOf(series: Map<string, Map<string, number>>, prefix: string, at: string | undefined): HourMetrics {
  const value = (id: string) => (at === undefined ? undefined : series.get(`${prefix}${id}`)?.get(at));
  const p50 = value('p50');
  const p99 = value('p99');
  return {
    invocations: value('inv') ?? 0,
    errors5xx: value('err') ?? 0,
    ...(p50 === undefined ? {} : { latencyP50Ms: p50 / 1000 }),
    ...(p99 === undefined ? {} : { latencyP99Ms: p99 / 1000 }),
  };
}
