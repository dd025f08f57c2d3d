import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type CategoricalMethod, DEFAULT_THRESHOLDS, type DriftThresholds, type NumericMethod } from '../../lambda/monitoring/core/drift/drift-policy';
import { MONITORING_EVENT_SOURCE, MONITORING_EVENTS, MONITORING_PREFIXES } from '../../lambda/monitoring/core/monitoring-names';
import { MonitorConfig, MonitorName } from '../../lambda/monitoring/core/schemas';
import { definedOnly } from '../shared/props';
import { createAlarmTopic } from './alarm-topic';
import { DriftMetricFactory, EndpointMetricFactory } from './monitoring-metrics';

/** Where SageMaker data capture writes a monitored endpoint's records. */
export interface MonitorCapture {
  /** The capture destination's bucket. */
  readonly bucket: s3.IBucket;
  /**
   * The key prefix down to the endpoint's folder (`<destination prefix>/<endpoint name>/`), ending
   * with `/`; the variants' hour folders are beneath it.
   */
  readonly prefix: string;
}

/** The SageMaker endpoint serving the monitored model. */
export interface MonitoredEndpoint {
  readonly endpointName: string;
  /**
   * The production variants to watch; each serves a model version.
   * @default ['AllTraffic'] (SageMaker's name for a single variant)
   */
  readonly variantNames?: readonly string[];
}

export interface MonitorOptions {
  /** The monitor's name, in its metrics' `Monitor` dimension and its S3 keys: letters, digits, `-`, `_`. */
  readonly monitorName: string;
  /** The registered model whose baseline production records are compared with. */
  readonly model: string;
  /**
   * The version whose baseline is the reference. Give this or `alias`.
   * @default - `alias`
   */
  readonly version?: number;
  /**
   * An alias (`production`, ...) resolved at each check: the reference follows promotions. Give this or `version`.
   * @default - `version`
   */
  readonly alias?: string;
  /**
   * Where production records are: a SageMaker data capture destination.
   * @default - `collected/<monitorName>/` in the monitoring bucket, written by `CollectData`
   */
  readonly capture?: MonitorCapture;
  /**
   * The SageMaker endpoint serving the model: its traffic, latency and errors get widgets and alarms.
   * @default - no endpoint widgets or alarms
   */
  readonly endpoint?: MonitoredEndpoint;
  /**
   * How often a window is checked: whole minutes, at most 3.5 days (the drift alarm looks at two
   * schedules, and CloudWatch alarms look back at most 7 days).
   * @default Duration.hours(1)
   */
  readonly schedule?: Duration;
  /**
   * How much time of records each check compares (whole minutes, at most 7 days).
   * @default - the schedule
   */
  readonly window?: Duration;
  /**
   * A window with fewer records gets no verdict, so quiet hours do not alarm.
   * @default 100
   */
  readonly minRecords?: number;
  /**
   * Drift thresholds, each replacing its default.
   * @default - Evidently's (DEFAULT_THRESHOLDS): drift when half the features drift
   */
  readonly thresholds?: Partial<DriftThresholds>;
  /**
   * The method that decides whether a numeric feature drifted.
   * @default 'auto' - KS for small baselines, normalised Wasserstein beyond
   */
  readonly numericMethod?: NumericMethod | 'auto';
  /**
   * The method that decides whether a categorical feature drifted.
   * @default 'auto' - chi-square for small baselines, Jensen-Shannon beyond
   */
  readonly categoricalMethod?: CategoricalMethod | 'auto';
  /**
   * E-mail addresses told of this monitor's alarms only, through a topic of the monitor's own (the
   * construct's topic is told of every monitor's alarms).
   * @default - no topic of its own
   */
  readonly alarmEmails?: readonly string[];
  /**
   * With `endpoint`: the drift alarm fires only while the endpoint served at least this many
   * invocations in the window, so a drifted window of a few stray requests does not alarm.
   * @default - the drift alarm does not look at traffic
   */
  readonly minInvocations?: number;
  /**
   * With `endpoint`: each variant alarms when its p99 `ModelLatency` stays above this.
   * @default Duration.seconds(1)
   */
  readonly latencyP99Threshold?: Duration;
  /**
   * Where this monitor's `RetrainRequested` events go (a training pipeline).
   * @default - the events reach the platform bus only
   */
  readonly retrainTarget?: events.IRuleTarget;
  /**
   * After a retrain request, how long further drift alarms of the monitor request nothing.
   * @default Duration.hours(24)
   */
  readonly retrainCooldown?: Duration;
}

