import * as z from 'zod/mini';
import { RegistryModelVersions } from '../../registry/adapters/registry-model-versions';
import { documentClient, s3Client } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoMonitoringStore } from '../adapters/dynamo-monitoring-store';
import { S3MonitoringObjects } from '../adapters/s3-monitoring-objects';
import { s3TrainingDataProfiler } from '../adapters/s3-training-data';
import { registerBaseline } from '../core/register-baseline';
import { RegisterBaselineRequest } from '../core/schemas';

const env = readEnvironment(
  z.object({ MONITORING_BUCKET_NAME: required(), MONITORING_TABLE_NAME: required(), REGISTRY_TABLE_NAME: required(), ARTIFACT_BUCKET_NAME: required() }),
);
const db = documentClient();
const s3 = s3Client();

export const handler = createHandler(
  RegisterBaselineRequest,
  registerBaseline({
    versions: new RegistryModelVersions(db, env.REGISTRY_TABLE_NAME),
    objects: new S3MonitoringObjects(s3, env.MONITORING_BUCKET_NAME),
    store: new DynamoMonitoringStore(db, env.MONITORING_TABLE_NAME),
    clock: systemClock,
    profileSource: s3TrainingDataProfiler(s3, env.ARTIFACT_BUCKET_NAME),
  }),
);
