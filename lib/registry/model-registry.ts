import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { MODEL_UPLOAD_PREFIXES } from '../../lambda/shared/artifact-prefixes';
import { createAccessLogsBucket } from '../shared/access-logs-bucket';
import { grantUploadUnder } from '../shared/bucket-uploads';
import { PlatformCapability } from '../shared/platform-capability';
import { PlatformFunction } from '../shared/platform-function';
import { createPlatformTable } from '../shared/platform-table';

const HANDLERS = path.join(__dirname, '..', '..', 'lambda', 'registry', 'handlers');

/** The registry's functions, by the operation they serve. */
export type RegistryOperation = 'registerModel' | 'setModelAlias' | 'queryRegistry';

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
    super(scope, id);
    const retention = props.noncurrentArtifactRetention ?? Duration.days(90);
    const retentionDays = retention.isUnresolved() ? undefined : retention.toDays({ integral: false });
    if (retentionDays !== undefined && (retentionDays < 1 || !Number.isInteger(retentionDays))) {
      throw new Error(`noncurrentArtifactRetention must be a whole number of days, at least 1; got ${retention.toHumanString()}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.eventBus = props.eventBus;

    this.table = createPlatformTable(this, 'Table', {
      encryptionKey: props.encryptionKey,
      removalPolicy,
      indexes: { [ModelRegistry.LOOKUP_INDEX]: dynamodb.ProjectionType.ALL },
    });

    this.artifactBucket = new s3.Bucket(this, 'Artifacts', {
      versioned: true,
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.encryptionKey !== undefined,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.serverAccessLogsBucket ?? createAccessLogsBucket(this, removalPolicy, 'artifact'),
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        { id: 'expire-replaced-artifacts', noncurrentVersionExpiration: retention },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy,
    });

    const registerModel = new PlatformFunction(this, 'RegisterModel', {
      entry: path.join(HANDLERS, 'register-model.ts'),
      description: 'Registers a new model version: pins the artifact, allocates the version, announces it.',
      // Reading back a large artifact without a checksum to digest it can take a while.
      timeout: Duration.minutes(2),
    });
    registerModel.bindTable(this.table, 'REGISTRY_TABLE_NAME', ['GetItem', 'PutItem', 'UpdateItem']);
    // It pins artifacts from the model upload prefixes only (lambda/registry/core/artifact.ts).
    registerModel.bindBucketObjects(this.artifactBucket, 'ARTIFACT_BUCKET_NAME', ['GetObject', 'GetObjectVersion'], MODEL_UPLOAD_PREFIXES);
    this.bindEvents(registerModel);
    if (props.runsTable) registerModel.bindTable(props.runsTable, 'EXPERIMENTS_TABLE_NAME', ['GetItem', 'UpdateItem']);

    const setModelAlias = new PlatformFunction(this, 'SetModelAlias', {
      entry: path.join(HANDLERS, 'set-model-alias.ts'),
      description: 'Moves a model alias to a version, keeping the move in the alias history.',
    });
    setModelAlias.bindTable(this.table, 'REGISTRY_TABLE_NAME', ['GetItem', 'PutItem', 'ConditionCheckItem']);
    this.bindEvents(setModelAlias);

    const queryRegistry = new PlatformFunction(this, 'QueryRegistry', {
      entry: path.join(HANDLERS, 'query-registry.ts'),
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
   * (`models/*`, `uploads/*`): where every registered artifact is.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const download = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: MODEL_UPLOAD_PREFIXES.map((prefix) => this.artifactBucket.arnForObjects(`${prefix}*`)),
    });
    this.artifactBucket.encryptionKey?.grant(grantee, 'kms:Decrypt');
    return download.combine(this.functions.queryRegistry.grantInvoke(grantee));
  }

  /** Lets `grantee` move aliases (promote versions to `staging`, `production`, ...). */
  grantSetAlias(grantee: iam.IGrantable): iam.Grant {
    return this.functions.setModelAlias.grantInvoke(grantee);
  }

  /** Model versions registered (the `ModelVersionsRegistered` metric the function publishes). */
  metricModelVersionsRegistered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'MlopsPlatform',
      metricName: 'ModelVersionsRegistered',
      dimensionsMap: { service: 'RegisterModel' },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  private bindEvents(fn: PlatformFunction): void {
    fn.addEnvironment('EVENT_BUS_NAME', this.eventBus.eventBusName);
    this.eventBus.grantPutEventsTo(fn);
  }
}
