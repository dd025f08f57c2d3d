import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { PLATFORM_METRICS_NAMESPACE } from '../../lambda/shared/platform-metrics';

export interface PlatformMetricProps {
  /** The publishing function's id, Powertools' `service` dimension (`StartRun`). */
  readonly service: string;
  readonly metricName: string;
  readonly statistic: string;
  /**
   * Dimensions the function adds to the metric besides `service`.
   * @default - none
   */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** A metric a platform function publishes through Powertools, in the platform namespace; `props` override it. */
export function platformMetric(metric: PlatformMetricProps, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: PLATFORM_METRICS_NAMESPACE,
    metricName: metric.metricName,
    dimensionsMap: { service: metric.service, ...metric.dimensions },
    statistic: metric.statistic,
    ...props,
  });
}
