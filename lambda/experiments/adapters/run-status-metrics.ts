import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../shared/handler';
import { PLATFORM_METRICS } from '../../shared/platform-metrics';
import type { RunStatus } from '../core/model';

/** Counts ended runs by status (`RunsEnded`, dimension `status`), for the dashboard's runs-by-status graph. */
export function countRunsEnded(status: RunStatus, count: number): void {
  if (count === 0) return;
  const metric = metrics.singleMetric();
  metric.addDimension('status', status);
  metric.addMetric(PLATFORM_METRICS.runsEnded, MetricUnit.Count, count);
}
