import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SAGEMAKER_NAME_PREFIX } from '../../lambda/deployments/core/sagemaker-names';
import { operationGraph } from '../shared/operation-graph';
import type { DeploymentsOperation } from './model-deployments';

export interface DeploymentsDashboardProps {
  /** The deployment functions, whose errors, durations and throttles are graphed. */
  readonly functions: Readonly<Record<DeploymentsOperation, lambda.IFunction>>;
  /** The deployment alarms, whose states are shown. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/** The metrics SageMaker publishes per endpoint variant (the whole variant, not one fleet of a blue/green update). */
const VARIANT_SCHEMA = '{AWS/SageMaker,EndpointName,VariantName}';

/**
 * The token every platform endpoint name holds. SEARCH matches an unquoted term against the tokens of a dimension
 * value (split at non-alphanumeric characters, digits and camel case; CloudWatch guide, "search expression syntax:
 * tokenization, partial matches"), not by prefix: `EndpointName=mlops` finds every `mlops-<deployment>`, and would
 * also find another endpoint of the account with `mlops` as a word of its name (`team-mlops-test`), not `mlopsdemo`.
 */
const ENDPOINT_TOKEN = SAGEMAKER_NAME_PREFIX.replace(/-$/, '');

/** CloudWatch's limit on the series one SEARCH returns. */
const SEARCH_SERIES = 500;

/**
 * The deployments dashboard, `<stack name>-Deployments`: every deployment's traffic, errors and latency, found by
 * SEARCH expressions over the platform's endpoints, so a deployment created after the stack appears by itself;
 * then the functions that run deployments and their alarms.
 */
export class DeploymentsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DeploymentsDashboardProps) {
    super(scope, id);
    const { functions } = props;
    const graph = (title: string, metricName: string, statistic: string) =>
      new cloudwatch.GraphWidget({ title, width: 8, left: [endpointSearch(metricName, statistic)] });

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: `${Stack.of(this).stackName}-Deployments`,
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# Deployments\nEvery deployment's endpoint (\`${SAGEMAKER_NAME_PREFIX}<deployment>\`, one line per endpoint, up to ${SEARCH_SERIES} per graph), per minute. Latencies are in microseconds. \`mlops deploy status NAME\` shows one deployment's traffic split and history.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          graph('Invocations', 'Invocations', cloudwatch.Stats.SUM),
          graph('4xx errors', 'Invocation4XXErrors', cloudwatch.Stats.SUM),
          graph('5xx errors', 'Invocation5XXErrors', cloudwatch.Stats.SUM),
        ],
        [
          graph('Model latency p99 (µs)', 'ModelLatency', cloudwatch.Stats.p(99)),
          graph('Overhead latency p99 (µs)', 'OverheadLatency', cloudwatch.Stats.p(99)),
          new cloudwatch.AlarmStatusWidget({ title: 'Deployment alarms', width: 8, height: 6, alarms: [...props.alarms] }),
        ],
        [
          operationGraph('Deployment functions: Errors', functions, (fn, label) => fn.metricErrors({ label })),
          operationGraph('Deployment functions: Duration p99', functions, (fn, label) => fn.metricDuration({ statistic: cloudwatch.Stats.p(99), label })),
          operationGraph('Deployment functions: Throttles', functions, (fn, label) => fn.metricThrottles({ label })),
        ],
      ],
    });
  }
}

/** One line per platform endpoint of an `AWS/SageMaker` variant metric, per minute. */
function endpointSearch(metricName: string, statistic: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('${VARIANT_SCHEMA} MetricName="${metricName}" EndpointName=${ENDPOINT_TOKEN}', '${statistic}', 60)`,
    label: '',
    usingMetrics: {},
    period: Duration.minutes(1),
  });
}
