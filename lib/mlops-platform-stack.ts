import { Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../client/shared/stack-outputs';
import { ExperimentTracking } from './experiments/experiment-tracking';
import { InferenceImages } from './images/inference-images';
import { ModelMonitoring } from './monitoring/model-monitoring';
import type { MonitorOptions } from './monitoring/monitor';
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
  /**
   * Models to monitor for drift, each with its schedule, alarms and retraining (see
   * `ModelMonitoring.addMonitor`, which adds more later).
   * @default - none
   */
  readonly monitors?: readonly MonitorOptions[];
  /**
   * Registries image builds may take their base image from (see `InferenceImagesProps`).
   * @default - Amazon ECR Public and the account's own ECR registry
   */
  readonly allowedBaseImageRegistries?: readonly string[];
  /**
   * Package indexes image requirements may name (see `InferenceImagesProps`).
   * @default ['https://pypi.org/simple']
   */
  readonly allowedPackageIndexes?: readonly string[];
  /**
   * Repositories of the account images built elsewhere may be registered from (see `InferenceImagesProps`).
   * @default - none: no image built elsewhere can be registered
   */
  readonly externalImageRepositories?: readonly string[];
}

/** The whole platform in one stack; every capability is a construct from `lib/`. */
export class MlopsPlatformStack extends Stack {
  readonly eventBus: events.EventBus;
  readonly registry: ModelRegistry;
  readonly experiments: ExperimentTracking;
  readonly monitoring: ModelMonitoring;
  readonly images: InferenceImages;

