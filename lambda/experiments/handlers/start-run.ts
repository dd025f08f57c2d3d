import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler, metrics } from '../../shared/handler';
import { PLATFORM_METRICS } from '../../shared/platform-metrics';
import { DynamoExperimentStore } from '../adapters/dynamo-experiment-store';
import { StartRunRequest } from '../core/schemas';
import { startRun } from '../core/start-run';

const env = readEnvironment(z.object({ EXPERIMENTS_TABLE_NAME: required() }));

const start = startRun({ store: new DynamoExperimentStore(documentClient(), env.EXPERIMENTS_TABLE_NAME), clock: systemClock });

export const handler = createHandler(StartRunRequest, async (request) => {
  const run = await start(request);
  metrics.addMetric(PLATFORM_METRICS.runsStarted, MetricUnit.Count, 1);
  return run;
});
