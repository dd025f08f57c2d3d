import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { operationGraph } from '../shared/operation-graph';
import type { MonitoringOperation } from './model-monitoring';
import { INVOCATIONS_BAND_STD_DEVS, type Monitor } from './monitor';
import type { EndpointMetricFactory } from './monitoring-metrics';

export interface MonitoringDashboardProps {
  /** The namespace of the drift metrics, named in the dashboard's header. */
  readonly metricsNamespace: string;
  /** The monitoring functions, whose errors, throttles and durations are graphed. */
  readonly functions: Readonly<Record<MonitoringOperation, lambda.IFunction>>;
  /** The monitoring table, whose throttled requests and system errors are graphed. */
  readonly table: dynamodb.ITable;
  /** The drift check workflow, whose executions are graphed. */
  readonly driftCheck: sfn.IStateMachine;
  /** The alarm on failing drift checks, whose state is shown. */
  readonly driftCheckFailuresAlarm: cloudwatch.IAlarm;
}
/** The table operations the monitoring functions send. */
const TABLE_OPERATIONS = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.UPDATE_ITEM, dynamodb.Operation.QUERY];

/**
 * The platform health dashboard of monitoring, `<stack name>-Monitoring`: the functions, table and
 * drift checks first, then a section per monitor with its drift and its endpoint's traffic.
 *
 * Written with aws-cdk-lib's CloudWatch constructs rather than cdk-monitoring-constructs: that
 * library would be one more dependency pinned to aws-cdk-lib's release train, for widgets that
 * take about a hundred lines here; and what we need most, a SEARCH over the features' drift scores
 * and the anomaly band of invocations, are plain metric math either way.
 */
export class MonitoringDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringDashboardProps) {
    super(scope, id);
    const { functions, table, driftCheck } = props;
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: `${Stack.of(this).stackName}-Monitoring`,
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# Model monitoring\nDrift checks of every monitor (metrics in \`${props.metricsNamespace}\`), the functions and workflow that run them, and each monitored endpoint's traffic.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          operationGraph('Monitoring functions: Errors', functions, (fn, label) => fn.metricErrors({ label })),
          operationGraph('Monitoring functions: Throttles', functions, (fn, label) => fn.metricThrottles({ label })),
          operationGraph('Monitoring functions: Duration p99', functions, (fn, label) => fn.metricDuration({ statistic: cloudwatch.Stats.p(99), label })),
        ],
        [
          // Two graphs: both metric sets name their per-operation metrics by the operation.
          new cloudwatch.GraphWidget({
            title: 'Monitoring table: throttled requests',
            width: 6,
            left: [table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, label: 'throttled requests' })],
          }),
          new cloudwatch.GraphWidget({
            title: 'Monitoring table: system errors',
            width: 6,
            left: [table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, label: 'system errors' })],
          }),
          new cloudwatch.GraphWidget({
            title: 'Drift checks',
            width: 6,
            left: [
              driftCheck.metricStarted({ label: 'started' }),
              driftCheck.metricSucceeded({ label: 'succeeded' }),
              driftCheck.metricFailed({ label: 'failed' }),
              driftCheck.metricTimedOut({ label: 'timed out' }),
            ],
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Drift checks failing', width: 6, height: 6, alarms: [props.driftCheckFailuresAlarm] }),
        ],
      ],
    });
  }

  /** Adds the monitor's section: its drift, its alarms, and a row per watched endpoint variant. */
  addMonitor(monitor: Monitor): void {
    const name = monitor.monitorName;
    const { config } = monitor;
    const reference = config.version !== undefined ? `version ${config.version}` : `alias \`${config.alias}\``;
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## Monitor \`${name}\`\nModel \`${config.model}\`, ${reference}: every ${monitor.schedulePeriod.toHumanString()}, ${config.windowMinutes} minutes of records compared with the baseline.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${name}: share of features drifted`,
        width: 6,
        left: [monitor.metricDriftShare({ label: 'drift share' })],
        leftYAxis: { min: 0, max: 1, showUnits: false },
        leftAnnotations: [{ value: monitor.driftShareThreshold, label: 'drift alarm', color: cloudwatch.Color.RED }],
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: features drifted`,
        width: 6,
        left: [monitor.metricDriftedFeatures({ label: 'features drifted' })],
        leftYAxis: { min: 0, showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: records checked`,
        width: 6,
        left: [monitor.metricRecordsChecked({ label: 'records' })],
        leftYAxis: { min: 0, showUnits: false },
        leftAnnotations: [{ value: monitor.minRecords, label: 'fewer: no verdict', color: cloudwatch.Color.GREY }],
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: drift score by feature (deciding method)`,
        width: 6,
        left: [monitor.driftMetrics.searchFeatureDriftScores()],
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: `${name}: alarms`, width: 24, height: 2, alarms: [...monitor.alarms] }));
    for (const variant of monitor.variants) this.dashboard.addWidgets(...this.variantWidgets(name, variant, monitor.latencyP99Threshold));
  }

  private variantWidgets(monitorName: string, variant: EndpointMetricFactory, latencyP99Threshold: Duration): cloudwatch.IWidget[] {
    const title = `${monitorName}: ${variant.endpointName}/${variant.variantName}`;
    const invocations = variant.metricInvocations({ label: 'invocations' });
    return [
      new cloudwatch.GraphWidget({
        title: `${title} invocations`,
        width: 8,
        left: [invocations, cloudwatch.Metric.anomalyDetectionFor({ metric: invocations, stdDevs: INVOCATIONS_BAND_STD_DEVS, label: 'expected band' })],
      }),
      new cloudwatch.GraphWidget({
        title: `${title} model latency p99 (µs)`,
        width: 8,
        left: [variant.metricModelLatencyP99({ label: 'p99' })],
        leftAnnotations: [{ value: latencyP99Threshold.toMilliseconds() * 1000, label: 'latency alarm', color: cloudwatch.Color.RED }],
      }),
      new cloudwatch.GraphWidget({
        title: `${title} errors (% of invocations)`,
        width: 8,
        left: [variant.metricInvocationErrorRate('4XX', { label: '4XX %' }), variant.metricInvocationErrorRate('5XX', { label: '5XX %' })],
        leftYAxis: { min: 0, showUnits: false },
      }),
    ];
  }
}
