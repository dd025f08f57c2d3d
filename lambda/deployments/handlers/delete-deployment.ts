import { createHandler } from '../../shared/handler';
import { platformDependencies } from '../adapters/platform-dependencies';
import { deleteDeployment } from '../core/delete-deployment';
import { DeleteDeploymentRequest } from '../core/schemas';

export const handler = createHandler(DeleteDeploymentRequest, deleteDeployment(platformDependencies()));
