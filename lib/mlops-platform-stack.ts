import { Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../client/stack-outputs';
import { ExperimentTracking } from './experiments/experiment-tracking';
import { ModelRegistry } from './registry/model-registry';
import { PlatformDirectory } from './shared/platform-directory';

export interface MlopsPlatformStackProps extends StackProps {
  /**
   * Encrypt the registry's table and artifacts with a customer-managed KMS key (billed monthly).
   * @default false - AWS-owned and S3-managed keys
   */
  readonly customerManagedKey?: boolean;
  /**
   * Prefix of the SSM parameters that name the platform's functions and buckets.
   * @default - `/mlops-platform/<stack name>`
   */
  readonly parameterPrefix?: string;
}

/** The whole platform in one stack; every capability is a construct from `lib/`. */
export class MlopsPlatformStack extends Stack {
  readonly eventBus: events.EventBus;
  readonly registry: ModelRegistry;
  readonly experiments: ExperimentTracking;

  constructor(scope: Construct, id: string, props: MlopsPlatformStackProps = {}) {
    super(scope, id, props);
    const encryptionKey = props.customerManagedKey
      ? new kms.Key(this, 'PlatformKey', { enableKeyRotation: true, description: 'Encrypts the MLOps platform\'s data.' })
      : undefined;

    this.eventBus = new events.EventBus(this, 'PlatformEvents', {
      description: 'MLOps platform events: ModelVersionRegistered, ModelAliasChanged, ...',
    });
    this.experiments = new ExperimentTracking(this, 'Experiments', { encryptionKey });
    this.registry = new ModelRegistry(this, 'Registry', { eventBus: this.eventBus, encryptionKey, runsTable: this.experiments.table });

    const directory = new PlatformDirectory(this, 'Directory', {
      parameterPrefix: props.parameterPrefix ?? `/mlops-platform/${this.stackName}`,
    });
    const { registerModel, setModelAlias, queryRegistry } = this.registry.functions;
    directory.publish(STACK_OUTPUTS.registerModelFunctionName, 'registry/register-model-function', registerModel.functionName, 'RegisterModel function name');
    directory.publish(STACK_OUTPUTS.registerModelFunctionArn, 'registry/register-model-function-arn', registerModel.functionArn, 'RegisterModel function ARN');
    directory.publish(STACK_OUTPUTS.setModelAliasFunctionName, 'registry/set-model-alias-function', setModelAlias.functionName, 'SetModelAlias function name');
    directory.publish(STACK_OUTPUTS.setModelAliasFunctionArn, 'registry/set-model-alias-function-arn', setModelAlias.functionArn, 'SetModelAlias function ARN');
    directory.publish(STACK_OUTPUTS.queryRegistryFunctionName, 'registry/query-registry-function', queryRegistry.functionName, 'QueryRegistry function name');
    directory.publish(STACK_OUTPUTS.queryRegistryFunctionArn, 'registry/query-registry-function-arn', queryRegistry.functionArn, 'QueryRegistry function ARN');
    directory.publish(STACK_OUTPUTS.artifactBucketName, 'registry/artifact-bucket', this.registry.artifactBucket.bucketName, 'Bucket for model artifacts');
    const { startRun, logMetrics, endRun, queryRuns, sweepRuns } = this.experiments.functions;
    directory.publish(STACK_OUTPUTS.startRunFunctionName, 'experiments/start-run-function', startRun.functionName, 'StartRun function name');
    directory.publish(STACK_OUTPUTS.startRunFunctionArn, 'experiments/start-run-function-arn', startRun.functionArn, 'StartRun function ARN');
    directory.publish(STACK_OUTPUTS.logMetricsFunctionName, 'experiments/log-metrics-function', logMetrics.functionName, 'LogMetrics function name');
    directory.publish(STACK_OUTPUTS.logMetricsFunctionArn, 'experiments/log-metrics-function-arn', logMetrics.functionArn, 'LogMetrics function ARN');
    directory.publish(STACK_OUTPUTS.endRunFunctionName, 'experiments/end-run-function', endRun.functionName, 'EndRun function name');
    directory.publish(STACK_OUTPUTS.endRunFunctionArn, 'experiments/end-run-function-arn', endRun.functionArn, 'EndRun function ARN');
    directory.publish(STACK_OUTPUTS.queryRunsFunctionName, 'experiments/query-runs-function', queryRuns.functionName, 'QueryRuns function name');
    directory.publish(STACK_OUTPUTS.queryRunsFunctionArn, 'experiments/query-runs-function-arn', queryRuns.functionArn, 'QueryRuns function ARN');
    directory.publish(STACK_OUTPUTS.sweepRunsFunctionName, 'experiments/sweep-runs-function', sweepRuns.functionName, 'SweepRuns function name (invoke it to sweep now)');
    directory.publish(STACK_OUTPUTS.eventBusName, 'events/bus-name', this.eventBus.eventBusName, 'Platform event bus name');
  }
}
