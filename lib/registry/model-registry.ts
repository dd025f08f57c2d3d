import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DIRECTORY_ARTIFACT_PREFIXES, MODEL_UPLOAD_PREFIXES, REGISTRY_MANIFESTS_PREFIX } from '../../lambda/shared/artifact-prefixes';
import { PLATFORM_METRICS } from '../../lambda/shared/platform-metrics';
import { grantDownloadOf, grantUploadUnder } from '../shared/bucket-grants';
import { createPlatformBucket } from '../shared/platform-bucket';
import { PlatformCapability } from '../shared/platform-capability';
import { platformMetric } from '../shared/platform-metric';
import { createPlatformTable } from '../shared/platform-table';
import { requireWholeDays } from '../shared/props';

/** The operations the registry's functions serve. */
export const REGISTRY_OPERATIONS = ['registerModel', 'setModelAlias', 'queryRegistry'] as const;
export type RegistryOperation = (typeof REGISTRY_OPERATIONS)[number];

export interface ModelRegistryProps {
  /**
   * The platform's event bus, on which the registry announces `ModelVersionRegistered` and
   * `ModelAliasChanged`.
   */
  readonly eventBus: events.IEventBus;
  /**
   * A customer-managed key for the registry table and the artifact bucket.
   * @default - AWS-owned keys for the table and S3-managed keys for the bucket (no key charges)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Where the artifact bucket's server access logs go.
   * @default - a new log bucket, retained
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * How long replaced or deleted artifact versions are kept before S3 expires them.
   * @default Duration.days(90)
   */
  readonly noncurrentArtifactRetention?: Duration;
  /**
   * The experiment tracking table. With it, registering a version with a `sourceRunId` copies the
   * run's params and final metrics into the version and links the run to it.
   * @default - source runs are recorded by id only
   */
  readonly runsTable?: dynamodb.ITable;
  /**
   * What happens to the table and buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The model registry: versions, aliases and their history in one DynamoDB table, artifacts in a
 * versioned bucket, and the functions `RegisterModel`, `SetModelAlias` and `QueryRegistry`. The
 * bucket is shared with the other capabilities, each writing its own prefixes only (see
 * lambda/shared/artifact-prefixes.ts): model artifacts under `models/` and `uploads/`.
 */
export class ModelRegistry extends PlatformCapability<RegistryOperation> {
  /** The index listing models and finding versions by tag (see lambda/registry/adapters/table-keys.ts). */
  static readonly LOOKUP_INDEX = 'gsi1';

  readonly table: dynamodb.Table;
  readonly artifactBucket: s3.Bucket;
  readonly eventBus: events.IEventBus;
  readonly functions: Readonly<Record<RegistryOperation, lambda.IFunction>>;

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id, 'registry');
    const retention = props.noncurrentArtifactRetention ?? Duration.days(90);
    requireWholeDays('noncurrentArtifactRetention', retention);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.eventBus = props.eventBus;

    this.table = createPlatformTable(this, 'Table', {
      encryptionKey: props.encryptionKey,
      removalPolicy,
      indexes: { [ModelRegistry.LOOKUP_INDEX]: dynamodb.ProjectionType.ALL },
    });

    this.artifactBucket = createPlatformBucket(this, 'Artifacts', {
      purpose: 'artifact',
      // Versions pin the artifact a model version was registered with.
      versioned: true,
      encryptionKey: props.encryptionKey,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [{ id: 'expire-replaced-artifacts', noncurrentVersionExpiration: retention }],
      removalPolicy,
    });

    const registerModel = this.addFunction('RegisterModel', {
      description: 'Registers a new model version: pins the artifact, allocates the version, announces it.',
      // Reading back a large artifact without a checksum to digest it can take a while.
      timeout: Duration.minutes(2),
    });
    registerModel.bindTable(this.table, 'REGISTRY_TABLE_NAME', ['GetItem', 'PutItem', 'UpdateItem']);
    // It pins artifacts from the model upload prefixes, directories also from MLflow's artifacts (lambda/registry/core/artifact.ts,
    // directory-artifact.ts), and writes directories' manifests where nothing else writes.
    registerModel.bindBucketObjects(this.artifactBucket, 'ARTIFACT_BUCKET_NAME', ['GetObject', 'GetObjectVersion'], DIRECTORY_ARTIFACT_PREFIXES);
    registerModel.grantBucketPrefixes(this.artifactBucket, { write: [REGISTRY_MANIFESTS_PREFIX] });
    registerModel.bindEventBus(this.eventBus);
    if (props.runsTable) registerModel.bindTable(props.runsTable, 'EXPERIMENTS_TABLE_NAME', ['GetItem', 'UpdateItem']);

    const setModelAlias = this.addFunction('SetModelAlias', {
      description: 'Moves a model alias to a version, keeping the move in the alias history.',
    });
    setModelAlias.bindTable(this.table, 'REGISTRY_TABLE_NAME', ['GetItem', 'PutItem', 'ConditionCheckItem']);
    setModelAlias.bindEventBus(this.eventBus);

    const queryRegistry = this.addFunction('QueryRegistry', {
      description: 'Answers registry queries: models, versions, aliases, tags and alias history.',
    });
    queryRegistry.bindTable(this.table, 'REGISTRY_TABLE_NAME', ['GetItem', 'BatchGetItem', 'Query'], [ModelRegistry.LOOKUP_INDEX]);

    this.functions = { registerModel, setModelAlias, queryRegistry };
  }

  /**
   * Lets `grantee` register models: invoke `RegisterModel` and upload artifacts under the model
   * upload prefixes (`models/*`, `uploads/*`) only, the one place `RegisterModel` takes them from.
   * The rest of the bucket (image inputs, training data, and `images/`, which only the platform
   * writes) is out of its reach.
   */
  grantRegister(grantee: iam.IGrantable): iam.Grant {
    return grantUploadUnder(this.artifactBucket, grantee, MODEL_UPLOAD_PREFIXES).combine(this.functions.registerModel.grantInvoke(grantee));
  }

  /**
   * Lets `grantee` query the registry and download the versions' artifacts, any S3 version of them
   * (`models/*`, `uploads/*`, and `mlflow/*` for directories), and directories' manifests
   * (`registry-manifests/*`): where every registered artifact is.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const artifacts = [...DIRECTORY_ARTIFACT_PREFIXES, REGISTRY_MANIFESTS_PREFIX].map((prefix) => `${prefix}*`);
    return grantDownloadOf(this.artifactBucket, grantee, artifacts, ['s3:GetObject', 's3:GetObjectVersion']).combine(
      this.functions.queryRegistry.grantInvoke(grantee),
    );
  }

  /** Lets `grantee` move aliases (promote versions to `staging`, `production`, ...). */
  grantSetAlias(grantee: iam.IGrantable): iam.Grant {
    return this.functions.setModelAlias.grantInvoke(grantee);
  }

  /** Model versions registered (the `ModelVersionsRegistered` metric the function publishes). */
  metricModelVersionsRegistered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return platformMetric({ service: 'RegisterModel', metricName: PLATFORM_METRICS.modelVersionsRegistered, statistic: cloudwatch.Stats.SUM }, props);
  }
}
