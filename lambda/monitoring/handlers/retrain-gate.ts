import * as z from 'zod/mini';
import { documentClient, eventBridgeClient } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoMonitoringStore } from '../adapters/dynamo-monitoring-store';
import { EventBridgeMonitoringEvents } from '../adapters/eventbridge-monitoring-events';
import { retrainGate } from '../core/retrain-gate';
import { RetrainGateRequest } from '../core/schemas';

const env = readEnvironment(z.object({ MONITORING_TABLE_NAME: required(), EVENT_BUS_NAME: required() }));

export const handler = createHandler(
  RetrainGateRequest,
  retrainGate({
    store: new DynamoMonitoringStore(documentClient(), env.MONITORING_TABLE_NAME),
    events: new EventBridgeMonitoringEvents(eventBridgeClient(), env.EVENT_BUS_NAME),
  }),
);
