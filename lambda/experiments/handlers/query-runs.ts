import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoExperimentStore } from '../adapters/dynamo-experiment-store';
import { queryRuns } from '../core/query-runs';
import { QueryRunsRequest } from '../core/schemas';

const env = readEnvironment(z.object({ EXPERIMENTS_TABLE_NAME: required() }));

export const handler = createHandler(QueryRunsRequest, queryRuns(new DynamoExperimentStore(documentClient(), env.EXPERIMENTS_TABLE_NAME)));
