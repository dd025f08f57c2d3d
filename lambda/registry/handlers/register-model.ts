import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { DynamoSourceRuns } from '../../experiments/adapters/dynamo-source-runs';
import { documentClient, eventBridgeClient, s3Client } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler, metrics } from '../../shared/handler';
import { PLATFORM_METRICS } from '../../shared/platform-metrics';
import { DynamoRegistryStore } from '../adapters/dynamo-registry-store';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { S3ArtifactStore } from '../adapters/s3-artifact-store';
import { registerModel } from '../core/register-model';
import { RegisterModelRequest } from '../core/schemas';

const env = readEnvironment(
  z.object({
    REGISTRY_TABLE_NAME: required(),
    ARTIFACT_BUCKET_NAME: required(),
    EVENT_BUS_NAME: required(),
    // Set when the stack has experiment tracking: source runs are then read and linked.
    EXPERIMENTS_TABLE_NAME: z.optional(required()),
  }),
);

const db = documentClient();
const register = registerModel({
  store: new DynamoRegistryStore(db, env.REGISTRY_TABLE_NAME),
  artifacts: new S3ArtifactStore(s3Client()),
  events: new EventBridgePublisher(eventBridgeClient(), env.EVENT_BUS_NAME),
  clock: systemClock,
  artifactBucket: env.ARTIFACT_BUCKET_NAME,
  sourceRuns: env.EXPERIMENTS_TABLE_NAME ? new DynamoSourceRuns(db, env.EXPERIMENTS_TABLE_NAME) : undefined,
});

export const handler = createHandler(RegisterModelRequest, async (request) => {
  const result = await register(request);
  metrics.addMetric(PLATFORM_METRICS.modelVersionsRegistered, MetricUnit.Count, 1);
  return result;
});
