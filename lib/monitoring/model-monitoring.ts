import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DEPLOYMENTS_EVENT_SOURCE } from '../../lambda/deployments/adapters/eventbridge-deployment-events';
import { DEFAULT_MONITORING_NAMESPACE, MONITORING_PREFIXES } from '../../lambda/monitoring/core/monitoring-names';
import { TRAINING_DATA_PREFIX } from '../../lambda/shared/artifact-prefixes';
import { grantDownloadOf, grantUploadUnder } from '../shared/bucket-grants';
import { createPlatformBucket } from '../shared/platform-bucket';
import { PlatformCapability } from '../shared/platform-capability';
import type { PlatformFunction } from '../shared/platform-function';
import { createPlatformTable } from '../shared/platform-table';
import { requireWholeDays } from '../shared/props';
import { allowAlarmsToUseKey, createAlarmTopic } from './alarm-topic';
import { DriftCheckWorkflow } from './drift-check-workflow';
import { Monitor, type MonitorOptions } from './monitor';
import { MonitoringDashboard } from './monitoring-dashboard';

/** The operations the monitoring functions serve. */
export const MONITORING_OPERATIONS = [
  'collectData',
  'registerBaseline',
  'checkDrift',
  'sketchCaptureChunk',
  'retrainGate',
  'queryMonitoring',
  'createMonitor',
  'deleteMonitor',
  'monitorEvents',
] as const;
export type MonitoringOperation = (typeof MONITORING_OPERATIONS)[number];

/** How long fanned-out checks' manifests and partial sketches are kept: a check finishes within hours. */
const CHECK_WORK_RETENTION = Duration.days(7);

export interface ModelMonitoringProps {
  /** The platform's event bus, on which monitoring announces `DriftDetected` and `RetrainRequested`. */
  readonly eventBus: events.IEventBus;
  /** The model registry's table: checks resolve aliases and baselines check versions in it. */
  readonly registryTable: dynamodb.ITable;
  /** The registry's artifact bucket: `RegisterBaseline` profiles training data from its `training-data/` prefix, where `grantManageBaselines` lets callers upload. */
  readonly artifactBucket: s3.IBucket;
  /**
   * A customer-managed key for the monitoring table, bucket and alarm topics. Its key policy must
   * let CloudWatch alarms use it (added here for a key of this app).
   * @default - an AWS-owned key for the table, S3-managed keys for the bucket, unencrypted alarm
   * topics (the AWS managed key of SNS does not let CloudWatch alarms publish)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Where the monitoring bucket's server access logs go.
   * @default - a new log bucket, retained
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * What happens to the table, buckets and execution logs when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The CloudWatch namespace of the drift metrics.
   * @default DEFAULT_MONITORING_NAMESPACE ('MlopsPlatform/Monitoring')
   */
  readonly metricsNamespace?: string;
  /**
   * E-mail addresses told of every monitor's alarms and of failing drift checks.
   * @default - no subscriptions; subscribe to `alarmTopic` yourself
   */
  readonly alarmEmails?: readonly string[];
  /**
   * How long records collected by `CollectData` (`collected/`) are kept.
   * @default Duration.days(90)
   */
  readonly captureRetention?: Duration;
  /**
   * Windows up to this size of capture files are checked in one `CheckDrift` call; larger ones are
   * fanned out over chunks of a quarter of it.
   * @default Size.mebibytes(64)
   */
  readonly inlineWindowBytes?: Size;
  /**
   * How many chunks of a fanned-out check are sketched at once.
   * @default 10
   */
  readonly fanOutConcurrency?: number;
}

/**
 * Model monitoring: baselines of training data, production records captured by SageMaker or sent
 * through `CollectData`, scheduled drift checks by a Step Functions workflow that fans large
 * windows out, drift metrics, alarms, retrain requests on the platform bus, and a dashboard. Add
 * one monitor per model (or alias) with `addMonitor`.
 */
export class ModelMonitoring extends PlatformCapability<MonitoringOperation> {
  readonly table: dynamodb.Table;
  readonly monitoringBucket: s3.Bucket;
  /** The registry's artifact bucket, whose `training-data/` baselines are profiled from. */
  readonly artifactBucket: s3.IBucket;
  /** Where every monitor's alarms and failing drift checks are told. */
  readonly alarmTopic: sns.Topic;
  /** One drift check of one monitor's window. */
  readonly driftCheck: sfn.StateMachine;
  readonly eventBus: events.IEventBus;
  readonly metricsNamespace: string;
  readonly functions: Readonly<Record<MonitoringOperation, PlatformFunction>>;
  /** Alarms when drift checks fail: a failed check publishes no drift metric, so its drift alarm cannot fire. */
  readonly driftCheckFailuresAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  private readonly dashboardRows: MonitoringDashboard;
  private readonly monitorIds = new Map<string, string>();

