import * as z from 'zod/mini';
import { S3CaptureStore } from '../../monitoring/adapters/s3-capture-store';
import { MONITORING_PREFIXES } from '../../monitoring/core/monitoring-names';
import { cloudWatchClient, documentClient, s3Client } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { CloudWatchEndpointMetrics } from '../adapters/cloudwatch-endpoint-metrics';
import { DynamoDeploymentStore } from '../adapters/dynamo-deployment-store';
import { deploymentTraffic } from '../core/deployment-traffic';
import { queryDeployments } from '../core/query-deployments';
import { QueryDeploymentsRequest } from '../core/schemas';

const env = readEnvironment(z.object({ DEPLOYMENTS_TABLE_NAME: required(), MONITORING_BUCKET_NAME: required() }));
const store = new DynamoDeploymentStore(documentClient(), env.DEPLOYMENTS_TABLE_NAME);

/** A traffic query reads at most this much capture: a day of a busy endpoint's, well within the function's memory. */
const MAX_CAPTURE_BYTES = 256 * 1024 * 1024;

export const handler = createHandler(
  QueryDeploymentsRequest,
  queryDeployments(
    store,
    deploymentTraffic({
      store,
      capture: new S3CaptureStore(s3Client(), env.MONITORING_BUCKET_NAME),
      metrics: new CloudWatchEndpointMetrics(cloudWatchClient()),
      clock: systemClock,
      captureBucket: env.MONITORING_BUCKET_NAME,
      capturePrefix: MONITORING_PREFIXES.captured,
      maxCaptureBytes: MAX_CAPTURE_BYTES,
    }),
  ),
);
