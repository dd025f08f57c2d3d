import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoStoredMonitors } from '../adapters/dynamo-stored-monitors';
import { deleteMonitor } from '../core/delete-monitor';
import { DeleteMonitorRequest } from '../core/schemas';

const env = readEnvironment(z.object({ MONITORING_TABLE_NAME: required() }));

export const handler = createHandler(DeleteMonitorRequest, deleteMonitor(new DynamoStoredMonitors(documentClient(), env.MONITORING_TABLE_NAME)));
