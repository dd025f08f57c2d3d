import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoRegistryStore } from '../adapters/dynamo-registry-store';
import { queryRegistry } from '../core/query-registry';
import { QueryRegistryRequest } from '../core/schemas';

const env = readEnvironment(z.object({ REGISTRY_TABLE_NAME: required() }));

export const handler = createHandler(QueryRegistryRequest, queryRegistry(new DynamoRegistryStore(documentClient(), env.REGISTRY_TABLE_NAME)));
