import { createHandler } from '../../shared/handler';
import { platformDependencies } from '../adapters/platform-dependencies';
import { UpdateDeploymentRequest } from '../core/schemas';
import { updateDeployment } from '../core/update-deployment';

export const handler = createHandler(UpdateDeploymentRequest, updateDeployment(platformDependencies()));
