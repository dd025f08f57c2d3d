import * as z from 'zod/mini';
import { DynamoDeploymentStore } from '../../deployments/adapters/dynamo-deployment-store';
import { RegistryModelVersions } from '../../registry/adapters/registry-model-versions';
import { documentClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import type { CreateMonitorDependencies } from '../core/create-monitor';
import type { DeploymentsView } from '../core/ports';
import { DynamoMonitoringStore } from './dynamo-monitoring-store';
import { DynamoStoredMonitors } from './dynamo-stored-monitors';

/** What `CreateMonitor` and `MonitorEvents` are given: a stored monitor is checked against these. */
const StoredMonitorEnvironment = z.object({
  MONITORING_TABLE_NAME: required(),
  MONITORING_BUCKET_NAME: required(),
  REGISTRY_TABLE_NAME: required(),
  /** Set when the platform has deployments (`ModelMonitoring.watchDeployments`). */
  DEPLOYMENTS_TABLE_NAME: z.optional(z.string()),
});

/** A platform without deployments: a monitor naming one is refused as naming none. */
const NO_DEPLOYMENTS: DeploymentsView = { getDeployment: async () => undefined };

/** The adapters a monitor is made (or kept in step with its deployment) on, from the function's environment. */
export function storedMonitorDependencies(): CreateMonitorDependencies {
  const env = readEnvironment(StoredMonitorEnvironment);
  const db = documentClient();
  return {
    monitors: new DynamoStoredMonitors(db, env.MONITORING_TABLE_NAME),
    store: new DynamoMonitoringStore(db, env.MONITORING_TABLE_NAME),
    versions: new RegistryModelVersions(db, env.REGISTRY_TABLE_NAME),
    deployments: env.DEPLOYMENTS_TABLE_NAME ? new DynamoDeploymentStore(db, env.DEPLOYMENTS_TABLE_NAME) : NO_DEPLOYMENTS,
    clock: systemClock,
    monitoringBucket: env.MONITORING_BUCKET_NAME,
  };
}
