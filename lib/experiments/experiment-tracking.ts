import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { SEARCH_INDEX, SEARCH_PROJECTION } from '../../lambda/experiments/adapters/run-search-index';
import { RUN_METRIC_DIMENSIONS } from '../../lambda/experiments/core/cloudwatch-batching';
import { PLATFORM_METRICS, PLATFORM_METRICS_NAMESPACE } from '../../lambda/shared/platform-metrics';
import { PlatformCapability } from '../shared/platform-capability';
import { platformMetric } from '../shared/platform-metric';
import { createPlatformTable } from '../shared/platform-table';
import { ExperimentsDashboard } from './experiments-dashboard';

/** The operations the tracking functions serve. */
export const TRACKING_OPERATIONS = ['startRun', 'logMetrics', 'endRun', 'queryRuns', 'sweepRuns'] as const;
export type TrackingOperation = (typeof TRACKING_OPERATIONS)[number];

export interface ExperimentTrackingProps {
  /**
   * A customer-managed key for the tracking table.
   * @default - an AWS-owned key (no key charges)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long a running run may go without a heartbeat before the sweep declares it `CRASHED`.
   * Clients beat every 30 seconds while a run lives.
   * @default Duration.minutes(10)
   */
  readonly crashAfter?: Duration;
  /**
   * How long a run started through MLflow's API may be silent before the sweep declares it crashed.
   * MLflow's client sends no heartbeat: its runs are heard from only when they log, and one epoch of
   * a large model can take hours.
   * @default Duration.hours(24)
   */
  readonly mlflowCrashAfter?: Duration;
  /**
   * How often the sweep looks for silent runs.
   * @default Duration.minutes(5)
   */
  readonly sweepInterval?: Duration;
  /**
   * The CloudWatch namespace of the runs' metrics.
   * @default 'MlopsPlatform/Experiments'
   */
  readonly runMetricsNamespace?: string;
  /**
   * Metric names that get a graph of their own on the dashboard, one line per run.
   * @default ['loss', 'accuracy']
   */
  readonly dashboardMetrics?: readonly string[];
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Experiment tracking: experiments, runs, params, tags and full-fidelity metric history in one
 * DynamoDB table; the functions `StartRun`, `LogMetrics`, `EndRun` and `QueryRuns`; a scheduled
 * sweep that declares runs whose heartbeat stopped `CRASHED`; run metrics in CloudWatch with a
 * dashboard that finds new runs by itself.
 */
export class ExperimentTracking extends PlatformCapability<TrackingOperation> {
  /** Lists experiments and an experiment's runs (see lambda/experiments/adapters/table-keys.ts). */
  static readonly LISTING_INDEX = 'gsi1';
  /** Holds only running runs, by heartbeat: what the sweep reads. */
  static readonly RUNNING_INDEX = 'gsi2';
  /** Runs by experiment and last change, with their compact search fields: what MLflow's run search reads. */
  static readonly SEARCH_INDEX = SEARCH_INDEX;

