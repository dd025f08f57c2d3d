import { createHash, randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { REGISTRY_EVENT_SOURCE } from '../../lambda/registry/adapters/eventbridge-publisher';
import type { QueryResult } from '../../lambda/registry/core/query-registry';
import type { RegisterModelResult } from '../../lambda/registry/core/register-model';
import type { QueryRegistryRequest, RegisterModelRequest, SetModelAliasRequest } from '../../lambda/registry/core/schemas';
import type { SetModelAliasResult } from '../../lambda/registry/core/set-model-alias';
import { type CloudFormationTemplate, provisionFromTemplate } from '../../local/provision-from-template';
import { type ObservedEvent, observeEvents as observeBusEvents } from './event-observer';
import { type FunctionSource, type Invocation, loadFunctions, requireEmulatorEnvironment, resourcesOf, scanTable } from './function-harness';
import { readSynthesizedTemplate } from './synthesized-template';

export type { Invocation, InvocationError } from './function-harness';

/**
 * A fresh registry per test file, on the emulators the jest global setup started: its own
 * DynamoDB table (the layout of `table-keys.ts`), versioned artifact bucket and event bus, and the
 * real handlers loaded against them. Events put on the bus are observed through a rule whose
 * target is a CloudWatch Logs group, which moto fills synchronously during PutEvents.
 */

/** The registry's functions, by the name the fixture invokes them with. */
export interface RegistryFunctions {
  readonly registerModel: { readonly request: RegisterModelRequest; readonly result: RegisterModelResult };
  readonly setModelAlias: { readonly request: SetModelAliasRequest; readonly result: SetModelAliasResult };
  readonly queryRegistry: { readonly request: QueryRegistryRequest; readonly result: QueryResult };
}
export type RegistryFunctionName = keyof RegistryFunctions;

export interface PutArtifactOptions {
  /**
   * The checksum the upload asks S3 to compute and keep. `none` sends no checksum at all (not even
   * the SDK's default CRC32), like a client that predates S3 checksums.
   * @default 'SHA256'
   */
  readonly checksum?: 'SHA256' | 'none';
  /** User metadata stored with the object. */
  readonly metadata?: Record<string, string>;
  /**
   * Another bucket (the caller creates and removes it).
   * @default - the registry's artifact bucket
   */
  readonly bucket?: string;
}

export interface PutArtifactResult {
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  /** The hex SHA-256 of the uploaded bytes, computed here. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

export type { ObservedEvent } from './event-observer';

export interface RegistryFixtureOptions {
  /**
   * Goes into every resource name, to tell the resources of test files apart.
   * @default 'registry'
   */
  readonly label?: string;
  /**
   * Route the bus's events to a log group for `events()`. Moto spends tens of milliseconds of CPU
   * delivering each event to a target, so load tests turn this off.
   * @default true
   */
  readonly observeEvents?: boolean;
}

export interface RegistryFixture {
  readonly tableName: string;
  readonly artifactBucketName: string;
  readonly eventBusName: string;
  /** Clients on the emulators, for arranging state the helpers do not cover. */
  readonly clients: { readonly dynamodb: DynamoDBDocumentClient; readonly s3: S3Client; readonly eventBridge: EventBridgeClient };
  /** Calls a handler as the Lambda service would: the payload and result go through JSON, errors come back as `errorType`/`errorMessage`. */
  invoke<F extends RegistryFunctionName>(name: F, payload: RegistryFunctions[F]['request']): Promise<Invocation<RegistryFunctions[F]['result']>>;
  /** Like `invoke`, for arranging state: returns the result or throws with the error it got. */
  call<F extends RegistryFunctionName>(name: F, payload: RegistryFunctions[F]['request']): Promise<RegistryFunctions[F]['result']>;
  /**
   * Arranges one more version of `name`: uploads a small artifact of its own and registers it with
   * `request` merged in. Returns the registration result or throws.
   */
  registerVersion(name: string, request?: Partial<Omit<RegisterModelRequest, 'name'>>): Promise<RegisterModelResult>;
  /** Uploads an artifact to the registry's bucket (or `options.bucket`). */
  putArtifact(key: string, body: string | Uint8Array, options?: PutArtifactOptions): Promise<PutArtifactResult>;
  /** Every item of the registry table with its keys, sorted by `pk` then `sk`. */
  tableItems(): Promise<Record<string, unknown>[]>;
  /** Every event that reached the registry's bus from the registry, oldest first (moto delivers during PutEvents: no waiting). */
  events(): Promise<ObservedEvent[]>;
  /** Deletes the table, the bucket with every object version, the bus, its rule and the log group. */
  dispose(): Promise<void>;
}

const FUNCTIONS: Record<RegistryFunctionName, FunctionSource> = {
  registerModel: { service: 'RegisterModel', handler: 'registry/handlers/register-model' },
  setModelAlias: { service: 'SetModelAlias', handler: 'registry/handlers/set-model-alias' },
  queryRegistry: { service: 'QueryRegistry', handler: 'registry/handlers/query-registry' },
};

export async function createRegistryFixture(options: RegistryFixtureOptions = {}): Promise<RegistryFixture> {
  requireEmulatorEnvironment('registry', ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_EVENTBRIDGE']);
  const suffix = randomUUID().slice(0, 8);
  const slug = (options.label ?? 'registry')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 30);

  const observeEvents = options.observeEvents ?? true;
  const forcePathStyle = true;
  const dynamodbClient = new DynamoDBClient({});
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient);
  const s3 = new S3Client({ forcePathStyle });
  // Without this the SDK adds a CRC32 checksum to every upload.
  const s3WithoutChecksums = new S3Client({ forcePathStyle, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const eventBridge = new EventBridgeClient({});

  // The tables, bucket and bus the registry's functions refer to, exactly as the stack declares them.
  const template = readSynthesizedTemplate();
  const services = Object.values(FUNCTIONS).map(({ service }) => service);
  const names = await provisionFromTemplate(resourcesOf(template, services), { dynamodb: dynamodbClient, s3, eventBridge }, `mlops-${slug}-${suffix}`);
  const functions = loadFunctions(template, names, FUNCTIONS);
  const { REGISTRY_TABLE_NAME: tableName, ARTIFACT_BUCKET_NAME: artifactBucketName, EVENT_BUS_NAME: eventBusName } = functions.environments.registerModel;

  const observer = observeEvents ? await observeBusEvents(eventBridge, eventBusName, REGISTRY_EVENT_SOURCE) : undefined;

  const invoke = <F extends RegistryFunctionName>(name: F, payload: RegistryFunctions[F]['request']) =>
    functions.invoke<RegistryFunctions[F]['result']>(name, payload);

  const fixture: RegistryFixture = {
    tableName,
    artifactBucketName,
    eventBusName,
    clients: { dynamodb, s3, eventBridge },
    invoke,

    async call(name, payload) {
      const invocation = await invoke(name, payload);
      if ('result' in invocation) return invocation.result;
      throw new Error(`${name} failed with ${invocation.errorType}: ${invocation.errorMessage}`);
    },

    async registerVersion(name, request = {}) {
      const artifact = await fixture.putArtifact(`models/${name}/${randomUUID()}.bin`, `weights of ${name} ${randomUUID()}`);
      return fixture.call('registerModel', { name, artifact: { uri: artifact.uri }, ...request });
    },

    async putArtifact(key, body, putOptions = {}) {
      const bucket = putOptions.bucket ?? artifactBucketName;
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const withChecksum = (putOptions.checksum ?? 'SHA256') === 'SHA256';
      const { VersionId } = await (withChecksum ? s3 : s3WithoutChecksums).send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          Metadata: putOptions.metadata,
          ...(withChecksum ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
        }),
      );
      return {
        uri: `s3://${bucket}/${key}`,
        bucket,
        key,
        versionId: VersionId,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        sizeBytes: bytes.byteLength,
      };
    },

    tableItems: () => scanTable(dynamodb, tableName),

    async events() {
      if (!observer) throw new Error('this registry fixture was created with observeEvents: false');
      return observer.events();
    },

    async dispose() {
      await deleteProvisioned(template, names, { dynamodb: dynamodbClient, s3, eventBridge }, { name: eventBusName, observer });
      for (const client of [dynamodbClient, s3, s3WithoutChecksums, eventBridge]) client.destroy();
    },
  };
  return fixture;
}

/** Deletes what a fixture provisioned from the template: its tables, its buckets with every object version, its bus and the bus's observer. */
export async function deleteProvisioned(
  template: CloudFormationTemplate,
  names: ReadonlyMap<string, string>,
  clients: { readonly dynamodb: DynamoDBClient; readonly s3: S3Client; readonly eventBridge: EventBridgeClient },
  bus: { readonly name: string; readonly observer?: { dispose(): Promise<void> } },
): Promise<void> {
  const provisioned = (type: string) => [...names].filter(([logicalId]) => template.Resources[logicalId].Type === type).map(([, name]) => name);
  await Promise.all([
    ...provisioned('AWS::DynamoDB::Table').map((TableName) => clients.dynamodb.send(new DeleteTableCommand({ TableName }))),
    ...provisioned('AWS::S3::Bucket').map((bucket) => emptyAndDeleteBucket(clients.s3, bucket)),
    (async () => {
      await bus.observer?.dispose();
      await clients.eventBridge.send(new DeleteEventBusCommand({ Name: bus.name }));
    })(),
  ]);
}

/** Deletes every version and delete marker, then the bucket. */
export async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(({ Key, VersionId }) => ({ Key, VersionId }));
    if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    if (!page.IsTruncated) break;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
