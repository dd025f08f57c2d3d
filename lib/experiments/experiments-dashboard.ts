import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { RUN_METRIC_DIMENSIONS } from '../../lambda/experiments/core/cloudwatch-batching';
import type { ExperimentTracking, TrackingOperation } from './experiment-tracking';

export interface ExperimentsDashboardProps {
  readonly tracking: ExperimentTracking;
  /** Metric names that get a graph of their own, one line per run. */
  readonly dashboardMetrics: readonly string[];
}

/** CloudWatch's limit on the series one SEARCH returns. */
const SEARCH_SERIES = 500;

/**
 * The experiments dashboard. Run metrics are drawn by SEARCH expressions over the runs' dimensions,
 * so a run started after the deployment appears by itself; nothing names a run.
 */
export class ExperimentsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ExperimentsDashboardProps) {
    super(scope, id);
    const { tracking } = props;
    const schema = `{${[tracking.runMetricsNamespace, ...RUN_METRIC_DIMENSIONS].map((part) => `"${part}"`).join(',')}}`;
    const runSearch = (label: string, filter: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('${schema}${filter}', 'Average', 60)`,
        label,
        usingMetrics: {},
        period: Duration.minutes(1),
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# Experiments\nEvery run's metrics (namespace \`${tracking.runMetricsNamespace}\`, one line per run, up to ${SEARCH_SERIES} lines per graph). Compare runs in detail with \`mlops run compare\`.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Runs by status',
            width: 12,
            left: [
              tracking.metricRunsStarted({ label: 'started', period: Duration.hours(1) }),
              new cloudwatch.MathExpression({
                expression: `SEARCH('{MlopsPlatform,service,status} MetricName="RunsEnded"', 'Sum', 3600)`,
                label: 'ended',
                usingMetrics: {},
                period: Duration.hours(1),
              }),
            ],
            right: [tracking.metricRunsInProgress({ label: 'running' })],
          }),
          new cloudwatch.GraphWidget({
            title: 'All run metrics',
            width: 12,
            left: [runSearch('', '')],
            legendPosition: cloudwatch.LegendPosition.HIDDEN,
          }),
        ],
        props.dashboardMetrics.map(
          (metricName) => new cloudwatch.GraphWidget({ title: metricName, width: 8, left: [runSearch('', ` MetricName="${metricName}"`)] }),
        ),
        [
          this.health('Errors', (operation) => tracking.metricErrors(operation, { label: operation })),
          this.health('Duration p99', (operation) => tracking.metricDuration(operation, { statistic: 'p99', label: operation })),
          this.health('Throttles', (operation) => tracking.metricThrottles(operation, { label: operation })),
        ],
      ],
    });
  }

  private health(title: string, metricOf: (operation: TrackingOperation) => cloudwatch.IMetric): cloudwatch.GraphWidget {
    const operations: TrackingOperation[] = ['startRun', 'logMetrics', 'endRun', 'queryRuns', 'sweepRuns'];
    return new cloudwatch.GraphWidget({ title: `Tracking functions: ${title}`, width: 8, left: operations.map(metricOf) });
  }
}
