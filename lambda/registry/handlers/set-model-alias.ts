import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { documentClient, eventBridgeClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler, metrics } from '../../shared/handler';
import { PLATFORM_METRICS } from '../../shared/platform-metrics';
import { DynamoRegistryStore } from '../adapters/dynamo-registry-store';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { SetModelAliasRequest } from '../core/schemas';
import { setModelAlias } from '../core/set-model-alias';

const env = readEnvironment(z.object({ REGISTRY_TABLE_NAME: required(), EVENT_BUS_NAME: required() }));

const setAlias = setModelAlias({
  store: new DynamoRegistryStore(documentClient(), env.REGISTRY_TABLE_NAME),
  events: new EventBridgePublisher(eventBridgeClient(), env.EVENT_BUS_NAME),
  clock: systemClock,
});

export const handler = createHandler(SetModelAliasRequest, async (request) => {
  const result = await setAlias(request);
  if (result.changed) metrics.addMetric(PLATFORM_METRICS.modelAliasMoves, MetricUnit.Count, 1);
  return result;
});
