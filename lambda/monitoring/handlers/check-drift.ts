import * as z from 'zod/mini';
import { RegistryModelVersions } from '../../registry/adapters/registry-model-versions';
import { cloudWatchClient, documentClient, eventBridgeClient, s3Client } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { CloudWatchDriftMetrics } from '../adapters/cloudwatch-drift-metrics';
import { DynamoMonitoringStore } from '../adapters/dynamo-monitoring-store';
import { EventBridgeMonitoringEvents } from '../adapters/eventbridge-monitoring-events';
import { S3CaptureStore } from '../adapters/s3-capture-store';
import { S3MonitoringObjects } from '../adapters/s3-monitoring-objects';
import { checkDrift } from '../core/check-drift';
import { CheckDriftRequest } from '../core/schemas';

const env = readEnvironment(
  z.object({
    MONITORING_BUCKET_NAME: required(),
    MONITORING_TABLE_NAME: required(),
    REGISTRY_TABLE_NAME: required(),
    MONITORING_METRICS_NAMESPACE: required(),
    EVENT_BUS_NAME: required(),
    INLINE_WINDOW_BYTES: z.coerce.number().check(z.positive()),
  }),
);
const s3 = s3Client();
const db = documentClient();

const driftCheck = checkDrift({
  capture: new S3CaptureStore(s3, env.MONITORING_BUCKET_NAME),
  objects: new S3MonitoringObjects(s3, env.MONITORING_BUCKET_NAME),
  store: new DynamoMonitoringStore(db, env.MONITORING_TABLE_NAME),
  versions: new RegistryModelVersions(db, env.REGISTRY_TABLE_NAME),
  metrics: new CloudWatchDriftMetrics(cloudWatchClient(), env.MONITORING_METRICS_NAMESPACE),
  events: new EventBridgeMonitoringEvents(eventBridgeClient(), env.EVENT_BUS_NAME),
  clock: systemClock,
  inlineWindowBytes: env.INLINE_WINDOW_BYTES,
});

/** A step of the drift-check state machine: `plan` (checks small windows at once) or `finish`. */
export const handler = createHandler(CheckDriftRequest, (request) => driftCheck(request));