/** A monitor's options and what it uses of its `ModelMonitoring`. */
export interface MonitorProps extends MonitorOptions {
  /** Where `CollectData` writes: the monitor's records are under `collected/<monitorName>/` unless `capture` is given. */
  readonly monitoringBucket: s3.IBucket;
  /** The namespace of the drift metrics `CheckDrift` publishes. */
  readonly metricsNamespace: string;
  /** The drift check the schedule starts. */
  readonly driftCheck: sfn.IStateMachine;
  /** The function the drift alarm's rule invokes. */
  readonly retrainGate: lambda.IFunction;
  /** Told of every alarm of the monitor; its key, if any, also encrypts the monitor's own topic. */
  readonly alarmTopic: sns.ITopic;
  /** The bus the retrain requests are on. */
  readonly eventBus: events.IEventBus;
}

/** CloudWatch alarms look back at most 7 days; the drift alarm looks at two schedules. */
const MAX_SCHEDULE = Duration.hours(84);
const MAX_WINDOW = Duration.days(7);
/** Standard deviations of the Invocations anomaly band, on the alarm and the dashboard alike. */
export const INVOCATIONS_BAND_STD_DEVS = 3;
/** A variant alarms when more than this percentage of its invocations fail with 5XX errors. */
const SERVER_ERROR_RATE_PERCENT = 1;

/**
 * One monitored model: a schedule that starts a drift check of each window of its production
 * records, the drift alarm (on `DriftShare`, and with `minInvocations` on the endpoint's traffic
 * too), the rule that takes the alarm to the retrain gate, and with an endpoint, each variant's
 * traffic anomaly, 5XX rate and p99 latency alarms. Made by `ModelMonitoring.addMonitor`.
 */
export class Monitor extends Construct {
  readonly monitorName: string;
  /** What the schedule sends each check (the `MonitorConfig` contract of `CheckDrift`). */
  readonly config: MonitorConfig;
  readonly schedule: events.Rule;
  /** The alarm that requests retraining: on `DriftShare`, or composite with the endpoint's traffic when `minInvocations`. */
  readonly driftAlarm: cloudwatch.IAlarm;
  /** The `DriftShare` threshold of the drift alarm. */
  readonly driftShareThreshold: number;
  readonly minRecords: number;
  readonly schedulePeriod: Duration;
  readonly endpoint?: MonitoredEndpoint;
  /** The topic of `alarmEmails`, when given. */
  readonly alarmTopic?: sns.Topic;
  readonly latencyP99Threshold: Duration;
  /** The drift metrics of this monitor. */
  readonly driftMetrics: DriftMetricFactory;
  /** The endpoint metrics of each watched variant. */
  readonly variants: readonly EndpointMetricFactory[];
  /** Every alarm of the monitor that notifies: the drift alarm and the endpoint's alarms. */
  readonly alarms: readonly cloudwatch.IAlarm[];

  private readonly topics: readonly sns.ITopic[];

