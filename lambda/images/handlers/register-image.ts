import * as z from 'zod/mini';
import { RegistryModelVersions } from '../../registry/adapters/registry-model-versions';
import { codeBuildClient, documentClient, ecrClient, eventBridgeClient, s3Client, sageMakerClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { commaSeparated, readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { CodeBuildImageBuilder } from '../adapters/codebuild-image-builder';
import { DynamoImageStore } from '../adapters/dynamo-image-store';
import { EcrImageRepository } from '../adapters/ecr-image-repository';
import { EventBridgeImageEvents } from '../adapters/eventbridge-image-events';
import { S3BuildInputs } from '../adapters/s3-build-inputs';
import { SageMakerModelPackages } from '../adapters/sagemaker-model-packages';
import { registerImage } from '../core/register-image';
import { RegisterImageRequest } from '../core/schemas';
import { SOURCE_FORMATS } from '../core/supply-chain';
import mlflowEntry from '../serving/mlflow_pyfunc.py';
import shim from '../serving/serve.py';

/** A list of sources as `InferenceImages` writes it: comma-separated, each in its format. */
const sources = (kind: keyof typeof SOURCE_FORMATS) =>
  commaSeparated(z.string().check(z.regex(SOURCE_FORMATS[kind].pattern, `must be ${SOURCE_FORMATS[kind].description}`)));
const someSources = (kind: keyof typeof SOURCE_FORMATS) => sources(kind).check(z.minLength(1, 'must name at least one source'));

const env = readEnvironment(
  z.object({
    IMAGES_TABLE_NAME: required(),
    REGISTRY_TABLE_NAME: required(),
    ARTIFACT_BUCKET_NAME: required(),
    BUILD_PROJECT_NAME: required(),
    EVENT_BUS_NAME: required(),
    APPROVAL_ALIAS: required(),
    // Where builds may take code from, and images built elsewhere may come from (InferenceImagesProps).
    BASE_IMAGE_REGISTRIES: someSources('registry'),
    PACKAGE_INDEXES: someSources('packageIndex'),
    IMAGE_REGISTRY: required(),
    EXTERNAL_IMAGE_REPOSITORIES: sources('repository'),
  }),
);
const db = documentClient();

export const handler = createHandler(
  RegisterImageRequest,
  registerImage({
    store: new DynamoImageStore(db, env.IMAGES_TABLE_NAME),
    versions: new RegistryModelVersions(db, env.REGISTRY_TABLE_NAME),
    inputs: new S3BuildInputs(s3Client()),
    builder: new CodeBuildImageBuilder(codeBuildClient(), env.BUILD_PROJECT_NAME),
    repository: new EcrImageRepository(ecrClient()),
    packages: new SageMakerModelPackages(sageMakerClient()),
    events: new EventBridgeImageEvents(eventBridgeClient(), env.EVENT_BUS_NAME),
    clock: systemClock,
    artifactBucket: env.ARTIFACT_BUCKET_NAME,
    approvalAlias: env.APPROVAL_ALIAS,
    shim,
    mlflowEntry,
    buildSources: { baseImageRegistries: env.BASE_IMAGE_REGISTRIES, packageIndexes: env.PACKAGE_INDEXES },
    externalImages: { registry: env.IMAGE_REGISTRY, repositories: env.EXTERNAL_IMAGE_REPOSITORIES },
  }),
);
