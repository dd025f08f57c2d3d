import { createHash, randomUUID } from 'node:crypto';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IMAGES_EVENT_SOURCE } from '../../lambda/images/adapters/eventbridge-image-events';
import { REGISTRY_EVENT_SOURCE } from '../../lambda/registry/adapters/eventbridge-publisher';
import { type CodeBuildStandIn, startCodeBuildStandIn } from '../../local/codebuild-stand-in';
import { provisionFromTemplate } from '../../local/provision-from-template';
import { type EventObserver, observeEvents } from './event-observer';
import { type FunctionSource, type Invocation, loadFunctions, requireEmulatorEnvironment, resourcesOf } from './function-harness';
import { emptyAndDeleteBucket } from './registry-fixture';
import { readSynthesizedTemplate } from './synthesized-template';

export type { Invocation } from './function-harness';

/**
 * The inference image functions with the registry's, loaded against fresh tables, the artifact
 * bucket, the platform bus, the image repository and the build project as the stack declares
 * them, on the emulators the jest global setup started (moto stands in for ECR and SageMaker, the
 * fixture's own stand-in for CodeBuild). Image and registry events on the bus are observed through
 * log groups.
 */
export type ImagesFunctionName = 'registerImage' | 'imageEvents' | 'queryImages' | 'registerModel' | 'setModelAlias';

const FUNCTIONS: Record<ImagesFunctionName, FunctionSource> = {
  registerImage: { service: 'RegisterImage', handler: 'images/handlers/register-image' },
  imageEvents: { service: 'ImageEvents', handler: 'images/handlers/image-events' },
  queryImages: { service: 'QueryImages', handler: 'images/handlers/query-images' },
  registerModel: { service: 'RegisterModel', handler: 'registry/handlers/register-model' },
  setModelAlias: { service: 'SetModelAlias', handler: 'registry/handlers/set-model-alias' },
};

export interface ImagesFixture {
  readonly artifactBucketName: string;
  readonly imagesTableName: string;
  readonly repositoryName: string;
  readonly repositoryUri: string;
  readonly buildProjectName: string;
  /** The builds `RegisterImage` started, as CodeBuild received them. */
  readonly codeBuild: CodeBuildStandIn;
  readonly clients: { readonly s3: S3Client; readonly sagemaker: SageMakerClient; readonly ecr: ECRClient; readonly dynamodb: DynamoDBDocumentClient };
  invoke<R>(name: ImagesFunctionName, payload: unknown): Promise<Invocation<R>>;
  call<R>(name: ImagesFunctionName, payload: unknown): Promise<R>;
  /** Uploads `body` to the artifact bucket; returns its URI. */
  putArtifact(key: string, body: string): Promise<string>;
  getText(bucket: string, key: string): Promise<string>;
  listKeys(bucket: string, prefix?: string): Promise<string[]>;
  /** Pushes an image manifest to `repository` under `tag`, as `docker push` would; returns its digest. */
  pushImage(repository: string, tag: string): Promise<string>;
  imageEvents(): ReturnType<EventObserver['events']>;
  registryEvents(): ReturnType<EventObserver['events']>;
  dispose(): Promise<void>;
}

export async function createImagesFixture(): Promise<ImagesFixture> {
  requireEmulatorEnvironment('images', ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_SAGEMAKER']);
  const codeBuildStandIn = await startCodeBuildStandIn();
  const suffix = randomUUID().slice(0, 8);
  const dynamodbClient = new DynamoDBClient({});
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient);
  const s3 = new S3Client({ forcePathStyle: true });
  const eventBridge = new EventBridgeClient({});
  const ecr = new ECRClient({});
  const codeBuild = new CodeBuildClient({ endpoint: codeBuildStandIn.endpoint });
  const sagemaker = new SageMakerClient({});

  const template = readSynthesizedTemplate();
  const names = await provisionFromTemplate(
    resourcesOf(
      template,
      Object.values(FUNCTIONS).map(({ service }) => service),
    ),
    { dynamodb: dynamodbClient, s3, eventBridge, ecr, codeBuild },
    `mlops-img-${suffix}`,
  );
  const functions = loadFunctions(template, names, FUNCTIONS, { overrides: { registerImage: { AWS_ENDPOINT_URL_CODEBUILD: codeBuildStandIn.endpoint } } });
  const { IMAGES_TABLE_NAME, ARTIFACT_BUCKET_NAME, BUILD_PROJECT_NAME, EVENT_BUS_NAME } = functions.environments.registerImage;
  const { REPOSITORY_NAME, REPOSITORY_URI } = functions.environments.imageEvents;
  const imageObserver = await observeEvents(eventBridge, EVENT_BUS_NAME, IMAGES_EVENT_SOURCE);
  const registryObserver = await observeEvents(eventBridge, EVENT_BUS_NAME, REGISTRY_EVENT_SOURCE);

  const fixture: ImagesFixture = {
    artifactBucketName: ARTIFACT_BUCKET_NAME,
    imagesTableName: IMAGES_TABLE_NAME,
    repositoryName: REPOSITORY_NAME,
    repositoryUri: REPOSITORY_URI,
    buildProjectName: BUILD_PROJECT_NAME,
    codeBuild: codeBuildStandIn,
    clients: { s3, sagemaker, ecr, dynamodb },
    invoke: (name, payload) => functions.invoke(name, payload),

    async call<R>(name: ImagesFunctionName, payload: unknown): Promise<R> {
      const invocation = await functions.invoke<R>(name, payload);
      if ('result' in invocation) return invocation.result;
      throw new Error(`${name} failed with ${invocation.errorType}: ${invocation.errorMessage}`);
    },

    async putArtifact(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: key, Body: body }));
      return `s3://${ARTIFACT_BUCKET_NAME}/${key}`;
    },

    async getText(bucket, key) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Body!.transformToString('utf8');
    },

    async listKeys(bucket, prefix = '') {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
        keys.push(...(page.Contents ?? []).map(({ Key }) => Key!));
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      return keys.sort();
    },

    async pushImage(repository, tag) {
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          size: 1469,
          digest: `sha256:${createHash('sha256').update(`${repository}:${tag}`).digest('hex')}`,
        },
        layers: [],
      });
      // A registry names a manifest by the SHA-256 of its bytes.
      const imageDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
      await ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: manifest, imageTag: tag, imageDigest }));
      return imageDigest;
    },

    imageEvents: () => imageObserver.events(),
    registryEvents: () => registryObserver.events(),

    async dispose() {
      await Promise.all([imageObserver.dispose(), registryObserver.dispose()]);
      const provisioned = (type: string) => [...names].filter(([logicalId]) => template.Resources[logicalId].Type === type).map(([, name]) => name);
      await Promise.all([
        ...provisioned('AWS::DynamoDB::Table').map((TableName) => dynamodbClient.send(new DeleteTableCommand({ TableName }))),
        ...provisioned('AWS::S3::Bucket').map((bucket) => emptyAndDeleteBucket(s3, bucket)),
        ...provisioned('AWS::ECR::Repository').map((repositoryName) => ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }))),
        codeBuildStandIn.close(),
        eventBridge.send(new DeleteEventBusCommand({ Name: EVENT_BUS_NAME })),
      ]);
      for (const client of [dynamodbClient, s3, eventBridge, ecr, codeBuild, sagemaker]) client.destroy();
    },
  };
  return fixture;
}
