import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { cloudWatchClient, s3Client } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { CloudWatchDriftMetrics } from '../adapters/cloudwatch-drift-metrics';
import { S3CaptureStore } from '../adapters/s3-capture-store';
import { collectData } from '../core/collect-data';
import { CollectDataRequest } from '../core/schemas';

const env = readEnvironment(z.object({ MONITORING_BUCKET_NAME: required(), MONITORING_METRICS_NAMESPACE: required() }));
const metrics = new CloudWatchDriftMetrics(cloudWatchClient(), env.MONITORING_METRICS_NAMESPACE);

export const handler = createHandler(
  CollectDataRequest,
  collectData({
    capture: new S3CaptureStore(s3Client(), env.MONITORING_BUCKET_NAME),
    clock: systemClock,
    newId: randomUUID,
    recordsCollected: (monitor, count, at) => metrics.recordsCollected(monitor, count, at),
  }),
);
