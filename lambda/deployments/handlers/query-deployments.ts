import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoDeploymentStore } from '../adapters/dynamo-deployment-store';
import { queryDeployments } from '../core/query-deployments';
import { QueryDeploymentsRequest } from '../core/schemas';

const env = readEnvironment(z.object({ DEPLOYMENTS_TABLE_NAME: required() }));

export const handler = createHandler(QueryDeploymentsRequest, queryDeployments(new DynamoDeploymentStore(documentClient(), env.DEPLOYMENTS_TABLE_NAME)));
