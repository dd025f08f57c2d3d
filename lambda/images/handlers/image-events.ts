import * as z from 'zod/mini';
import { RegistryModelVersions } from '../../registry/adapters/registry-model-versions';
import { documentClient, ecrClient, eventBridgeClient, sageMakerClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoImageStore } from '../adapters/dynamo-image-store';
import { EcrImageRepository } from '../adapters/ecr-image-repository';
import { EventBridgeImageEvents } from '../adapters/eventbridge-image-events';
import { SageMakerModelPackages } from '../adapters/sagemaker-model-packages';
import { ImageEvent } from '../core/event-schemas';
import { handleImageEvent } from '../core/image-events';

const env = readEnvironment(
  z.object({
    IMAGES_TABLE_NAME: required(),
    REGISTRY_TABLE_NAME: required(),
    REPOSITORY_NAME: required(),
    REPOSITORY_URI: required(),
    EVENT_BUS_NAME: required(),
    APPROVAL_ALIAS: required(),
  }),
);
const db = documentClient();

export const handler = createHandler(
  ImageEvent,
  handleImageEvent({
    store: new DynamoImageStore(db, env.IMAGES_TABLE_NAME),
    versions: new RegistryModelVersions(db, env.REGISTRY_TABLE_NAME),
    repository: new EcrImageRepository(ecrClient()),
    packages: new SageMakerModelPackages(sageMakerClient()),
    events: new EventBridgeImageEvents(eventBridgeClient(), env.EVENT_BUS_NAME),
    clock: systemClock,
    repositoryName: env.REPOSITORY_NAME,
    repositoryUri: env.REPOSITORY_URI,
    approvalAlias: env.APPROVAL_ALIAS,
  }),
);
