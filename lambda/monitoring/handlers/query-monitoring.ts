import * as z from 'zod/mini';
import { documentClient, s3Client } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoMonitoringStore } from '../adapters/dynamo-monitoring-store';
import { DynamoStoredMonitors } from '../adapters/dynamo-stored-monitors';
import { S3MonitoringObjects } from '../adapters/s3-monitoring-objects';
import { queryMonitoring } from '../core/query-monitoring';
import { QueryMonitoringRequest } from '../core/schemas';

const env = readEnvironment(z.object({ MONITORING_TABLE_NAME: required(), MONITORING_BUCKET_NAME: required() }));

const db = documentClient();

export const handler = createHandler(
  QueryMonitoringRequest,
  queryMonitoring({
    store: new DynamoMonitoringStore(db, env.MONITORING_TABLE_NAME),
    objects: new S3MonitoringObjects(s3Client(), env.MONITORING_BUCKET_NAME),
    monitors: new DynamoStoredMonitors(db, env.MONITORING_TABLE_NAME),
  }),
);