  constructor(scope: Construct, id: string, props: ModelMonitoringProps) {
    super(scope, id, 'monitoring');
    const captureRetention = props.captureRetention ?? Duration.days(90);
    requireWholeDays('captureRetention', captureRetention);
    const inlineWindowBytes = (props.inlineWindowBytes ?? Size.mebibytes(64)).toBytes();
    if (inlineWindowBytes < 1024 * 1024 || inlineWindowBytes > 512 * 1024 * 1024) {
      throw new Error(
        `inlineWindowBytes must be between 1 MiB and 512 MiB (CheckDrift holds the window's capture text in 1769 MB), got ${inlineWindowBytes} bytes`,
      );
    }
    const fanOutConcurrency = props.fanOutConcurrency ?? 10;
    if (!Number.isInteger(fanOutConcurrency) || fanOutConcurrency < 1 || fanOutConcurrency > 10_000) {
      throw new Error(`fanOutConcurrency must be a whole number from 1 to 10000 (Distributed Map's limit), got ${fanOutConcurrency}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.eventBus = props.eventBus;
    this.artifactBucket = props.artifactBucket;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_MONITORING_NAMESPACE;

    this.table = createPlatformTable(this, 'Table', { encryptionKey: props.encryptionKey, removalPolicy, indexes: {} });
    this.monitoringBucket = createPlatformBucket(this, 'Bucket', {
      purpose: 'monitoring',
      encryptionKey: props.encryptionKey,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: 'monitoring/',
      lifecycleRules: [
        { id: 'expire-collected-records', prefix: MONITORING_PREFIXES.collected, expiration: captureRetention },
        { id: 'expire-check-work', prefix: MONITORING_PREFIXES.checks, expiration: CHECK_WORK_RETENTION },
      ],
      removalPolicy,
    });
    const { baselines, collected, captured, reports, checks } = MONITORING_PREFIXES;

    const collectData = this.addFunction('CollectData', {
      description: "Stores a batch of production records for drift checks, in SageMaker's capture format.",
    });
    collectData.bindBucketPrefixes(this.monitoringBucket, 'MONITORING_BUCKET_NAME', { write: [collected] });
    collectData.bindMetricNamespace(this.metricsNamespace, 'MONITORING_METRICS_NAMESPACE');

    const registerBaseline = this.addFunction('RegisterBaseline', {
      description: "Profiles a model version's training data (or takes a profile) as its drift baseline.",
      // Memory buys CPU: 1769 MB is one full vCPU for profiling large CSVs.
      memorySize: 1769,
      timeout: Duration.minutes(5),
    });
    registerBaseline.bindBucketPrefixes(this.monitoringBucket, 'MONITORING_BUCKET_NAME', { write: [baselines] });
    // A version's baseline is replaced only when asked: the function reads whether it has one.
    registerBaseline.bindTable(this.table, 'MONITORING_TABLE_NAME', ['GetItem', 'PutItem']);
    registerBaseline.bindTable(props.registryTable, 'REGISTRY_TABLE_NAME', ['GetItem']);
    // Training data only under training-data/, where grantManageBaselines lets callers upload; a missing file answers 403, told to the caller as such.
    registerBaseline.bindBucketPrefixes(props.artifactBucket, 'ARTIFACT_BUCKET_NAME', { read: [TRAINING_DATA_PREFIX] });

    const checkDrift = this.addFunction('CheckDrift', {
      description: "Plans and finishes a drift check: lists the window's capture, sketches or fans out, compares with the baseline.",
      memorySize: 1769,
      timeout: Duration.minutes(15),
    });
    // Deployments' capture (captured/) is granted whole: a monitor stored at runtime may check any deployment's.
    checkDrift.bindBucketPrefixes(this.monitoringBucket, 'MONITORING_BUCKET_NAME', {
      read: [baselines, collected, captured, checks],
      write: [reports, checks],
      list: [collected, captured, checks],
    });
    checkDrift.bindTable(this.table, 'MONITORING_TABLE_NAME', ['PutItem']);
    checkDrift.bindTable(props.registryTable, 'REGISTRY_TABLE_NAME', ['GetItem']);
    checkDrift.bindMetricNamespace(this.metricsNamespace, 'MONITORING_METRICS_NAMESPACE');
    checkDrift.bindEventBus(this.eventBus);
    checkDrift.addEnvironment('INLINE_WINDOW_BYTES', String(inlineWindowBytes));

    const sketchCaptureChunk = this.addFunction('SketchCaptureChunk', {
      description: "Sketches one chunk of a fanned-out drift check's capture files.",
      memorySize: 1769,
      timeout: Duration.minutes(15),
    });
    sketchCaptureChunk.bindBucketPrefixes(this.monitoringBucket, 'MONITORING_BUCKET_NAME', { read: [baselines, collected, captured], write: [checks] });

    const retrainGate = this.addFunction('RetrainGate', {
      description: 'Turns a drift alarm into one RetrainRequested event per drift episode and cooldown.',
    });
    retrainGate.bindTable(this.table, 'MONITORING_TABLE_NAME', ['UpdateItem']);
    retrainGate.bindEventBus(this.eventBus);

    const queryMonitoring = this.addFunction('QueryMonitoring', { description: 'Answers monitoring queries: monitors, checks, reports and baselines.' });
    queryMonitoring.bindTable(this.table, 'MONITORING_TABLE_NAME', ['GetItem', 'Query']);
    queryMonitoring.bindBucketPrefixes(this.monitoringBucket, 'MONITORING_BUCKET_NAME', { read: [reports] });

    this.driftCheck = new DriftCheckWorkflow(this, 'DriftCheck', {
      checkDrift,
      sketchCaptureChunk,
      monitoringBucket: this.monitoringBucket,
      fanOutConcurrency,
      removalPolicy,
    }).stateMachine;

    const { createMonitor, deleteMonitor, monitorEvents } = this.addStoredMonitorFunctions(props.registryTable);
    this.functions = {
      collectData,
      registerBaseline,
      checkDrift,
      sketchCaptureChunk,
      retrainGate,
      queryMonitoring,
      createMonitor,
      deleteMonitor,
      monitorEvents,
    };

    if (props.encryptionKey) allowAlarmsToUseKey(props.encryptionKey);
    this.alarmTopic = createAlarmTopic(this, 'AlarmTopic', {
      description: 'MLOps platform monitoring alarms',
      encryptionKey: props.encryptionKey,
      emails: props.alarmEmails,
    });
    this.driftCheckFailuresAlarm = new cloudwatch.Alarm(this, 'DriftCheckFailures', {
      alarmDescription:
        "Drift checks failed in the last hour: a failed check publishes no drift metric, so its monitor cannot alarm on drift. See the DriftCheck state machine's failed executions.",
      metric: this.driftCheck.metricFailed({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.driftCheckFailuresAlarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    this.driftCheckFailuresAlarm.addOkAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    this.dashboardRows = new MonitoringDashboard(this, 'Dashboard', {
      metricsNamespace: this.metricsNamespace,
      functions: this.functions,
      table: this.table,
      driftCheck: this.driftCheck,
      driftCheckFailuresAlarm: this.driftCheckFailuresAlarm,
    });
    this.dashboard = this.dashboardRows.dashboard;
  }

  /**
   * Monitors a model (one version, or the version an alias points at) for drift: a schedule that
   * checks each window of its production records against the version's baseline, a drift alarm,
   * retrain requests when it fires, and with an endpoint, traffic, latency and error alarms.
   */
  addMonitor(id: string, options: MonitorOptions): Monitor {
    const taken = this.monitorIds.get(options.monitorName);
    if (taken !== undefined) {
      throw new Error(
        `monitorName "${options.monitorName}" is already used by monitor "${taken}"; monitors need names of their own (metrics and keys are named by it)`,
      );
    }
    const monitor = new Monitor(this, id, {
      ...options,
      monitoringBucket: this.monitoringBucket,
      metricsNamespace: this.metricsNamespace,
      driftCheck: this.driftCheck,
      retrainGate: this.functions.retrainGate,
      alarmTopic: this.alarmTopic,
      eventBus: this.eventBus,
    });
    this.monitorIds.set(options.monitorName, id);
    if (options.capture) this.grantCaptureRead(options.capture.bucket, options.capture.prefix);
    this.dashboardRows.addMonitor(monitor);
    return monitor;
  }

  /**
   * Lets the stored monitors follow deployments: a deployment going into service gets a monitor of its capture
   * (its model version's baseline; the alias it follows), moved with each rollout and deleted with it; and
   * `mlops monitor create --deployment` may name one. Without it, monitors check what `CollectData` stores.
   */
  watchDeployments(deploymentsTable: dynamodb.ITable): void {
    for (const fn of [this.functions.createMonitor, this.functions.monitorEvents]) fn.bindTable(deploymentsTable, 'DEPLOYMENTS_TABLE_NAME', ['GetItem']);
    new events.Rule(this, 'DeploymentStateChanges', {
      eventBus: this.eventBus,
      description: 'Deployments going into service or deleted: their monitors follow (made, moved to the version served, deleted).',
      eventPattern: { source: [DEPLOYMENTS_EVENT_SOURCE], detailType: ['DeploymentStateChanged'], detail: { to: ['IN_SERVICE', 'DELETED'] } },
      targets: [new targets.LambdaFunction(this.functions.monitorEvents)],
    });
  }

  /** Lets `grantee` store and delete monitors (invoke `CreateMonitor` and `DeleteMonitor`), checked with no redeploy. */
  grantManageMonitors(grantee: iam.IGrantable): iam.Grant {
    return this.functions.createMonitor.grantInvoke(grantee).combine(this.functions.deleteMonitor.grantInvoke(grantee));
  }

  /** Lets `grantee` send production records to monitors (invoke `CollectData`). */
  grantCollect(grantee: iam.IGrantable): iam.Grant {
    return this.functions.collectData.grantInvoke(grantee);
  }

  /**
   * Lets `grantee` read monitors, checks, reports and baselines (invoke `QueryMonitoring`), and the
   * HTML reports themselves (`reports/` of the monitoring bucket), which `monitor report --html` reads.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const reports = grantDownloadOf(this.monitoringBucket, grantee, [`${MONITORING_PREFIXES.reports}*`]);
    return this.functions.queryMonitoring.grantInvoke(grantee).combine(reports);
  }

  /**
   * Lets `grantee` register baselines: invoke `RegisterBaseline` and upload training data under
   * `training-data/*` of the artifact bucket, the one place `RegisterBaseline` profiles it from.
   */
  grantManageBaselines(grantee: iam.IGrantable): iam.Grant {
    return grantUploadUnder(this.artifactBucket, grantee, [TRAINING_DATA_PREFIX]).combine(this.functions.registerBaseline.grantInvoke(grantee));
  }

  /** The functions of the monitors the platform stores, and the schedule that checks them when due. */
  private addStoredMonitorFunctions(registryTable: dynamodb.ITable) {
    const createMonitor = this.addFunction('CreateMonitor', {
      description: "Stores a monitor (a version's or alias's baseline against a deployment's capture or collected records), checked with no redeploy.",
    });
    // A monitor is refused without a baseline: its version, alias and baseline are read first.
    createMonitor.bindTable(this.table, 'MONITORING_TABLE_NAME', ['GetItem', 'PutItem']);
    createMonitor.bindTable(registryTable, 'REGISTRY_TABLE_NAME', ['GetItem']);
    // It names the bucket in the monitor it stores; it reads and writes nothing there.
    createMonitor.addEnvironment('MONITORING_BUCKET_NAME', this.monitoringBucket.bucketName);

    const deleteMonitor = this.addFunction('DeleteMonitor', { description: 'Deletes a stored monitor; its checks and reports stay.' });
    deleteMonitor.bindTable(this.table, 'MONITORING_TABLE_NAME', ['DeleteItem']);

    const monitorEvents = this.addFunction('MonitorEvents', {
      description: "Each minute, starts the drift check of every stored monitor that is due; keeps deployments' monitors in step with them.",
    });
    monitorEvents.bindTable(this.table, 'MONITORING_TABLE_NAME', ['GetItem', 'PutItem', 'DeleteItem', 'Query', 'UpdateItem']);
    monitorEvents.bindTable(registryTable, 'REGISTRY_TABLE_NAME', ['GetItem']);
    monitorEvents.addEnvironment('MONITORING_BUCKET_NAME', this.monitoringBucket.bucketName);
    monitorEvents.addEnvironment('DRIFT_CHECK_STATE_MACHINE_ARN', this.driftCheck.stateMachineArn);
    this.driftCheck.grantStartExecution(monitorEvents);
    new events.Rule(this, 'StoredMonitorSchedule', {
      description: 'Starts the drift check of each stored monitor whose window has ended.',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(monitorEvents)],
    });
    return { createMonitor, deleteMonitor, monitorEvents };
  }

  /** Lets the drift check read a SageMaker capture destination: its objects under `prefix`, and listing them. */
  private grantCaptureRead(bucket: s3.IBucket, prefix: string): void {
    // Only the plan lists capture files; a chunk reads the keys the plan gave it.
    this.functions.checkDrift.grantBucketPrefixes(bucket, { read: [prefix], list: [prefix] });
    this.functions.sketchCaptureChunk.grantBucketPrefixes(bucket, { read: [prefix] });
  }
}
