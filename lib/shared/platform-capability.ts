import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * A capability of the platform: a construct whose functions serve named operations, with the
 * Lambda metrics of each operation for alarms and dashboards.
 */
export abstract class PlatformCapability<Operation extends string> extends Construct {
  abstract readonly functions: Readonly<Record<Operation, lambda.IFunction>>;

  /** Errors of the operation's function (Lambda `Errors`, sum over 5 minutes). */
  metricErrors(operation: Operation, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.functions[operation].metricErrors(props);
  }

  /** Duration of the operation's function (Lambda `Duration`, average over 5 minutes). */
  metricDuration(operation: Operation, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.functions[operation].metricDuration(props);
  }

  /** Throttled invocations of the operation's function (Lambda `Throttles`). */
  metricThrottles(operation: Operation, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.functions[operation].metricThrottles(props);
  }
}
