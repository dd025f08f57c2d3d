/**
 * Scenarios of the stored monitors' functions (CreateMonitor, DeleteMonitor, MonitorEvents), which together send
 * every call they make, and the registry, baseline, deployment and stored-monitor items they start from.
 */
import { monitoringKeys } from '../../../../lambda/monitoring/adapters/table-keys';
import type { StoredMonitor } from '../../../../lambda/monitoring/core/stored-monitor';
import { ALL_AT_ONCE, items as deploymentItems, deploymentOf, revisionOf, SERVERLESS } from '../../deployments/handlers/handler-scenarios';
import type { HandlerScenario } from '../../handler-support/scenarios';
import { FUNCTION_ENVIRONMENT, type PlatformFakes } from '../../handler-support/sdk-mocks';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';
import { sampleStoredMonitor } from '../stored-monitor-fakes';

const BUCKET = FUNCTION_ENVIRONMENT.MONITORING_BUCKET_NAME;
/** The model the deployment's image serves first (the images scenarios' image version 2), and a monitor of it. */
export const SERVED_MODEL = 'fraud-linear';
export const SERVED_VERSION = 3;
export const DEPLOYMENT = 'fraud-api';
export const STORED = 'fraud-hourly';

/** A baseline's table item, as RegisterBaseline writes it. */
export const baselineItem = (model: string, version: number) => ({
  ...monitoringKeys.baseline(model, version),
  model,
  version,
  uri: `s3://${BUCKET}/baselines/${model}/${version}/profile.json`,
  createdAt: '2026-05-20T09:00:00.000Z',
  rows: 1000,
  features: [],
});

/** A stored monitor of fraud-linear 3 against collected records, due at noon. */
export const storedMonitor = (overrides: Partial<StoredMonitor> = {}): StoredMonitor =>
  sampleStoredMonitor({ monitor: STORED, model: SERVED_MODEL, version: SERVED_VERSION, bucket: BUCKET, prefix: `collected/${STORED}/` }, overrides);

export const storedMonitorItem = (monitor: StoredMonitor) => ({ ...monitoringKeys.storedMonitor(monitor.config.monitor), ...monitor });

/** `fraud-linear` version 3 (and `production` on it) with a baseline. */
export function baselinedVersion({ registry, monitoring }: PlatformFakes): void {
  registry.put(registryItems.version(SERVED_MODEL, SERVED_VERSION), registryItems.alias(SERVED_MODEL, 'production', SERVED_VERSION, 1));
  monitoring.put(baselineItem(SERVED_MODEL, SERVED_VERSION));
}

/** The serverless deployment serving image version 2 (whose first model is fraud-linear 3), in `status`. */
export function deploymentIn(fakes: PlatformFakes, status: 'IN_SERVICE' | 'DELETED'): void {
  const current = revisionOf(DEPLOYMENT, 1, 2, SERVERLESS, ALL_AT_ONCE);
  fakes.deployments.put(deploymentItems.deployment(deploymentOf(DEPLOYMENT, SERVERLESS, status, { current })));
}

export const deploymentChanged = (name = DEPLOYMENT) => ({
  version: '0',
  id: 'b1c2d3e4-0000-4000-8000-000000000001',
  'detail-type': 'DeploymentStateChanged',
  source: 'mlops-platform.deployments',
  account: '123456789012',
  time: '2026-06-01T12:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    name,
    revision: 1,
    from: 'CREATING',
    to: 'IN_SERVICE',
    reason: 'the endpoint is InService',
    image: { name: 'fraud-scoring', version: 1 },
    at: '2026-06-01T12:00:00.000Z',
  },
});

export const scheduleTick = (time = '2026-06-01T12:01:00Z') => ({
  version: '0',
  id: 'c1c2d3e4-0000-4000-8000-000000000002',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/MonitorSchedule'],
  detail: {},
});

export const createMonitorScenarios: readonly HandlerScenario[] = [
  {
    name: "a monitor of a deployment's capture, pinned to a version",
    arrange: (fakes) => {
      baselinedVersion(fakes);
      deploymentIn(fakes, 'IN_SERVICE');
    },
    event: { monitor: STORED, model: SERVED_MODEL, version: SERVED_VERSION, deployment: DEPLOYMENT, scheduleMinutes: 30, actor: 'ana' },
    // Does the version exist, has it a baseline, does the deployment exist; then the conditional put.
    sends: ['GetCommand', 'GetCommand', 'GetCommand', 'PutCommand'],
  },
  {
    name: 'replacing a monitor of collected records, following an alias',
    arrange: (fakes) => {
      baselinedVersion(fakes);
      fakes.monitoring.put(storedMonitorItem(storedMonitor()));
    },
    event: { monitor: STORED, model: SERVED_MODEL, alias: 'production', replace: true },
    // The alias, the baseline, the monitor replaced (its creation time stays), the put.
    sends: ['GetCommand', 'GetCommand', 'GetCommand', 'PutCommand'],
  },
];

export const deleteMonitorScenarios: readonly HandlerScenario[] = [
  {
    name: 'a stored monitor',
    arrange: (fakes) => fakes.monitoring.put(storedMonitorItem(storedMonitor())),
    event: { monitor: STORED },
    sends: ['DeleteCommand'],
  },
];

export const monitorEventsScenarios: readonly HandlerScenario[] = [
  {
    name: 'the schedule: a due monitor checked',
    arrange: (fakes) => fakes.monitoring.put(storedMonitorItem(storedMonitor())),
    event: scheduleTick(),
    // The stored monitors, the check's execution started, the schedule moved on.
    sends: ['QueryCommand', 'StartExecutionCommand', 'UpdateCommand'],
  },
  {
    name: 'a deployment in service gets its monitor',
    arrange: (fakes) => {
      baselinedVersion(fakes);
      deploymentIn(fakes, 'IN_SERVICE');
    },
    event: deploymentChanged(),
    // The deployment, its monitor (none yet), the version and its baseline, the put.
    sends: ['GetCommand', 'GetCommand', 'GetCommand', 'GetCommand', 'PutCommand'],
  },
  {
    name: 'a deleted deployment loses its monitor',
    arrange: (fakes) => {
      deploymentIn(fakes, 'DELETED');
      fakes.monitoring.put(storedMonitorItem(storedMonitor({ config: { ...storedMonitor().config, monitor: DEPLOYMENT }, deployment: DEPLOYMENT })));
    },
    event: deploymentChanged(),
    sends: ['GetCommand', 'GetCommand', 'DeleteCommand'],
  },
];
