import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { MONITORING_METRICS } from '../../lambda/monitoring/core/monitoring-names';

/**
 * The metric factories of monitoring, kept apart from the alarms and widgets that use them: the
 * drift metrics the check publishes, and the SageMaker endpoint metrics of a monitored model.
 */

/** The drift metrics of one monitor, as `CheckDrift` publishes them once per check. */
export class DriftMetricFactory {
  constructor(
    private readonly namespace: string,
    private readonly monitorName: string,
    /** One datapoint per check: the schedule's period shows each check once. */
    private readonly period: Duration,
  ) {}

  /** Share of compared features that drifted (`DriftShare`, maximum). */
  metricDriftShare(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MONITORING_METRICS.driftShare, cloudwatch.Stats.MAXIMUM, props);
  }

  /** Features that drifted (`DriftedFeatures`, maximum). */
  metricDriftedFeatures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MONITORING_METRICS.driftedFeatures, cloudwatch.Stats.MAXIMUM, props);
  }

  /** Records a check sketched (`RecordsChecked`, sum). */
  metricRecordsChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MONITORING_METRICS.recordsChecked, cloudwatch.Stats.SUM, props);
  }

  /** One feature's score by one method (`FeatureDriftScore`, maximum). */
  metricFeatureDriftScore(feature: string, method: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MONITORING_METRICS.featureDriftScore, cloudwatch.Stats.MAXIMUM, {
      ...props,
      dimensionsMap: { Feature: feature, Method: method, ...props?.dimensionsMap },
    });
  }

  /**
   * Every feature's score by its deciding method, found by a SEARCH expression: a feature the model
   * gains after the deployment appears by itself. For graphs only; alarms cannot use SEARCH.
   */
  searchFeatureDriftScores(props: { readonly label?: string } = {}): cloudwatch.MathExpression {
    const schema = `{"${this.namespace}",Monitor,Feature,Method}`;
    return new cloudwatch.MathExpression({
      expression: `SEARCH('${schema} MetricName="${MONITORING_METRICS.featureDriftScore}" Monitor="${this.monitorName}"', 'Maximum', ${this.period.toSeconds()})`,
      label: props.label ?? '',
      usingMetrics: {},
      period: this.period,
    });
  }

  private metric(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      statistic,
      period: this.period,
      ...props,
      dimensionsMap: { Monitor: this.monitorName, ...props?.dimensionsMap },
    });
  }
}

/** A 4XX or 5XX invocation error of a SageMaker endpoint. */
export type InvocationErrorClass = '4XX' | '5XX';

/**
 * The `AWS/SageMaker` metrics of one production variant of an endpoint (each variant serves a
 * model version). SageMaker reports `ModelLatency` in microseconds.
 */
export class EndpointMetricFactory {
  constructor(
    readonly endpointName: string,
    readonly variantName: string,
  ) {}

  /** Requests sent to the variant (`Invocations`, sum over 5 minutes). */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', cloudwatch.Stats.SUM, props);
  }

  /** The model container's response time in microseconds (`ModelLatency`, p99 over 5 minutes). */
  metricModelLatencyP99(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', cloudwatch.Stats.p(99), props);
  }

  /** Invocations that failed with a 4XX or 5XX error (`Invocation4XXErrors` / `Invocation5XXErrors`, sum). */
  metricInvocationErrors(errorClass: InvocationErrorClass, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(`Invocation${errorClass}Errors`, cloudwatch.Stats.SUM, props);
  }

  /** Percentage of invocations that failed with a 4XX or 5XX error; no value when nothing was invoked. */
  metricInvocationErrorRate(errorClass: InvocationErrorClass, props: { readonly label?: string; readonly period?: Duration } = {}): cloudwatch.MathExpression {
    const period = props.period ?? Duration.minutes(5);
    return new cloudwatch.MathExpression({
      expression: `100 * errors${errorClass} / invocations`,
      usingMetrics: { [`errors${errorClass}`]: this.metricInvocationErrors(errorClass, { period }), invocations: this.metricInvocations({ period }) },
      label: props.label ?? `${errorClass} errors (%)`,
      period,
    });
  }

  private metric(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      statistic,
      period: Duration.minutes(5),
      ...props,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName, ...props?.dimensionsMap },
    });
  }
}
