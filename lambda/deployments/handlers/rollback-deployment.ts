import { createHandler } from '../../shared/handler';
import { platformDependencies } from '../adapters/platform-dependencies';
import { rollbackDeployment } from '../core/rollback-deployment';
import { RollbackDeploymentRequest } from '../core/schemas';

export const handler = createHandler(RollbackDeploymentRequest, rollbackDeployment(platformDependencies()));
