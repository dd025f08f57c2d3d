import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteRepositoryCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type CodeBuildStandIn, startCodeBuildStandIn } from '../../local/codebuild-stand-in';
import { provisionFromTemplate } from '../../local/provision-from-template';
import { type FunctionSource, type Invocation, loadFunctions, requireEmulatorEnvironment, scanTable } from './function-harness';
import { emptyAndDeleteBucket } from './registry-fixture';
import { readSynthesizedTemplate } from './synthesized-template';

/**
 * Every function callers invoke (one per published request schema), loaded together against fresh
 * tables, buckets, bus, repository and build project as the stack declares them, with a way to take
 * a picture of everything they can write: each table's items, each bucket's object versions, the
 * builds started and the images pushed. (SageMaker's package groups are left out: moto keeps them
 * account-wide, shared with the other test files, and only ImageEvents, which no caller invokes,
 * creates packages.)
 */
export interface PlatformFixture {
  readonly environments: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly clients: { readonly s3: S3Client; readonly dynamodb: DynamoDBDocumentClient };
  invoke<R>(operation: string, payload: unknown): Promise<Invocation<R>>;
  call<R>(operation: string, payload: unknown): Promise<R>;
  /** Everything the functions can write, as comparable JSON. */
  state(): Promise<string>;
  dispose(): Promise<void>;
}

const LAMBDA_ROOT = path.join(__dirname, '..', '..', 'lambda');

/** `RegisterModel` -> `registry/handlers/register-model`, found among the capability folders. */
function handlerOf(operation: string): string {
  const file = operation.replace(/[A-Z]/g, (letter, index: number) => `${index === 0 ? '' : '-'}${letter.toLowerCase()}`);
  const areas = ['registry', 'experiments', 'monitoring', 'images', 'deployments'].filter((area) =>
    existsSync(path.join(LAMBDA_ROOT, area, 'handlers', `${file}.ts`)),
  );
  if (areas.length !== 1) throw new Error(`expected one handler module for ${operation}, found ${areas.length}`);
  return `${areas[0]}/handlers/${file}`;
}

export async function createPlatformFixture(operations: readonly string[]): Promise<PlatformFixture> {
  requireEmulatorEnvironment('platform', ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_SAGEMAKER']);
  const codeBuildStandIn: CodeBuildStandIn = await startCodeBuildStandIn();
  const suffix = randomUUID().slice(0, 8);
  const dynamodbClient = new DynamoDBClient({});
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient);
  const s3 = new S3Client({ forcePathStyle: true });
  const eventBridge = new EventBridgeClient({});
  const ecr = new ECRClient({});
  const codeBuild = new CodeBuildClient({ endpoint: codeBuildStandIn.endpoint });

  const sources = Object.fromEntries(
    operations.map((operation) => [operation, { service: operation, handler: handlerOf(operation) } satisfies FunctionSource]),
  );
  const template = readSynthesizedTemplate();
  // The whole template: the build project refers to the repository, which no function's environment names.
  const names = await provisionFromTemplate(template, { dynamodb: dynamodbClient, s3, eventBridge, ecr, codeBuild }, `mlops-all-${suffix}`);
  const overrides = Object.fromEntries(operations.map((operation) => [operation, { AWS_ENDPOINT_URL_CODEBUILD: codeBuildStandIn.endpoint }]));
  const functions = loadFunctions(template, names, sources, { overrides });
  const provisioned = (type: string) => [...names].filter(([logicalId]) => template.Resources[logicalId].Type === type).map(([, name]) => name);

  async function objectVersions(bucket: string): Promise<string[]> {
    const versions: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
      for (const { Key, VersionId, ETag } of page.Versions ?? []) versions.push(`${Key} ${VersionId} ${ETag}`);
      for (const { Key, VersionId } of page.DeleteMarkers ?? []) versions.push(`${Key} ${VersionId} deleted`);
      if (!page.IsTruncated) return versions.sort();
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
  }

  const fixture: PlatformFixture = {
    environments: functions.environments,
    clients: { s3, dynamodb },
    invoke: (operation, payload) => functions.invoke(operation, payload),

    async call<R>(operation: string, payload: unknown): Promise<R> {
      const invocation = await functions.invoke<R>(operation, payload);
      if ('result' in invocation) return invocation.result;
      throw new Error(`${operation} failed with ${invocation.errorType}: ${invocation.errorMessage}`);
    },

    async state() {
      const [tables, buckets, images] = await Promise.all([
        Promise.all(provisioned('AWS::DynamoDB::Table').map(async (table) => [table, await scanTable(dynamodb, table)])),
        Promise.all(provisioned('AWS::S3::Bucket').map(async (bucket) => [bucket, await objectVersions(bucket)])),
        Promise.all(
          provisioned('AWS::ECR::Repository').map(async (repositoryName) => (await ecr.send(new DescribeImagesCommand({ repositoryName }))).imageDetails ?? []),
        ),
      ]);
      const builds = codeBuildStandIn.builds().map(({ id }) => id);
      return JSON.stringify({ tables, buckets, images, builds });
    },

    async dispose() {
      await Promise.all([
        ...provisioned('AWS::DynamoDB::Table').map((TableName) => dynamodbClient.send(new DeleteTableCommand({ TableName }))),
        ...provisioned('AWS::S3::Bucket').map((bucket) => emptyAndDeleteBucket(s3, bucket)),
        ...provisioned('AWS::ECR::Repository').map((repositoryName) => ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }))),
        ...provisioned('AWS::Events::EventBus').map((Name) => eventBridge.send(new DeleteEventBusCommand({ Name }))),
        codeBuildStandIn.close(),
      ]);
      for (const client of [dynamodbClient, s3, eventBridge, ecr, codeBuild]) client.destroy();
    },
  };
  return fixture;
}
