import * as path from 'node:path';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { PLATFORM_METRICS_NAMESPACE } from '../../lambda/shared/platform-metrics';
import { nagResourceName } from './nag';

/** The esbuild options every platform function is bundled with; the benchmark measures the same. */
export const PLATFORM_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  logLevel: nodejs.LogLevel.WARNING,
  // Node's --enable-source-maps parses the map at import: measured 30-65 ms of every cold start.
  sourceMap: false,
  target: 'node22',
  format: nodejs.OutputFormat.ESM,
  // ESM builds of the SDK and Powertools let esbuild drop what the handler never calls.
  mainFields: ['module', 'main'],
  banner: "import{createRequire as __createRequire}from'module';const require=__createRequire(import.meta.url);",
  // Bundling the SDK clients loads faster than the runtime's copy and pins the version we test.
  externalModules: [],
  // Python the functions ship to other runtimes (the serving shim) is bundled as text.
  loader: { '.py': 'text' },
  esbuildArgs: {
    '--alias:@aws-sdk/credential-provider-node': path.join(__dirname, '..', '..', 'lambda', 'shared', 'env-credentials.ts'),
  },
};

export interface PlatformFunctionProps {
  /** Path of the handler module, exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default - none beyond the Powertools settings */
  readonly environment?: Record<string, string>;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN, so logs outlive a deleted stack */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** Where in a bucket a function may read, write and list; each prefix names the keys that start with it. */
export interface BucketPrefixAccess {
  /**
   * Prefixes whose objects the function reads (`s3:GetObject`).
   * @default - none
   */
  readonly read?: readonly string[];
  /**
   * Prefixes whose objects the function writes (`s3:PutObject`).
   * @default - none
   */
  readonly write?: readonly string[];
  /**
   * Prefixes the function lists: `s3:ListBucket`, held to them by an `s3:prefix` condition.
   * @default - none
   */
  readonly list?: readonly string[];
}

/** DynamoDB actions a function may be granted on a table. */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/**
 * A Lambda function as every platform function is: Node.js 24 on arm64, bundled and minified by
 * esbuild, JSON logs into its own log group, X-Ray tracing, and a role of its own with no managed
 * policy, to which the `bind*` methods add exactly the actions the function sends.
 */
export class PlatformFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${id}: ${props.description}`,
    });
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      logGroup,
      role,
      bundling: PLATFORM_BUNDLING,
      environment: {
        POWERTOOLS_SERVICE_NAME: id,
        POWERTOOLS_METRICS_NAMESPACE: PLATFORM_METRICS_NAMESPACE,
        ...props.environment,
      },
    });
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments and PutTelemetryRecords, and CloudWatch PutMetricData (scoped by a namespace condition instead), support no resource-level permissions.',
    });
  }

  /**
   * Gives the function the table's name in `variable`, exactly `actions` on the table, and `Query`
   * on each of `queriedIndexes` (the only action that reads an index).
   */
  bindTable(table: dynamodb.ITable, variable: string, actions: readonly TableAction[], queriedIndexes: readonly string[] = []): void {
    this.addEnvironment(variable, table.tableName);
    if (actions.length > 0) {
      this.addToRolePolicy(new iam.PolicyStatement({ actions: actions.map((action) => `dynamodb:${action}`), resources: [table.tableArn] }));
    }
    if (queriedIndexes.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: queriedIndexes.map((index) => `${table.tableArn}/index/${index}`) }),
      );
    }
    const writes = actions.some((action) => ['PutItem', 'UpdateItem', 'DeleteItem'].includes(action));
    this.grantKey(table.encryptionKey, writes ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'] : ['kms:Decrypt', 'kms:DescribeKey']);
  }

  /** Gives the function the bus's name in `variable` and `events:PutEvents` on it. */
  bindEventBus(bus: events.IEventBus, variable = 'EVENT_BUS_NAME'): void {
    this.addEnvironment(variable, bus.eventBusName);
    bus.grantPutEventsTo(this);
  }

  /**
   * Gives the function the bucket's name in `variable` and exactly `actions` on its objects under
   * `prefixes` (`''` for every key). A reader also gets `s3:ListBucket`: without it S3 answers a
   * missing key with 403, not 404.
   */
  bindBucketObjects(
    bucket: s3.IBucket,
    variable: string,
    actions: readonly ('GetObject' | 'GetObjectVersion' | 'PutObject')[],
    prefixes: readonly string[],
  ): void {
    this.addEnvironment(variable, bucket.bucketName);
    if (actions.includes('GetObject')) {
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    }
    const objects = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
    this.addToRolePolicy(new iam.PolicyStatement({ actions: actions.map((action) => `s3:${action}`), resources: objects }));
    for (const resource of objects) {
      Validations.of(this.role!).acknowledge({
        id: `AwsSolutions-IAM5[${nagResourceName(this, resource)}]`,
        reason: 'Artifacts are objects under any key of this bucket (or of these prefixes); the actions are the exact ones the function sends.',
      });
    }
    this.grantKey(bucket.encryptionKey, actions.includes('PutObject') ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt']);
  }

  /**
   * Gives the function the bucket's name in `variable` and the actions of `access` under its key
   * prefixes only (see `grantBucketPrefixes`).
   */
  bindBucketPrefixes(bucket: s3.IBucket, variable: string, access: BucketPrefixAccess): void {
    this.addEnvironment(variable, bucket.bucketName);
    this.grantBucketPrefixes(bucket, access);
  }

  /**
   * Lets the function read, write and list under key prefixes of a bucket, for a bucket whose name
   * reaches the function some other way (a request, a configuration). Unlike `bindBucketObjects`,
   * reading grants no `s3:ListBucket` by itself: a missing key under a prefix the function may not
   * list answers 403, not 404.
   */
  grantBucketPrefixes(bucket: s3.IBucket, access: BucketPrefixAccess): void {
    const { read = [], write = [], list = [] } = access;
    for (const prefix of [...read, ...write, ...list]) {
      if (!Token.isUnresolved(prefix) && (prefix.startsWith('/') || prefix.includes('*'))) {
        throw new Error(`a key prefix must not start with "/" or hold "*", got "${prefix}"`);
      }
    }
    const objectGrants: [string, readonly string[]][] = [
      ['s3:GetObject', read],
      ['s3:PutObject', write],
    ];
    for (const [action, prefixes] of objectGrants) {
      if (prefixes.length === 0) continue;
      const objects = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
      this.addToRolePolicy(new iam.PolicyStatement({ actions: [action], resources: objects }));
      for (const resource of objects) {
        Validations.of(this.role!).acknowledge({
          id: `AwsSolutions-IAM5[${nagResourceName(this, resource)}]`,
          reason: 'The function reads or writes objects under any key of this prefix; the action is the exact one it sends.',
        });
      }
    }
    if (list.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': list.map((prefix) => `${prefix}*`) } },
        }),
      );
    }
    if (read.length + write.length > 0) this.grantKey(bucket.encryptionKey, write.length > 0 ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt']);
  }

  /**
   * Lets the function send `PutMetricData` into `namespace` only. The action supports no resource
   * other than `*`; the namespace condition is what scopes it.
   */
  bindMetricNamespace(namespace: string, variable: string): void {
    this.addEnvironment(variable, namespace);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
      }),
    );
  }

  private grantKey(key: kms.IKey | undefined, actions: string[]): void {
    if (key) key.grant(this, ...actions);
  }
}
