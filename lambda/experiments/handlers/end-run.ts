import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoExperimentStore } from '../adapters/dynamo-experiment-store';
import { countRunsEnded } from '../adapters/run-status-metrics';
import { endRun } from '../core/end-run';
import { EndRunRequest } from '../core/schemas';

const env = readEnvironment(z.object({ EXPERIMENTS_TABLE_NAME: required() }));

const end = endRun({ store: new DynamoExperimentStore(documentClient(), env.EXPERIMENTS_TABLE_NAME), clock: systemClock });

export const handler = createHandler(EndRunRequest, async (request) => {
  const { run, changed } = await end(request);
  if (changed) countRunsEnded(run.status, 1);
  return run;
});