  constructor(scope: Construct, id: string, props: MonitorProps) {
    super(scope, id);
    validateOptions(props);
    this.monitorName = props.monitorName;
    this.schedulePeriod = props.schedule ?? Duration.hours(1);
    const window = props.window ?? this.schedulePeriod;
    this.endpoint = props.endpoint;
    this.latencyP99Threshold = props.latencyP99Threshold ?? Duration.seconds(1);
    const thresholds: DriftThresholds = { ...DEFAULT_THRESHOLDS, ...definedOnly(props.thresholds ?? {}) };
    this.driftShareThreshold = thresholds.driftShare;
    this.minRecords = props.minRecords ?? 100;
    this.config = {
      monitor: props.monitorName,
      model: props.model,
      ...(props.version !== undefined ? { version: props.version } : { alias: props.alias }),
      capture: props.capture
        ? { bucket: props.capture.bucket.bucketName, prefix: props.capture.prefix }
        : { bucket: props.monitoringBucket.bucketName, prefix: `${MONITORING_PREFIXES.collected}${props.monitorName}/` },
      windowMinutes: window.toMinutes(),
      minRecords: this.minRecords,
      thresholds,
      numericMethod: props.numericMethod ?? 'auto',
      categoricalMethod: props.categoricalMethod ?? 'auto',
    };
    validateConfig(this.config);

    this.driftMetrics = new DriftMetricFactory(props.metricsNamespace, props.monitorName, this.schedulePeriod);
    const endpoint = props.endpoint;
    this.variants = endpoint ? (endpoint.variantNames ?? ['AllTraffic']).map((variant) => new EndpointMetricFactory(endpoint.endpointName, variant)) : [];
    if (props.alarmEmails?.length) {
      this.alarmTopic = createAlarmTopic(this, 'AlarmTopic', {
        description: `Alarms of monitor ${props.monitorName}`,
        encryptionKey: props.alarmTopic.masterKey,
        emails: props.alarmEmails,
      });
    }
    this.topics = [props.alarmTopic, ...(this.alarmTopic ? [this.alarmTopic] : [])];

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Starts a drift check of monitor ${props.monitorName} every ${this.schedulePeriod.toHumanString()}.`,
      schedule: events.Schedule.rate(this.schedulePeriod),
      targets: [
        new targets.SfnStateMachine(props.driftCheck, {
          input: events.RuleTargetInput.fromObject({ config: this.config, windowEnd: events.EventField.time }),
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    const driftAlarm = this.createDriftAlarm(props);
    const alarms = [driftAlarm, ...this.variants.flatMap((variant) => this.createEndpointAlarms(variant))];
    for (const alarm of alarms) this.notify(alarm);
    this.driftAlarm = driftAlarm;
    this.alarms = alarms;

    new events.Rule(this, 'RetrainOnDrift', {
      description: `Takes the drift alarm of monitor ${props.monitorName} to the retrain gate.`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [this.driftAlarm.alarmArn],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [
        new targets.LambdaFunction(props.retrainGate, {
          event: events.RuleTargetInput.fromObject({
            monitor: props.monitorName,
            model: props.model,
            cooldownSeconds: (props.retrainCooldown ?? Duration.hours(24)).toSeconds(),
            alarmTime: events.EventField.time,
          }),
          retryAttempts: 2,
        }),
      ],
    });
    if (props.retrainTarget) {
      new events.Rule(this, 'RetrainRequested', {
        description: `Sends the retrain requests of monitor ${props.monitorName} to its training pipeline.`,
        eventBus: props.eventBus,
        eventPattern: {
          source: [MONITORING_EVENT_SOURCE],
          detailType: [MONITORING_EVENTS.retrainRequested],
          detail: { monitor: [props.monitorName] },
        },
        targets: [props.retrainTarget],
      });
    }
  }

  /** Share of compared features that drifted, per check (`DriftShare`, maximum over the schedule). */
  metricDriftShare(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.driftMetrics.metricDriftShare(props);
  }

  /** Features that drifted, per check (`DriftedFeatures`, maximum over the schedule). */
  metricDriftedFeatures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.driftMetrics.metricDriftedFeatures(props);
  }

  /** Records each check compared (`RecordsChecked`, sum over the schedule). */
  metricRecordsChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.driftMetrics.metricRecordsChecked(props);
  }

  /** One feature's drift score by one method (`FeatureDriftScore`, maximum over the schedule). */
  metricFeatureDriftScore(feature: string, method: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.driftMetrics.metricFeatureDriftScore(feature, method, props);
  }

  private createDriftAlarm(props: MonitorProps): cloudwatch.AlarmBase {
    const driftShare = new cloudwatch.Alarm(this, 'DriftShareAlarm', {
      alarmDescription: `Monitor ${props.monitorName}: at least ${percent(this.driftShareThreshold)} of the features of model ${props.model} drifted from its baseline in a check of the last two.`,
      metric: this.metricDriftShare(),
      threshold: this.driftShareThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // A check publishes one datapoint a schedule, minutes after its window ends. Looking at two
      // schedules keeps the alarm from dropping to OK between a drifted check and the next one.
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.minInvocations === undefined) return driftShare;

    const invocations = this.variants.map((variant) => variant.metricInvocations({ period: Duration.minutes(this.config.windowMinutes) }));
    const windowInvocations =
      invocations.length === 1
        ? invocations[0]
        : new cloudwatch.MathExpression({
            expression: `SUM([${invocations.map((_, index) => `v${index}`).join(', ')}])`,
            usingMetrics: Object.fromEntries(invocations.map((metric, index) => [`v${index}`, metric])),
            label: 'Invocations of all variants',
            period: Duration.minutes(this.config.windowMinutes),
          });
    const busy = new cloudwatch.Alarm(this, 'EnoughInvocationsAlarm', {
      alarmDescription: `Monitor ${props.monitorName}: endpoint ${props.endpoint!.endpointName} served at least ${props.minInvocations} invocations in the check window. No action: a condition of the drift alarm.`,
      metric: windowInvocations,
      threshold: props.minInvocations,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return new cloudwatch.CompositeAlarm(this, 'DriftAlarm', {
      alarmDescription: `Monitor ${props.monitorName}: model ${props.model} drifted while its endpoint was busy (at least ${props.minInvocations} invocations a window).`,
      alarmRule: cloudwatch.AlarmRule.allOf(
        cloudwatch.AlarmRule.fromAlarm(driftShare, cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.fromAlarm(busy, cloudwatch.AlarmState.ALARM),
      ),
    });
  }

  private createEndpointAlarms(variant: EndpointMetricFactory): cloudwatch.Alarm[] {
    const scope = new Construct(this, `Variant-${variant.variantName}`);
    const where = `Endpoint ${variant.endpointName}, variant ${variant.variantName}`;
    const latencyMicroseconds = this.latencyP99Threshold.toMilliseconds() * 1000;
    return [
      new cloudwatch.AnomalyDetectionAlarm(scope, 'InvocationsAnomalyAlarm', {
        alarmDescription: `${where}: invocations left their usual band for 15 minutes (a traffic drop or surge).`,
        metric: variant.metricInvocations(),
        stdDevs: INVOCATIONS_BAND_STD_DEVS,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        // An idle endpoint publishes nothing: keep the last state rather than call silence normal or anomalous.
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      }),
      new cloudwatch.Alarm(scope, 'ServerErrorRateAlarm', {
        alarmDescription: `${where}: more than ${SERVER_ERROR_RATE_PERCENT}% of invocations failed with 5XX errors in 2 of the last 3 five-minute periods.`,
        metric: variant.metricInvocationErrorRate('5XX'),
        threshold: SERVER_ERROR_RATE_PERCENT,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(scope, 'LatencyP99Alarm', {
        alarmDescription: `${where}: p99 model latency stayed above ${this.latencyP99Threshold.toHumanString()} for 15 minutes.`,
        metric: variant.metricModelLatencyP99(),
        threshold: latencyMicroseconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }

  private notify(alarm: cloudwatch.AlarmBase): void {
    for (const topic of this.topics) {
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      alarm.addOkAction(new cloudwatchActions.SnsAction(topic));
    }
  }
}

function validateOptions(props: MonitorProps): void {
  const name = props.monitorName;
  if (!Token.isUnresolved(name) && !MonitorName.safeParse(name).success) {
    throw new Error(`monitorName must be 1 to 64 characters, start with a letter or digit and hold only letters, digits, "-" and "_"; got "${name}"`);
  }
  if ((props.version === undefined) === (props.alias === undefined)) {
    const given = props.version === undefined ? 'neither' : `both (version ${props.version}, alias "${props.alias}")`;
    throw new Error(`monitor "${name}" needs exactly one of version and alias, got ${given}`);
  }
  const schedule = props.schedule ?? Duration.hours(1);
  if (!schedule.isUnresolved() && !wholeMinutesWithin(schedule, MAX_SCHEDULE)) {
    throw new Error(
      `schedule of monitor "${name}" must be a whole number of minutes from 1 minute to ${MAX_SCHEDULE.toHumanString()}, got ${schedule.toHumanString()}`,
    );
  }
  if (props.window && !props.window.isUnresolved() && !wholeMinutesWithin(props.window, MAX_WINDOW)) {
    throw new Error(`window of monitor "${name}" must be a whole number of minutes from 1 minute to 7 days, got ${props.window.toHumanString()}`);
  }
  const prefix = props.capture?.prefix;
  if (prefix !== undefined && !Token.isUnresolved(prefix) && (!/^([^/].*\/)?$/.test(prefix) || prefix.includes('*'))) {
    throw new Error(`capture prefix of monitor "${name}" must be empty or end with "/", and neither start with "/" nor hold "*"; got "${prefix}"`);
  }
  if (!props.endpoint) {
    for (const option of ['minInvocations', 'latencyP99Threshold'] as const) {
      if (props[option] !== undefined) throw new Error(`${option} of monitor "${name}" needs an endpoint to watch; give endpoint or leave ${option} out`);
    }
  }
  if (props.endpoint?.variantNames?.length === 0) {
    throw new Error(`endpoint.variantNames of monitor "${name}" must name at least one variant, or be left out for "AllTraffic"`);
  }
  if (props.minInvocations !== undefined && (!Number.isInteger(props.minInvocations) || props.minInvocations < 1)) {
    throw new Error(`minInvocations of monitor "${name}" must be a whole number, at least 1; got ${props.minInvocations}`);
  }
  const cooldown = props.retrainCooldown;
  if (cooldown && !cooldown.isUnresolved() && !Number.isInteger(cooldown.toSeconds({ integral: false }))) {
    throw new Error(`retrainCooldown of monitor "${name}" must be a whole number of seconds, got ${cooldown.toHumanString()}`);
  }
}

/** The config must be one `CheckDrift` accepts: the schema the handler parses it with decides. */
function validateConfig(config: MonitorConfig): void {
  // A bucket of this app has a token for a name; any valid name stands in for it.
  const checkable = Token.isUnresolved(config.capture.bucket) ? { ...config, capture: { ...config.capture, bucket: 'resolved-at-deployment' } } : config;
  const parsed = MonitorConfig.safeParse(checkable);
  if (parsed.success) return;
  const problems = parsed.error.issues.map((issue) => {
    const value = issue.path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], checkable);
    return `${issue.path.join('.')} ${issue.message} (got ${JSON.stringify(value)})`;
  });
  throw new Error(`monitor "${config.monitor}" has an invalid configuration: ${problems.join('; ')}`);
}

function wholeMinutesWithin(duration: Duration, max: Duration): boolean {
  const seconds = duration.toSeconds({ integral: false });
  return seconds >= 60 && seconds % 60 === 0 && seconds <= max.toSeconds();
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
