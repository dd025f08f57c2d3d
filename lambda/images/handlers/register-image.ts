import * as z from 'zod/mini';
import { codeBuildClient, documentClient, ecrClient, eventBridgeClient, s3Client, sageMakerClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { RegistryModelVersions } from '../../registry/adapters/registry-model-versions';
import { CodeBuildImageBuilder } from '../adapters/codebuild-image-builder';
import { DynamoImageStore } from '../adapters/dynamo-image-store';
import { EcrImageRepository } from '../adapters/ecr-image-repository';
import { EventBridgeImageEvents } from '../adapters/eventbridge-image-events';
import { S3BuildInputs } from '../adapters/s3-build-inputs';
import { SageMakerModelPackages } from '../adapters/sagemaker-model-packages';
import { registerImage } from '../core/register-image';
import { RegisterImageRequest } from '../core/schemas';
import shim from '../serving/serve.py';

const env = readEnvironment(
  z.object({
    IMAGES_TABLE_NAME: required(),
    REGISTRY_TABLE_NAME: required(),
    ARTIFACT_BUCKET_NAME: required(),
    BUILD_PROJECT_NAME: required(),
    EVENT_BUS_NAME: required(),
    APPROVAL_ALIAS: required(),
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
  }),
);
