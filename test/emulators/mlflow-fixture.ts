import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { REGISTRY_EVENT_SOURCE } from '../../lambda/registry/adapters/eventbridge-publisher';
import { provisionFromTemplate } from '../../local/provision-from-template';
import { type ApiGatewayRequestOptions, apiGatewayEvent } from '../support/api-gateway-event';
import { type ObservedEvent, observeEvents } from './event-observer';
import { type FunctionSource, loadFunctions, requireEmulatorEnvironment, resourcesOf, scanTable } from './function-harness';
import { deleteProvisioned } from './registry-fixture';
import { readSynthesizedTemplate } from './synthesized-template';

export type { ObservedEvent } from './event-observer';

/**
 * A fresh MLflow API per test file, on the emulators the jest global setup started: the MlflowApi
 * function's tables, artifact bucket and event bus provisioned from the synthesized template, and the
 * real handler called with events built as API Gateway (HTTP API, payload 2.0) builds them.
 */

export type MlflowRequestOptions = ApiGatewayRequestOptions;

export interface MlflowResponse {
  readonly status: number;
  /** The response body, parsed. */
  readonly body: Record<string, unknown>;
}

export interface MlflowFixtureOptions {
  /**
   * Goes into every resource name, to tell the resources of test files apart.
   * @default 'mlflow'
   */
  readonly label?: string;
  /**
   * Route the bus's registry events to a log group for `events()` (moto spends CPU on each delivery).
   * @default true
   */
  readonly observeEvents?: boolean;
}

export interface MlflowFixture {
  readonly artifactBucketName: string;
  readonly experimentsTableName: string;
  readonly registryTableName: string;
  /** Sends one request to the API; `path` is the whole path (`/api/2.0/mlflow/...`). */
  request(method: string, path: string, options?: MlflowRequestOptions): Promise<MlflowResponse>;
  /** Uploads an object into the artifact bucket, as an MLflow client does with its own credentials. */
  putObject(key: string, bytes: string | Uint8Array): Promise<void>;
  /** Every object version of the artifact bucket, as `<key>@<version id>`, sorted: what a refused request must leave as it was. */
  objectVersions(): Promise<string[]>;
  /** Every item of the experiments and registry tables, each sorted by `pk` then `sk`. */
  tableItems(): Promise<{ readonly experiments: Record<string, unknown>[]; readonly registry: Record<string, unknown>[] }>;
  /** Every registry event that reached the bus, oldest first. */
  events(): Promise<ObservedEvent[]>;
  /** Deletes the tables, the bucket with every object version, the bus, its rule and the log group. */
  dispose(): Promise<void>;
}

type FunctionName = 'mlflowApi';
const FUNCTIONS: Record<FunctionName, FunctionSource> = { mlflowApi: { service: 'MlflowApi', handler: 'mlflow/handlers/mlflow-api' } };

export async function createMlflowFixture(options: MlflowFixtureOptions = {}): Promise<MlflowFixture> {
  requireEmulatorEnvironment('mlflow', ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_EVENTBRIDGE']);
  const suffix = randomUUID().slice(0, 8);
  const slug = (options.label ?? 'mlflow')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 30);

  const dynamodbClient = new DynamoDBClient({});
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient);
  const s3 = new S3Client({ forcePathStyle: true });
  const eventBridge = new EventBridgeClient({});

  const template = readSynthesizedTemplate();
  const names = await provisionFromTemplate(
    resourcesOf(template, [FUNCTIONS.mlflowApi.service]),
    { dynamodb: dynamodbClient, s3, eventBridge },
    `mlops-${slug}-${suffix}`,
  );
  const functions = loadFunctions(template, names, FUNCTIONS);
  const environment = functions.environments.mlflowApi;
  const observer = (options.observeEvents ?? true) ? await observeEvents(eventBridge, environment.EVENT_BUS_NAME, REGISTRY_EVENT_SOURCE) : undefined;

  return {
    artifactBucketName: environment.ARTIFACT_BUCKET_NAME,
    experimentsTableName: environment.EXPERIMENTS_TABLE_NAME,
    registryTableName: environment.REGISTRY_TABLE_NAME,

    async request(method, path, requestOptions = {}) {
      const invocation = await functions.invoke<APIGatewayProxyStructuredResultV2>('mlflowApi', apiGatewayEvent(method, path, requestOptions));
      if (!('result' in invocation)) throw new Error(`MlflowApi failed with ${invocation.errorType}: ${invocation.errorMessage}`);
      const { statusCode = 200, body = '' } = invocation.result;
      return { status: statusCode, body: JSON.parse(body) as Record<string, unknown> };
    },

    async putObject(key, bytes) {
      await s3.send(new PutObjectCommand({ Bucket: environment.ARTIFACT_BUCKET_NAME, Key: key, Body: typeof bytes === 'string' ? Buffer.from(bytes) : bytes }));
    },

    async objectVersions() {
      const versions: string[] = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      do {
        const page = await s3.send(new ListObjectVersionsCommand({ Bucket: environment.ARTIFACT_BUCKET_NAME, KeyMarker, VersionIdMarker }));
        versions.push(...(page.Versions ?? []).map(({ Key, VersionId }) => `${Key}@${VersionId}`));
        KeyMarker = page.NextKeyMarker;
        VersionIdMarker = page.NextVersionIdMarker;
        if (!page.IsTruncated) break;
      } while (KeyMarker);
      return versions.sort();
    },

    async tableItems() {
      const [experiments, registry] = await Promise.all([
        scanTable(dynamodb, environment.EXPERIMENTS_TABLE_NAME),
        scanTable(dynamodb, environment.REGISTRY_TABLE_NAME),
      ]);
      return { experiments, registry };
    },

    async events() {
      if (!observer) throw new Error('this MLflow fixture was created with observeEvents: false');
      return observer.events();
    },

    async dispose() {
      await deleteProvisioned(template, names, { dynamodb: dynamodbClient, s3, eventBridge }, { name: environment.EVENT_BUS_NAME, observer });
      for (const client of [dynamodbClient, s3, eventBridge]) client.destroy();
    },
  };
}
