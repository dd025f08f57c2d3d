import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { cloudWatchClient, documentClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler, logger, metrics } from '../../shared/handler';
import { CloudWatchMetricPublisher } from '../adapters/cloudwatch-metric-publisher';
import { DynamoExperimentStore } from '../adapters/dynamo-experiment-store';
import { logMetrics } from '../core/log-metrics';
import { LogMetricsRequest } from '../core/schemas';

const env = readEnvironment(z.object({ EXPERIMENTS_TABLE_NAME: required(), RUN_METRICS_NAMESPACE: required() }));

const log = logMetrics({
  store: new DynamoExperimentStore(documentClient(), env.EXPERIMENTS_TABLE_NAME),
  publisher: new CloudWatchMetricPublisher(cloudWatchClient(), env.RUN_METRICS_NAMESPACE, systemClock),
  clock: systemClock,
  onPublishFailure: (error) => {
    logger.warn('CloudWatch refused a stored batch', error as Error);
    metrics.addMetric('RunMetricPublishFailures', MetricUnit.Count, 1);
  },
});

export const handler = createHandler(LogMetricsRequest, async (request) => {
  const result = await log(request);
  if (!result.replayed && result.accepted > 0) metrics.addMetric('MetricPointsLogged', MetricUnit.Count, result.accepted);
  return result;
});
