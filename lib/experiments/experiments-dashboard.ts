import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { RUN_METRIC_DIMENSIONS } from '../../lambda/experiments/core/cloudwatch-batching';
import { PLATFORM_METRICS, PLATFORM_METRICS_NAMESPACE } from '../../lambda/shared/platform-metrics';
import { operationGraph } from '../shared/operation-graph';
import type { TrackingOperation } from './experiment-tracking';

export interface ExperimentsDashboardProps {
  /** The namespace of the runs' metrics, searched by the run graphs. */
  readonly runMetricsNamespace: string;
  /** The tracking functions, whose errors, durations and throttles are graphed. */
  readonly functions: Readonly<Record<TrackingOperation, lambda.IFunction>>;
  /** Runs started (`RunsStarted`): graphed as a sum per hour. */
  readonly runsStarted: cloudwatch.Metric;
  /** Runs running at each sweep (`RunsInProgress`). */
  readonly runsInProgress: cloudwatch.Metric;
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
    const { functions, runMetricsNamespace } = props;
    const schema = `{${[runMetricsNamespace, ...RUN_METRIC_DIMENSIONS].map((part) => `"${part}"`).join(',')}}`;
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
            markdown: `# Experiments\nEvery run's metrics (namespace \`${runMetricsNamespace}\`, one line per run, up to ${SEARCH_SERIES} lines per graph). Compare runs in detail with \`mlops run compare\`.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Runs by status',
            width: 12,
            left: [
              props.runsStarted.with({ label: 'started', period: Duration.hours(1) }),
              new cloudwatch.MathExpression({
                expression: `SEARCH('{${PLATFORM_METRICS_NAMESPACE},service,status} MetricName="${PLATFORM_METRICS.runsEnded}"', 'Sum', 3600)`,
                label: 'ended',
                usingMetrics: {},
                period: Duration.hours(1),
              }),
            ],
            right: [props.runsInProgress.with({ label: 'running' })],
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
          operationGraph('Tracking functions: Errors', functions, (fn, label) => fn.metricErrors({ label })),
          operationGraph('Tracking functions: Duration p99', functions, (fn, label) => fn.metricDuration({ statistic: 'p99', label })),
          operationGraph('Tracking functions: Throttles', functions, (fn, label) => fn.metricThrottles({ label })),
        ],
      ],
    });
  }
}
