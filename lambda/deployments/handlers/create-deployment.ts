import { createHandler } from '../../shared/handler';
import { platformDependencies } from '../adapters/platform-dependencies';
import { createDeployment } from '../core/create-deployment';
import { CreateDeploymentRequest } from '../core/schemas';

export const handler = createHandler(CreateDeploymentRequest, createDeployment(platformDependencies()));