  readonly table: dynamodb.Table;
  readonly runMetricsNamespace: string;
  readonly functions: Readonly<Record<TrackingOperation, lambda.IFunction>>;
  readonly sweepSchedule: events.Rule;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ExperimentTrackingProps = {}) {
    super(scope, id, 'experiments');
    const crashAfter = props.crashAfter ?? Duration.minutes(10);
    const sweepInterval = props.sweepInterval ?? Duration.minutes(5);
    if (!crashAfter.isUnresolved() && crashAfter.toSeconds() < 60) {
      throw new Error(`crashAfter must be at least a minute (two client heartbeats), got ${crashAfter.toHumanString()}`);
    }
    if (!sweepInterval.isUnresolved() && (sweepInterval.toSeconds() < 60 || sweepInterval.toSeconds() % 60 !== 0)) {
      throw new Error(`sweepInterval must be a whole number of minutes (EventBridge schedules), got ${sweepInterval.toHumanString()}`);
    }
    this.runMetricsNamespace = props.runMetricsNamespace ?? `${PLATFORM_METRICS_NAMESPACE}/Experiments`;

    this.table = createPlatformTable(this, 'Table', {
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
      indexes: {
        [ExperimentTracking.LISTING_INDEX]: dynamodb.ProjectionType.ALL,
        [ExperimentTracking.RUNNING_INDEX]: dynamodb.ProjectionType.KEYS_ONLY,
        [ExperimentTracking.SEARCH_INDEX]: { include: SEARCH_PROJECTION },
      },
    });

    const startRun = this.addFunction('StartRun', { description: 'Starts a run of an experiment: its number, params, tags, source and first heartbeat.' });
    startRun.bindTable(this.table, 'EXPERIMENTS_TABLE_NAME', ['GetItem', 'PutItem', 'UpdateItem']);

    const logMetrics = this.addFunction('LogMetrics', {
      description: "Stores a batch of a run's metric points, params and tags atomically, and sends the points to CloudWatch.",
    });
    logMetrics.bindTable(this.table, 'EXPERIMENTS_TABLE_NAME', ['GetItem', 'PutItem', 'UpdateItem']);
    logMetrics.bindMetricNamespace(this.runMetricsNamespace, 'RUN_METRICS_NAMESPACE');

    const endRun = this.addFunction('EndRun', { description: 'Ends a run: COMPLETED, FAILED or KILLED.' });
    endRun.bindTable(this.table, 'EXPERIMENTS_TABLE_NAME', ['GetItem', 'UpdateItem']);

    const queryRuns = this.addFunction('QueryRuns', { description: 'Answers tracking queries: runs, experiments, metric history.' });
    queryRuns.bindTable(this.table, 'EXPERIMENTS_TABLE_NAME', ['GetItem', 'BatchGetItem', 'Query'], [ExperimentTracking.LISTING_INDEX]);

    const sweepRuns = this.addFunction('SweepRuns', { description: 'Declares runs whose heartbeat stopped CRASHED.' });
    sweepRuns.bindTable(this.table, 'EXPERIMENTS_TABLE_NAME', ['GetItem', 'UpdateItem'], [ExperimentTracking.RUNNING_INDEX]);
    sweepRuns.addEnvironment('CRASH_AFTER_SECONDS', String(crashAfter.toSeconds()));
    const mlflowCrashAfter = props.mlflowCrashAfter ?? Duration.hours(24);
    if (!mlflowCrashAfter.isUnresolved() && !crashAfter.isUnresolved() && mlflowCrashAfter.toSeconds() < crashAfter.toSeconds()) {
      throw new Error(`mlflowCrashAfter (${mlflowCrashAfter.toHumanString()}) must be at least crashAfter (${crashAfter.toHumanString()})`);
    }
    sweepRuns.addEnvironment('MLFLOW_CRASH_AFTER_SECONDS', String(mlflowCrashAfter.toSeconds()));

    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: 'Runs the heartbeat sweep of experiment tracking.',
      schedule: events.Schedule.rate(sweepInterval),
      targets: [new targets.LambdaFunction(sweepRuns, { retryAttempts: 2, maxEventAge: sweepInterval })],
    });

    this.functions = { startRun, logMetrics, endRun, queryRuns, sweepRuns };
    this.dashboard = new ExperimentsDashboard(this, 'Dashboard', {
      runMetricsNamespace: this.runMetricsNamespace,
      functions: this.functions,
      runsStarted: this.metricRunsStarted(),
      runsInProgress: this.metricRunsInProgress(),
      dashboardMetrics: props.dashboardMetrics ?? ['loss', 'accuracy'],
    }).dashboard;
  }

  /** Lets `grantee` track runs: start them, log to them and end them. */
  grantTrack(grantee: iam.IGrantable): iam.Grant {
    const { startRun, logMetrics, endRun } = this.functions;
    return startRun.grantInvoke(grantee).combine(logMetrics.grantInvoke(grantee)).combine(endRun.grantInvoke(grantee));
  }

  /** Lets `grantee` read runs, experiments and metric histories. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.functions.queryRuns.grantInvoke(grantee);
  }

  /** Runs started (`RunsStarted`, sum). */
  metricRunsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return platformMetric({ service: 'StartRun', metricName: PLATFORM_METRICS.runsStarted, statistic: cloudwatch.Stats.SUM }, props);
  }

  /** Runs ended with `status` (`RunsEnded`, sum); `CRASHED` runs are counted by the sweep. */
  metricRunsEnded(status: 'COMPLETED' | 'FAILED' | 'KILLED' | 'CRASHED', props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const service = status === 'CRASHED' ? 'SweepRuns' : 'EndRun';
    return platformMetric({ service, metricName: PLATFORM_METRICS.runsEnded, statistic: cloudwatch.Stats.SUM, dimensions: { status } }, props);
  }

  /** Runs running at each sweep (`RunsInProgress`, maximum). */
  metricRunsInProgress(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return platformMetric({ service: 'SweepRuns', metricName: PLATFORM_METRICS.runsInProgress, statistic: cloudwatch.Stats.MAXIMUM }, props);
  }

  /** One metric of one run, as LogMetrics sends it (for alarms on a production training run). */
  metricOfRun(experiment: string, runId: string, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const [experimentDimension, runDimension] = RUN_METRIC_DIMENSIONS;
    return new cloudwatch.Metric({
      namespace: this.runMetricsNamespace,
      metricName,
      dimensionsMap: { [experimentDimension]: experiment, [runDimension]: runId },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(1),
      ...props,
    });
  }
}
