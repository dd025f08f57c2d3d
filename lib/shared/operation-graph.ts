import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** A graph of one Lambda metric of each of a capability's functions, a line per operation. */
export function operationGraph<Operation extends string>(
  title: string,
  functions: Readonly<Record<Operation, lambda.IFunction>>,
  metricOf: (fn: lambda.IFunction, label: Operation) => cloudwatch.IMetric,
): cloudwatch.GraphWidget {
  const entries = Object.entries(functions) as [Operation, lambda.IFunction][];
  return new cloudwatch.GraphWidget({ title, width: 8, left: entries.map(([operation, fn]) => metricOf(fn, operation)) });
}
