import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { CloudWatchMetricPublisher } from '../../experiments/adapters/cloudwatch-metric-publisher';
import { DynamoSourceRuns } from '../../experiments/adapters/dynamo-source-runs';
import { EventBridgePublisher } from '../../registry/adapters/eventbridge-publisher';
import { S3ArtifactStore } from '../../registry/adapters/s3-artifact-store';
import { registerModel } from '../../registry/core/register-model';
import { setModelAlias } from '../../registry/core/set-model-alias';
import { cloudWatchClient, documentClient, eventBridgeClient, s3Client } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { logger } from '../../shared/handler';
import { DynamoMlflowRegistryStore } from '../adapters/dynamo-mlflow-registry-store';
import { DynamoMlflowTrackingStore } from '../adapters/dynamo-mlflow-tracking-store';
import { dispatchMlflowRequest } from '../core/http-dispatch';
import { mlflowOperations } from '../core/operations';

const env = readEnvironment(
  z.object({
    EXPERIMENTS_TABLE_NAME: required(),
    REGISTRY_TABLE_NAME: required(),
    ARTIFACT_BUCKET_NAME: required(),
    EVENT_BUS_NAME: required(),
    // Set when runs' metrics go to CloudWatch too (the stack sets it): the experiments dashboard shows MLflow's runs.
    RUN_METRICS_NAMESPACE: z.optional(required()),
  }),
);

const db = documentClient();
const registry = new DynamoMlflowRegistryStore(db, env.REGISTRY_TABLE_NAME);
const events = new EventBridgePublisher(eventBridgeClient(), env.EVENT_BUS_NAME);
const artifacts = new S3ArtifactStore(s3Client());
const operations = mlflowOperations({
  tracking: new DynamoMlflowTrackingStore(db, env.EXPERIMENTS_TABLE_NAME),
  registry,
  register: registerModel({
    store: registry,
    artifacts,
    events,
    clock: systemClock,
    artifactBucket: env.ARTIFACT_BUCKET_NAME,
    sourceRuns: new DynamoSourceRuns(db, env.EXPERIMENTS_TABLE_NAME),
  }),
  setAlias: setModelAlias({ store: registry, events, clock: systemClock }),
  events,
  clock: systemClock,
  artifactBucket: env.ARTIFACT_BUCKET_NAME,
  artifacts,
  publisher: env.RUN_METRICS_NAMESPACE ? new CloudWatchMetricPublisher(cloudWatchClient(), env.RUN_METRICS_NAMESPACE, systemClock) : undefined,
});

/**
 * MLflow's REST API behind API Gateway (HTTP API, payload 2.0): every route comes here, and the
 * answer is MLflow's JSON with MLflow's status, failures included (API Gateway adds nothing).
 */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const response = await dispatchMlflowRequest(
    { method: event.requestContext.http.method, path: event.rawPath, query: event.rawQueryString ?? '', contentType: headers['content-type'], body },
    operations,
    context.awsRequestId,
    (error) => logger.error('request failed', error as Error),
  );
  if (response.status !== 200) logger.info('request refused', { status: response.status, route: event.routeKey, ...response.body });
  return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(response.body) };
}
