import * as z from 'zod/mini';
import { s3Client } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { S3CaptureStore } from '../adapters/s3-capture-store';
import { S3MonitoringObjects } from '../adapters/s3-monitoring-objects';
import { sketchCaptureChunk } from '../core/check-drift';
import { SketchChunkRequest } from '../core/schemas';

const env = readEnvironment(z.object({ MONITORING_BUCKET_NAME: required() }));
const s3 = s3Client();

/** An item of the drift check's Distributed Map: sketches one chunk of a large window. */
export const handler = createHandler(
  SketchChunkRequest,
  sketchCaptureChunk({ capture: new S3CaptureStore(s3, env.MONITORING_BUCKET_NAME), objects: new S3MonitoringObjects(s3, env.MONITORING_BUCKET_NAME) }),
);
