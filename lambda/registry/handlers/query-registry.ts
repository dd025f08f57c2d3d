import { z } from 'zod';
import { readEnvironment } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { documentClient } from '../adapters/clients';
import { DynamoRegistryStore } from '../adapters/dynamo-registry-store';
import { queryRegistry } from '../core/query-registry';
import { QueryRegistryRequest } from '../core/schemas';

const env = readEnvironment(z.object({ REGISTRY_TABLE_NAME: z.string().min(3) }));

export const handler = createHandler(QueryRegistryRequest, queryRegistry(new DynamoRegistryStore(documentClient(), env.REGISTRY_TABLE_NAME)));
