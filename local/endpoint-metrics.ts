import {
  type CloudWatchClient,
  type MetricAlarm,
  type MetricDatum,
  PutMetricDataCommand,
  paginateDescribeAlarms,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';

/**
 * What CloudWatch does for SageMaker endpoints, on this machine: the local SageMaker Runtime records each
 * invocation here, per fleet (endpoint, variant and endpoint config); every `AWS/SageMaker` metric alarm on moto
 * (which stores alarms but never evaluates them) is evaluated against those invocations as CloudWatch would
 * (its statistic over each period, `DatapointsToAlarm` of the last `EvaluationPeriods` breaching, missing data as
 * `TreatMissingData` says) and its state set on moto with `SetAlarmState` when it changes. So the deployed rollback
 * logic runs unchanged: SageMaker's auto-rollback (the local hosting reads the states) and the platform's own bake on
 * serverless (`DescribeAlarms`). Each finished minute is also published with `PutMetricData` (Invocations,
 * Invocation4XXErrors, Invocation5XXErrors, ModelLatency by EndpointName and VariantName, and with EndpointConfigName
 * too, as SageMaker publishes a blue/green update's new fleet) for charts.
 */

export interface InvocationSample {
  readonly endpoint: string;
  readonly variant: string;
  readonly endpointConfig: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** The container's HTTP status (SageMaker counts 4xx and 5xx answers of the model). */
  readonly status: number;
  /** How long the container took, in microseconds (SageMaker's unit for ModelLatency). */
  readonly modelLatencyUs: number;
}

export interface EndpointMetricsOptions {
  readonly cloudWatch: CloudWatchClient;
  /**
   * How long a CloudWatch minute lasts here: alarm periods and published minutes scale with it.
   * @default 60_000 (real time)
   */
  readonly minuteMs?: number;
  /** @default - silent */
  readonly log?: (line: string) => void;
}

const MINUTE_MS = 60_000;
const NAMESPACE = 'AWS/SageMaker';
/** Invocations older than this many minutes are forgotten (longer than any rollback alarm looks back). */
const RETAINED_MINUTES = 60;

/** The value of each SageMaker metric for one invocation. */
const METRICS: Record<string, (sample: InvocationSample) => number> = {
  Invocations: () => 1,
  Invocation4XXErrors: ({ status }) => (status >= 400 && status < 500 ? 1 : 0),
  Invocation5XXErrors: ({ status }) => (status >= 500 ? 1 : 0),
  ModelLatency: ({ modelLatencyUs }) => modelLatencyUs,
};

export class EndpointMetrics {
  private samples: InvocationSample[] = [];
  private readonly minuteMs: number;
  private timer?: NodeJS.Timeout;
  private evaluating?: Promise<void>;
  /** The minutes before this are published. */
  private publishedUntil = 0;

  constructor(private readonly options: EndpointMetricsOptions) {
    this.minuteMs = options.minuteMs ?? MINUTE_MS;
  }

  record(sample: InvocationSample): void {
    this.samples.push(sample);
  }

  /** Evaluates the alarms four times a minute (of `minuteMs`), so a rollout's bake sees a change soon. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.evaluating ??= this.evaluate()
        .catch((error: unknown) => this.options.log?.(`alarm evaluation failed: ${(error as Error).message}`))
        .finally(() => {
          this.evaluating = undefined;
        });
    }, this.minuteMs / 4);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.evaluating;
  }

  /** Sets each SageMaker alarm's state from the invocations, and publishes the minutes finished since the last time. */
  async evaluate(now = Date.now()): Promise<void> {
    this.samples = this.samples.filter(({ at }) => at >= now - RETAINED_MINUTES * this.minuteMs);
    for await (const page of paginateDescribeAlarms({ client: this.options.cloudWatch }, { AlarmTypes: ['MetricAlarm'] })) {
      for (const alarm of page.MetricAlarms ?? []) {
        if (alarm.Namespace !== NAMESPACE) continue;
        const state = alarmState(alarm, this.samples, now, this.minuteMs);
        if (!state || state.value === alarm.StateValue) continue;
        await this.options.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarm.AlarmName, StateValue: state.value, StateReason: state.reason }));
        this.options.log?.(`alarm ${alarm.AlarmName}: ${state.value} (${state.reason})`);
      }
    }
    await this.publish(now);
  }

  private async publish(now: number): Promise<void> {
    const until = minuteStart(now, this.minuteMs);
    const data = minuteData(this.samples, this.publishedUntil, until, this.minuteMs);
    this.publishedUntil = until;
    // PutMetricData takes 1000 values a call.
    for (let start = 0; start < data.length; start += 1000) {
      await this.options.cloudWatch.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(start, start + 1000) }));
    }
  }
}

const minuteStart = (time: number, minuteMs: number) => Math.floor(time / minuteMs) * minuteMs;

/**
 * The state CloudWatch would give `alarm` at `now` from these invocations: each of its last `EvaluationPeriods`
 * finished periods is breaching, not, or missing; `DatapointsToAlarm` breaching ones (missing ones counted as
 * `TreatMissingData` says) make ALARM. `undefined` for an alarm on a metric or statistic SageMaker does not publish.
 */
