import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler, logger, metrics } from '../../shared/handler';
import { PLATFORM_METRICS } from '../../shared/platform-metrics';
import { DynamoExperimentStore } from '../adapters/dynamo-experiment-store';
import { countRunsEnded } from '../adapters/run-status-metrics';
import { SweepRunsRequest } from '../core/schemas';
import { sweepRuns } from '../core/sweep-runs';

const env = readEnvironment(
  z.object({
    EXPERIMENTS_TABLE_NAME: required(),
    CRASH_AFTER_SECONDS: z.coerce.number().check(z.positive()),
    MLFLOW_CRASH_AFTER_SECONDS: z._default(z.coerce.number().check(z.positive()), 86_400),
  }),
);

const sweep = sweepRuns({
  store: new DynamoExperimentStore(documentClient(), env.EXPERIMENTS_TABLE_NAME),
  clock: systemClock,
  crashAfterMs: env.CRASH_AFTER_SECONDS * 1000,
  mlflowCrashAfterMs: env.MLFLOW_CRASH_AFTER_SECONDS * 1000,
});

export const handler = createHandler(SweepRunsRequest, async () => {
  const result = await sweep();
  if (result.crashed.length > 0) logger.info('runs declared crashed', { runIds: result.crashed });
  countRunsEnded('CRASHED', result.crashed.length);
  metrics.addMetric(PLATFORM_METRICS.runsInProgress, MetricUnit.Count, result.running);
  return result;
});
