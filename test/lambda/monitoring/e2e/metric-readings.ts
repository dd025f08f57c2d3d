import { type CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';

/** One metric series: its name and every dimension it carries. */
export interface MetricSeries {
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

const PERIOD_SECONDS = 60;

/**
 * The sum of each series' data points stamped in the minute from `at`, or undefined when it has none.
 *
 * Moto answers each read API only partly, so a series is read both ways and counts only when both
 * agree: GetMetricData matches dimensions exactly but ignores the namespace once dimensions are
 * given; GetMetricStatistics keeps to the namespace but matches dimensions as a subset. (Metric math
 * returns nothing on moto, and ListMetrics is slow there.)
 */
export async function metricSumsAt(
  cloudWatch: CloudWatchClient,
  namespace: string,
  series: readonly MetricSeries[],
  at: number,
): Promise<(number | undefined)[]> {
  const StartTime = new Date(at);
  const EndTime = new Date(at + PERIOD_SECONDS * 1000);
  const dimensionsOf = ({ dimensions }: MetricSeries) => Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
  const { MetricDataResults = [] } = await cloudWatch.send(
    new GetMetricDataCommand({
      StartTime,
      EndTime,
      MetricDataQueries: series.map((one, index) => ({
        Id: `m${index}`,
        MetricStat: { Metric: { Namespace: namespace, MetricName: one.name, Dimensions: dimensionsOf(one) }, Period: PERIOD_SECONDS, Stat: 'Sum' },
      })),
    }),
  );
  return Promise.all(
    series.map(async (one, index) => {
      const exact = MetricDataResults.find(({ Id }) => Id === `m${index}`)?.Values?.[0];
      const { Datapoints = [] } = await cloudWatch.send(
        new GetMetricStatisticsCommand({
          Namespace: namespace,
          MetricName: one.name,
          Dimensions: dimensionsOf(one),
          StartTime,
          EndTime,
          Period: PERIOD_SECONDS,
          Statistics: ['Sum'],
        }),
      );
      return exact !== undefined && Datapoints.length === 1 && Datapoints[0].Sum === exact ? exact : undefined;
    }),
  );
}
