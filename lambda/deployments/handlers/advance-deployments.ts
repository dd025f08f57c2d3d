import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { createHandler, logger, metrics } from '../../shared/handler';
import { PLATFORM_METRICS } from '../../shared/platform-metrics';
import { platformDependencies } from '../adapters/platform-dependencies';
import { advanceDeployments } from '../core/advance-deployments';

const advance = advanceDeployments(platformDependencies());

/** The every-minute schedule's target: what the scheduled event says is not read. */
export const handler = createHandler(z.looseObject({}), async () => {
  const summary = await advance();
  // A failed step is retried by the next run; each is logged, and counted so one that keeps failing alarms.
  for (const failure of summary.failed) logger.warn('deployment step failed', { deployment: failure.name, error: failure.error });
  metrics.addMetric(PLATFORM_METRICS.deploymentStepsFailed, MetricUnit.Count, summary.failed.length);
  return summary;
});
