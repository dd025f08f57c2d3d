import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { MONITORING_EVENT_SOURCE } from '../../lambda/monitoring/core/monitoring-names';
import { keys as registryKeys } from '../../lambda/registry/adapters/table-keys';
import { provisionFromTemplate } from '../../local/provision-from-template';
import { type EventObserver, observeEvents } from './event-observer';
import { type FunctionSource, type Invocation, loadFunctions, requireEmulatorEnvironment, resourcesOf } from './function-harness';
import { emptyAndDeleteBucket } from './registry-fixture';
import { readSynthesizedTemplate } from './synthesized-template';

export type { Invocation } from './function-harness';

/**
 * The monitoring functions loaded against a fresh monitoring table and bucket, the registry table
 * and the platform bus, as the stack declares them, on the emulators the jest global setup started.
 * Events of the monitoring source on the bus are observed through a log group.
 */
export type MonitoringFunctionName = 'collectData' | 'registerBaseline' | 'checkDrift' | 'sketchCaptureChunk' | 'retrainGate' | 'queryMonitoring';

const FUNCTIONS: Record<MonitoringFunctionName, FunctionSource> = {
  collectData: { service: 'CollectData', handler: 'monitoring/handlers/collect-data' },
  registerBaseline: { service: 'RegisterBaseline', handler: 'monitoring/handlers/register-baseline' },
  checkDrift: { service: 'CheckDrift', handler: 'monitoring/handlers/check-drift' },
  sketchCaptureChunk: { service: 'SketchCaptureChunk', handler: 'monitoring/handlers/sketch-capture-chunk' },
  retrainGate: { service: 'RetrainGate', handler: 'monitoring/handlers/retrain-gate' },
  queryMonitoring: { service: 'QueryMonitoring', handler: 'monitoring/handlers/query-monitoring' },
};

export interface MonitoringFixture {
  readonly monitoringBucketName: string;
  readonly monitoringTableName: string;
  readonly artifactBucketName: string;
  readonly metricsNamespace: string;
  readonly clients: { readonly s3: S3Client; readonly cloudWatch: CloudWatchClient; readonly dynamodb: DynamoDBDocumentClient };
  invoke<R>(name: MonitoringFunctionName, payload: unknown): Promise<Invocation<R>>;
  call<R>(name: MonitoringFunctionName, payload: unknown): Promise<R>;
  /** Records a model version in the registry table, as RegisterModel would have. */
  registerVersion(model: string, version: number): Promise<void>;
  putObject(bucket: string, key: string, body: string): Promise<void>;
  getText(bucket: string, key: string): Promise<string>;
  /** Every object under `prefix`, by key, with its ETag (which changes when the object is rewritten with other content). */
  listObjects(bucket: string, prefix?: string): Promise<{ readonly key: string; readonly eTag: string }[]>;
  events(): ReturnType<EventObserver['events']>;
  dispose(): Promise<void>;
}

export interface MonitoringFixtureOptions {
  /**
   * The CheckDrift function's `INLINE_WINDOW_BYTES`, to make small windows fan out.
   * @default - the template's value
   */
  readonly inlineWindowBytes?: number;
}

export async function createMonitoringFixture(options: MonitoringFixtureOptions = {}): Promise<MonitoringFixture> {
  requireEmulatorEnvironment('monitoring', ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_CLOUDWATCH']);
  const suffix = randomUUID().slice(0, 8);
  const dynamodbClient = new DynamoDBClient({});
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient);
  const s3 = new S3Client({ forcePathStyle: true });
  const eventBridge = new EventBridgeClient({});
  const cloudWatch = new CloudWatchClient({});

  const template = readSynthesizedTemplate();
  const names = await provisionFromTemplate(
    resourcesOf(
      template,
      Object.values(FUNCTIONS).map(({ service }) => service),
    ),
    { dynamodb: dynamodbClient, s3, eventBridge },
    `mlops-mon-${suffix}`,
  );
  const functions = loadFunctions(template, names, FUNCTIONS, {
    overrides: options.inlineWindowBytes === undefined ? {} : { checkDrift: { INLINE_WINDOW_BYTES: String(options.inlineWindowBytes) } },
  });
  const { MONITORING_BUCKET_NAME, MONITORING_TABLE_NAME, REGISTRY_TABLE_NAME, EVENT_BUS_NAME, MONITORING_METRICS_NAMESPACE } =
    functions.environments.checkDrift;
  const { ARTIFACT_BUCKET_NAME } = functions.environments.registerBaseline;
  const observer = await observeEvents(eventBridge, EVENT_BUS_NAME, MONITORING_EVENT_SOURCE);

  const fixture: MonitoringFixture = {
    monitoringBucketName: MONITORING_BUCKET_NAME,
    monitoringTableName: MONITORING_TABLE_NAME,
    artifactBucketName: ARTIFACT_BUCKET_NAME,
    metricsNamespace: MONITORING_METRICS_NAMESPACE,
    clients: { s3, cloudWatch, dynamodb },
    invoke: (name, payload) => functions.invoke(name, payload),

    async call<R>(name: MonitoringFunctionName, payload: unknown): Promise<R> {
      const invocation = await functions.invoke<R>(name, payload);
      if ('result' in invocation) return invocation.result;
      throw new Error(`${name} failed with ${invocation.errorType}: ${invocation.errorMessage}`);
    },

    async registerVersion(model, version) {
      await dynamodb.send(new PutCommand({ TableName: REGISTRY_TABLE_NAME, Item: { ...registryKeys.version(model, version), name: model, version } }));
    },

    async putObject(bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },

    async getText(bucket, key) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Body!.transformToString('utf8');
    },

    async listObjects(bucket, prefix = '') {
      const objects: { key: string; eTag: string }[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
        objects.push(...(page.Contents ?? []).map(({ Key, ETag }) => ({ key: Key!, eTag: ETag! })));
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      return objects;
    },

    events: () => observer.events(),

    async dispose() {
      await observer.dispose();
      const provisioned = (type: string) => [...names].filter(([logicalId]) => template.Resources[logicalId].Type === type).map(([, name]) => name);
      await Promise.all([
        ...provisioned('AWS::DynamoDB::Table').map((TableName) => dynamodbClient.send(new DeleteTableCommand({ TableName }))),
        ...provisioned('AWS::S3::Bucket').map((bucket) => emptyAndDeleteBucket(s3, bucket)),
        eventBridge.send(new DeleteEventBusCommand({ Name: EVENT_BUS_NAME })),
      ]);
      for (const client of [dynamodbClient, s3, eventBridge, cloudWatch]) client.destroy();
    },
  };
  return fixture;
}