export function alarmState(
  alarm: MetricAlarm,
  samples: readonly InvocationSample[],
  now: number,
  minuteMs: number,
): { value: StateValue; reason: string } | undefined {
  const metric = METRICS[alarm.MetricName ?? ''];
  const statistic = statisticOf(alarm);
  if (!metric || !statistic || alarm.Threshold === undefined) return undefined;
  const periodMs = ((alarm.Period ?? 60) / 60) * minuteMs;
  const periods = alarm.EvaluationPeriods ?? 1;
  const needed = alarm.DatapointsToAlarm ?? periods;
  const end = Math.floor(now / periodMs) * periodMs;
  const matching = samples.filter((sample) => matches(alarm, sample));
  const values = Array.from({ length: periods }, (_, index) => {
    const from = end - (index + 1) * periodMs;
    const inPeriod = matching.filter(({ at }) => at >= from && at < from + periodMs).map(metric);
    return inPeriod.length === 0 ? undefined : statistic(inPeriod);
  });
  const missing = values.filter((value) => value === undefined).length;
  const breaching = values.filter((value) => value !== undefined && breaches(alarm, value)).length + (alarm.TreatMissingData === 'breaching' ? missing : 0);
  const shown = values.map((value) => (value === undefined ? 'no data' : String(Math.round(value * 1e6) / 1e6))).join(', ');
  if (breaching >= needed)
    return { value: 'ALARM', reason: `${breaching} of the last ${periods} periods breached the threshold ${alarm.Threshold} (${shown})` };
  if (missing === periods && (alarm.TreatMissingData ?? 'missing') === 'missing')
    return { value: 'INSUFFICIENT_DATA', reason: 'no data in the evaluation periods' };
  return { value: 'OK', reason: `${breaching} of the last ${periods} periods breached the threshold ${alarm.Threshold} (${shown})` };
}

/** An invocation counts for an alarm when every dimension the alarm names has the invocation's value. */
function matches(alarm: MetricAlarm, sample: InvocationSample): boolean {
  const dimensions: Record<string, string> = { EndpointName: sample.endpoint, VariantName: sample.variant, EndpointConfigName: sample.endpointConfig };
  return (alarm.Dimensions ?? []).every(({ Name, Value }) => Name !== undefined && dimensions[Name] === Value);
}

function statisticOf(alarm: MetricAlarm): ((values: number[]) => number) | undefined {
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(alarm.ExtendedStatistic ?? '')?.[1];
  if (percentile !== undefined) {
    // Nearest rank: the smallest value with at least p% of the values at or below it.
    return (values) => [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil((Number(percentile) / 100) * values.length) - 1)];
  }
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const statistics: Record<string, (values: number[]) => number> = {
    Average: (values) => sum(values) / values.length,
    Sum: sum,
    SampleCount: (values) => values.length,
    Minimum: (values) => Math.min(...values),
    Maximum: (values) => Math.max(...values),
  };
  return statistics[alarm.Statistic ?? ''];
}

function breaches(alarm: MetricAlarm, value: number): boolean {
  const threshold = alarm.Threshold!;
  switch (alarm.ComparisonOperator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      return false;
  }
}

/** Each fleet's minutes in `[from, until)`, as SageMaker publishes them: by endpoint and variant, and with the config too. */
function minuteData(samples: readonly InvocationSample[], from: number, until: number, minuteMs: number): MetricDatum[] {
  const groups = new Map<string, InvocationSample[]>();
  for (const sample of samples) {
    if (sample.at < from || sample.at >= until) continue;
    const key = JSON.stringify([sample.endpoint, sample.variant, sample.endpointConfig, minuteStart(sample.at, minuteMs)]);
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.entries()].flatMap(([key, group]) => {
    const [endpoint, variant, endpointConfig, minute] = JSON.parse(key) as [string, string, string, number];
    const base = [
      { Name: 'EndpointName', Value: endpoint },
      { Name: 'VariantName', Value: variant },
    ];
    return [base, [...base, { Name: 'EndpointConfigName', Value: endpointConfig }]].flatMap((Dimensions) =>
      Object.entries(METRICS).flatMap(([MetricName, metric]): MetricDatum[] => {
        const values = group.map(metric);
        const datum = { MetricName, Dimensions, Timestamp: new Date(minute), Unit: MetricName === 'ModelLatency' ? 'Microseconds' : 'None' } as const;
        // Latencies go as values, so CloudWatch (moto here) can answer their percentiles; counts as statistics.
        if (MetricName === 'ModelLatency') return valueBatches(values).map((batch) => ({ ...datum, ...batch }));
        return [
          {
            ...datum,
            StatisticValues: {
              SampleCount: values.length,
              Sum: values.reduce((total, value) => total + value, 0),
              Minimum: Math.min(...values),
              Maximum: Math.max(...values),
            },
          },
        ];
      }),
    );
  });
}

/** PutMetricData's `Values` and `Counts`: at most 150 distinct values a datum. */
const VALUES_PER_DATUM = 150;

function valueBatches(values: readonly number[]): { Values: number[]; Counts: number[] }[] {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const distinct = [...counts.entries()];
  return Array.from({ length: Math.ceil(distinct.length / VALUES_PER_DATUM) }, (_, index) => {
    const batch = distinct.slice(index * VALUES_PER_DATUM, (index + 1) * VALUES_PER_DATUM);
    return { Values: batch.map(([value]) => value), Counts: batch.map(([, count]) => count) };
  });
}
