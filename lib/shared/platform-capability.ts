import * as path from 'node:path';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { PlatformFunction, type PlatformFunctionProps } from './platform-function';

const LAMBDA_SOURCES = path.join(__dirname, '..', '..', 'lambda');

/** A capability function's settings; its handler is found by its id (see `addFunction`). */
export type CapabilityFunctionProps = Omit<PlatformFunctionProps, 'entry'>;

/**
 * A capability of the platform: a construct whose functions serve named operations, with the
 * Lambda metrics of each operation for alarms and dashboards.
 */
export abstract class PlatformCapability<Operation extends string> extends Construct {
  abstract readonly functions: Readonly<Record<Operation, lambda.IFunction>>;

  /** @param area the capability's folder name, the same in `lib/` and `lambda/` (`registry`, ...) */
  constructor(
    scope: Construct,
    id: string,
    private readonly area: string,
  ) {
    super(scope, id);
  }

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

  /**
   * Adds the capability's function `id` (PascalCase, like `RegisterModel`), whose handler is
   * `lambda/<area>/handlers/<id in kebab-case>.ts` (`register-model.ts`).
   */
  protected addFunction(id: string, props: CapabilityFunctionProps): PlatformFunction {
    const handlerFile = `${id.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '-').toLowerCase()}.ts`;
    return new PlatformFunction(this, id, { entry: path.join(LAMBDA_SOURCES, this.area, 'handlers', handlerFile), ...props });
  }
}
