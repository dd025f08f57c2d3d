import { Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { functionPublications, OPERATIONS, type Operation, RESOURCES, type Resource } from '../client/shared/catalogue';
import { ModelDeployments } from './deployments/model-deployments';
import { ExperimentTracking } from './experiments/experiment-tracking';
import { InferenceImages } from './images/inference-images';
import { MlflowApi } from './mlflow/mlflow-api';
import { ModelMonitoring } from './monitoring/model-monitoring';
import type { MonitorOptions } from './monitoring/monitor';
import { ModelRegistry } from './registry/model-registry';
import { PlatformDirectory } from './shared/platform-directory';

export interface MlopsPlatformStackProps extends StackProps {
  /**
   * Encrypt the platform's data with one customer-managed KMS key (billed monthly): the five tables,
   * the artifact and monitoring buckets, the image repository, the build project and the alarm topic.
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
  readonly mlflow: MlflowApi;
  readonly deployments: ModelDeployments;

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
    this.mlflow = new MlflowApi(this, 'Mlflow', {
      experimentsTable: this.experiments.table,
      runMetricsNamespace: this.experiments.runMetricsNamespace,
      registryTable: this.registry.table,
      artifactBucket: this.registry.artifactBucket,
      eventBus: this.eventBus,
      encryptionKey,
    });

    this.deployments = new ModelDeployments(this, 'Deployments', {
      eventBus: this.eventBus,
      images: this.images,
      registryTable: this.registry.table,
      monitoringBucket: this.monitoring.monitoringBucket,
      encryptionKey,
      alarmTopic: this.monitoring.alarmTopic,
    });
    this.monitoring.watchDeployments(this.deployments.table);

    const directory = new PlatformDirectory(this, 'Directory', {
      parameterPrefix: props.parameterPrefix ?? `/mlops-platform/${this.stackName}`,
    });
    // Every published function by its operation, and every shared resource: the catalogue says what each publishes.
    const functions: Record<Operation, lambda.IFunction> = {
      ...this.registry.functions,
      ...this.experiments.functions,
      ...this.monitoring.functions,
      ...this.images.functions,
      ...this.deployments.functions,
    };
    for (const operation of Object.keys(OPERATIONS) as Operation[]) {
      const { name, arn } = functionPublications(operation);
      directory.publish(name.output, name.parameter, functions[operation].functionName, name.description);
      if (arn) directory.publish(arn.output, arn.parameter, functions[operation].functionArn, arn.description);
    }
    const resources: Record<Resource, string> = {
      artifactBucket: this.registry.artifactBucket.bucketName,
      monitoringBucket: this.monitoring.monitoringBucket.bucketName,
      imageRepositoryUri: this.images.repository.repositoryUri,
      eventBus: this.eventBus.eventBusName,
      mlflowApiUrl: this.mlflow.url,
    };
    for (const [resource, { output, parameter, description }] of Object.entries(RESOURCES)) {
      directory.publish(output, parameter, resources[resource as Resource], description);
    }
  }
}