  constructor(scope: Construct, id: string, props: MlopsPlatformStackProps = {}) {
    super(scope, id, props);
    const encryptionKey = props.customerManagedKey
      ? new kms.Key(this, 'PlatformKey', { enableKeyRotation: true, description: "Encrypts the MLOps platform's data." })
      : undefined;

    this.eventBus = new events.EventBus(this, 'PlatformEvents', {
      description: 'MLOps platform events: ModelVersionRegistered, ModelAliasChanged, DriftDetected, ImageBuildStateChanged, ...',
    });
    this.experiments = new ExperimentTracking(this, 'Experiments', { encryptionKey });
    this.registry = new ModelRegistry(this, 'Registry', { eventBus: this.eventBus, encryptionKey, runsTable: this.experiments.table });
    this.monitoring = new ModelMonitoring(this, 'Monitoring', {
      eventBus: this.eventBus,
      registryTable: this.registry.table,
      artifactBucket: this.registry.artifactBucket,
      encryptionKey,
    });
    for (const monitor of props.monitors ?? []) this.monitoring.addMonitor(monitor.monitorName, monitor);
    this.images = new InferenceImages(this, 'Images', {
      eventBus: this.eventBus,
      registryTable: this.registry.table,
      artifactBucket: this.registry.artifactBucket,
      encryptionKey,
      allowedBaseImageRegistries: props.allowedBaseImageRegistries,
      allowedPackageIndexes: props.allowedPackageIndexes,
      externalImageRepositories: props.externalImageRepositories,
    });

    const directory = new PlatformDirectory(this, 'Directory', {
      parameterPrefix: props.parameterPrefix ?? `/mlops-platform/${this.stackName}`,
    });
    // Each function: its output keys, its parameter path, its name. SweepRuns has no ARN output: it is invoked by hand only to sweep now.
    const functions: [lambda.IFunction, { name: string; arn?: string }, string, string][] = [
      [
        this.registry.functions.registerModel,
        { name: STACK_OUTPUTS.registerModelFunctionName, arn: STACK_OUTPUTS.registerModelFunctionArn },
        'registry/register-model-function',
        'RegisterModel',
      ],
      [
        this.registry.functions.setModelAlias,
        { name: STACK_OUTPUTS.setModelAliasFunctionName, arn: STACK_OUTPUTS.setModelAliasFunctionArn },
        'registry/set-model-alias-function',
        'SetModelAlias',
      ],
      [
        this.registry.functions.queryRegistry,
        { name: STACK_OUTPUTS.queryRegistryFunctionName, arn: STACK_OUTPUTS.queryRegistryFunctionArn },
        'registry/query-registry-function',
        'QueryRegistry',
      ],
      [
        this.experiments.functions.startRun,
        { name: STACK_OUTPUTS.startRunFunctionName, arn: STACK_OUTPUTS.startRunFunctionArn },
        'experiments/start-run-function',
        'StartRun',
      ],
      [
        this.experiments.functions.logMetrics,
        { name: STACK_OUTPUTS.logMetricsFunctionName, arn: STACK_OUTPUTS.logMetricsFunctionArn },
        'experiments/log-metrics-function',
        'LogMetrics',
      ],
      [
        this.experiments.functions.endRun,
        { name: STACK_OUTPUTS.endRunFunctionName, arn: STACK_OUTPUTS.endRunFunctionArn },
        'experiments/end-run-function',
        'EndRun',
      ],
      [
        this.experiments.functions.queryRuns,
        { name: STACK_OUTPUTS.queryRunsFunctionName, arn: STACK_OUTPUTS.queryRunsFunctionArn },
        'experiments/query-runs-function',
        'QueryRuns',
      ],
      [this.experiments.functions.sweepRuns, { name: STACK_OUTPUTS.sweepRunsFunctionName }, 'experiments/sweep-runs-function', 'SweepRuns'],
      [
        this.monitoring.functions.collectData,
        { name: STACK_OUTPUTS.collectDataFunctionName, arn: STACK_OUTPUTS.collectDataFunctionArn },
        'monitoring/collect-data-function',
        'CollectData',
      ],
      [
        this.monitoring.functions.registerBaseline,
        { name: STACK_OUTPUTS.registerBaselineFunctionName, arn: STACK_OUTPUTS.registerBaselineFunctionArn },
        'monitoring/register-baseline-function',
        'RegisterBaseline',
      ],
      [
        this.monitoring.functions.queryMonitoring,
        { name: STACK_OUTPUTS.queryMonitoringFunctionName, arn: STACK_OUTPUTS.queryMonitoringFunctionArn },
        'monitoring/query-monitoring-function',
        'QueryMonitoring',
      ],
      [
        this.images.functions.registerImage,
        { name: STACK_OUTPUTS.registerImageFunctionName, arn: STACK_OUTPUTS.registerImageFunctionArn },
        'images/register-image-function',
        'RegisterImage',
      ],
      [
        this.images.functions.queryImages,
        { name: STACK_OUTPUTS.queryImagesFunctionName, arn: STACK_OUTPUTS.queryImagesFunctionArn },
        'images/query-images-function',
        'QueryImages',
      ],
    ];
    for (const [fn, outputs, parameterPath, label] of functions) {
      directory.publish(outputs.name, parameterPath, fn.functionName, `${label} function name`);
      if (outputs.arn) directory.publish(outputs.arn, `${parameterPath}-arn`, fn.functionArn, `${label} function ARN`);
    }
    directory.publish(STACK_OUTPUTS.artifactBucketName, 'registry/artifact-bucket', this.registry.artifactBucket.bucketName, 'Bucket for model artifacts');
    directory.publish(
      STACK_OUTPUTS.monitoringBucketName,
      'monitoring/bucket',
      this.monitoring.monitoringBucket.bucketName,
      'Bucket for baselines, collected data and drift reports',
    );
    directory.publish(
      STACK_OUTPUTS.imageRepositoryUri,
      'images/repository-uri',
      this.images.repository.repositoryUri,
      'ECR repository of the inference images',
    );
    directory.publish(STACK_OUTPUTS.eventBusName, 'events/bus-name', this.eventBus.eventBusName, 'Platform event bus name');
  }
}
