/**
 * Scenarios that together drive every code path of the deployment handlers that sends an SDK call (run by the
 * handler tests and by the IAM coverage test), and the deployments, image versions, SageMaker hosting and alarms
 * they start from, as the platform's functions leave them.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { EndpointStatus } from '@aws-sdk/client-sagemaker';
import { deploymentKeys } from '../../../../lambda/deployments/adapters/table-keys';
import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange, DeploymentStatus, ServedImage } from '../../../../lambda/deployments/core/model';
import { rolloutPlan } from '../../../../lambda/deployments/core/rollout-plan';
import { rollbackAlarmNames, sageMakerNames } from '../../../../lambda/deployments/core/sagemaker-names';
import type { ImageVersionRecord } from '../../../../lambda/images/core/model';
import type { HandlerScenario, HandlerScenarios } from '../../handler-support/scenarios';
import { cloudWatchMock, type DeploymentsFunction, FUNCTION_ENVIRONMENT, invoke, type PlatformFakes } from '../../handler-support/sdk-mocks';
import {
  buildingVersion,
  committed,
  IMAGE,
  MODEL,
  modelsInRegistry,
  NOW,
  OTHER_MODEL,
  readyVersion,
  SERVED_MODELS,
  servedModel,
} from '../../images/handlers/handler-scenarios';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';

export { IMAGE, MODEL, NOW } from '../../images/handlers/handler-scenarios';

/** A serverless deployment, and one on instances. */
export const SERVERLESS_NAME = 'fraud-api';
export const INSTANCES_NAME = 'fraud-fleet';

/** When the deployments the scenarios start from were created and last changed: an hour before `NOW`. */
export const EARLIER = '2026-06-01T11:00:00.000Z';

/**
 * `IMAGE`'s versions: 1 serves fraud-linear 2, 2 serves fraud-linear 3 (`production`, as `modelsInRegistry` has
 * it), 3 serves fraud-linear 3 too but is still building: a deployment following `production` gets version 2.
 */
export const IMAGE_VERSIONS: Readonly<Record<number, ImageVersionRecord>> = {
  1: readyVersion(1, [servedModel(MODEL, 2), servedModel(OTHER_MODEL, 2)]),
  2: readyVersion(2, SERVED_MODELS),
  3: buildingVersion(3),
};

/** The registry's models and `IMAGE`'s three versions, as registrations and builds leave them. */
export function imagesRegistered(fakes: PlatformFakes): void {
  modelsInRegistry(fakes);
  for (const record of Object.values(IMAGE_VERSIONS)) committed(fakes, record, 3);
}

export const SERVERLESS = { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 } as const;
export const INSTANCES = { kind: 'instances', instanceType: 'ml.m5.large', count: 2 } as const;
export const ALL_AT_ONCE = { kind: 'all-at-once', bakeMinutes: 10 } as const;
export const CANARY = { kind: 'canary', percent: 10, bakeMinutes: 10 } as const;
export const LINEAR = { kind: 'linear', stepPercent: 25, intervalMinutes: 5 } as const;
type Compute = typeof SERVERLESS | typeof INSTANCES;
type Strategy = typeof ALL_AT_ONCE | typeof CANARY | typeof LINEAR;

/** An image version as a deployment pins it. */
export function servedImageOf(version: number): ServedImage {
  const { name, imageUri, modelDataUrl, models } = IMAGE_VERSIONS[version];
  return { name, version, imageUri: imageUri!, modelDataUrl: modelDataUrl!, models: models.map((model) => ({ name: model.name, version: model.version })) };
}

/** Revision `number` of deployment `name`, serving `imageVersion`, planned as the use cases plan it. */
export function revisionOf(
  name: string,
  number: number,
  imageVersion: number,
  compute: Compute,
  strategy: Strategy,
  extra: Partial<DeploymentRevision> = {},
): DeploymentRevision {
  const { endpointConfig, model } = sageMakerNames(name, number);
  return {
    revision: number,
    image: servedImageOf(imageVersion),
    endpointConfig,
    model,
    rollout: rolloutPlan(compute, strategy, rollbackAlarmNames(name)),
    startedAt: EARLIER,
    ...extra,
  };
}

/** A deployment record in `status` with the revisions given. */
export function deploymentOf(
  name: string,
  compute: Compute,
  status: DeploymentStatus,
  revisions: { current?: DeploymentRevision; pending?: DeploymentRevision; previous?: DeploymentRevision },
  overrides: Partial<DeploymentRecord> = {},
): DeploymentRecord {
  const numbers = Object.values(revisions).map((revision) => revision.revision);
  return {
    name,
    endpoint: sageMakerNames(name, 1).endpoint,
    compute,
    strategy: compute.kind === 'serverless' ? ALL_AT_ONCE : CANARY,
    alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
    status,
    lastRevision: Math.max(...numbers),
    ...revisions,
    createdAt: EARLIER,
    createdBy: 'ana',
    updatedAt: EARLIER,
    ...overrides,
  };
}

/** The deployments table's items, as `DynamoDeploymentStore` writes them. */
export const items = {
  deployment: (record: DeploymentRecord) => ({ ...deploymentKeys.deployment(record.name), ...deploymentKeys.deploymentIndex(record.name), ...record }),
  history: (change: DeploymentStateChange) => ({ ...deploymentKeys.history(change.name, change.at, change.revision, change.to), ...change }),
};

/**
 * A deployment as the platform left it: its item, each revision's SageMaker model and config, its endpoint (in
 * `endpoint.status`, serving `endpoint.serving`'s config, moving to `updatingTo`'s) and its two alarms, OK.
 */
export function deployed(
  fakes: PlatformFakes,
  record: DeploymentRecord,
  endpoint?: { status: EndpointStatus; serving: DeploymentRevision; updatingTo?: DeploymentRevision },
): void {
  fakes.deployments.put(items.deployment(record));
  for (const revision of [record.previous, record.current, record.pending]) {
    if (revision) fakes.sageMaker.addRevision(revision.model, revision.endpointConfig);
  }
  if (endpoint) fakes.sageMaker.addEndpoint(record.endpoint, endpoint.serving.endpointConfig, endpoint.status, endpoint.updatingTo?.endpointConfig);
  for (const alarm of rollbackAlarmNames(record.name)) fakes.alarms.addAlarm(alarm, 'OK');
}

/** Serverless, in service on revision 1 (image version 1). */
export function serverlessInService(fakes: PlatformFakes, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  imagesRegistered(fakes);
  const current = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
  const record = deploymentOf(SERVERLESS_NAME, SERVERLESS, 'IN_SERVICE', { current }, overrides);
  deployed(fakes, record, { status: 'InService', serving: current });
  return record;
}

/** Serverless, in service on revision 2 (image version 2), revision 1 (version 1) kept to roll back to. */
export function serverlessUpdated(fakes: PlatformFakes): DeploymentRecord {
  imagesRegistered(fakes);
  const previous = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
  const current = revisionOf(SERVERLESS_NAME, 2, 2, SERVERLESS, ALL_AT_ONCE);
  const record = deploymentOf(SERVERLESS_NAME, SERVERLESS, 'IN_SERVICE', { previous, current });
  deployed(fakes, record, { status: 'InService', serving: current });
  return record;
}

/** On instances, in service on revision 1 (image version 1). */
export function instancesInService(fakes: PlatformFakes): DeploymentRecord {
  imagesRegistered(fakes);
  const current = revisionOf(INSTANCES_NAME, 1, 1, INSTANCES, CANARY);
  const record = deploymentOf(INSTANCES_NAME, INSTANCES, 'IN_SERVICE', { current });
  deployed(fakes, record, { status: 'InService', serving: current });
  return record;
}

/**
 * Serverless, updating from revision 1 to 2 (which serves already: SageMaker swapped it), with a previous revision 0
 * kept from before; the bake until `bakeUntil` (none: not started).
 */
export function serverlessBaking(fakes: PlatformFakes, bakeUntil?: string): DeploymentRecord {
  imagesRegistered(fakes);
  const current = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
  const pending = revisionOf(SERVERLESS_NAME, 2, 2, SERVERLESS, ALL_AT_ONCE, bakeUntil ? { bakeUntil } : {});
  const record = deploymentOf(SERVERLESS_NAME, SERVERLESS, 'UPDATING', { current, pending });
  deployed(fakes, record, { status: 'InService', serving: pending });
  return record;
}

/** On instances, SageMaker rolling revision 2 (a canary) out over revision 1; the endpoint as `endpoint` says. */
export function instancesUpdating(fakes: PlatformFakes, endpoint: { status: EndpointStatus; servingPending: boolean }): DeploymentRecord {
  imagesRegistered(fakes);
  const current = revisionOf(INSTANCES_NAME, 1, 1, INSTANCES, CANARY);
  const pending = revisionOf(INSTANCES_NAME, 2, 2, INSTANCES, CANARY);
  const record = deploymentOf(INSTANCES_NAME, INSTANCES, 'UPDATING', { current, pending });
  deployed(fakes, record, { status: endpoint.status, serving: endpoint.servingPending ? pending : current });
  return record;
}

/** Serverless, following `production` of fraud-linear, in service on image version 1 (which served it when production was on 2). */
export function followingInService(fakes: PlatformFakes): DeploymentRecord {
  return serverlessInService(fakes, { follow: { model: MODEL, alias: 'production' } });
}

/** The registry's `ModelAliasChanged` on the platform bus, as the rule delivers it. */
export function aliasChanged(alias: string, toVersion: number, fromVersion?: number, name = MODEL) {
  return {
    version: '0',
    id: '5c1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
    'detail-type': 'ModelAliasChanged',
    source: 'mlops-platform.registry',
    account: '123456789012',
    time: '2026-06-01T12:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { name, alias, revision: 2, fromVersion, toVersion, changedAt: NOW, changedBy: 'bob' },
  };
}

/** The images' `ImageBuildStateChanged` on the platform bus, as the rule delivers it. */
export function imageBuilt(version: number, status = 'READY') {
  return {
    version: '0',
    id: '6d2f3e4d-5c6b-4d7e-8f90-0a1b2c3d4e5f',
    'detail-type': 'ImageBuildStateChanged',
    source: 'mlops-platform.images',
    account: '123456789012',
    time: '2026-06-01T12:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { name: IMAGE, version, status, models: [{ name: MODEL, version: 3 }] },
  };
}

/** The rate(1 minute) schedule's event. */
export const SCHEDULED_EVENT = {
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: NOW,
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/AdvanceDeployments'],
  detail: {},
};

export const serverlessRequest = (overrides: Record<string, unknown> = {}) => ({ name: SERVERLESS_NAME, image: IMAGE, version: 1, actor: 'ana', ...overrides });

// A new deployment recorded and announced, its alarms put, its model, config and endpoint asked for.
const CREATE = [
  'TransactWriteCommand',
  'PutEventsCommand',
  'PutMetricAlarmCommand',
  'PutMetricAlarmCommand',
  'CreateModelCommand',
  'CreateEndpointConfigCommand',
  'CreateEndpointCommand',
];
// The alias read from the registry, the image versions serving its version, each read from the newest until a READY
// one (3 is building), then that one read to pin it.
const FOLLOW = ['GetCommand', 'QueryCommand', 'GetCommand', 'GetCommand', 'GetCommand'];
// An update recorded and announced, the alarms put again, the revision's model and config made, the endpoint moved.
const ROLL_OUT = [
  'TransactWriteCommand',
  'PutEventsCommand',
  'PutMetricAlarmCommand',
  'PutMetricAlarmCommand',
  'CreateModelCommand',
  'CreateEndpointConfigCommand',
  'UpdateEndpointCommand',
];
// A revision retired: its config, then its model.
const RETIRE = ['DeleteEndpointConfigCommand', 'DeleteModelCommand'];
// The deployments listed; for the one in transit, SageMaker's view of its endpoint and its alarms.
const OBSERVE = ['QueryCommand', 'DescribeEndpointCommand', 'DescribeAlarmsCommand'];
const RECORD = ['TransactWriteCommand', 'PutEventsCommand'];

export const createDeploymentScenarios: readonly HandlerScenario[] = [
  {
    name: 'a serverless deployment of an image version',
    arrange: imagesRegistered,
    event: serverlessRequest(),
    // The name checked free, the image version read.
    sends: ['GetCommand', 'GetCommand', ...CREATE],
  },
  {
    name: 'a deployment on instances, updated by canary',
    arrange: imagesRegistered,
    event: { name: INSTANCES_NAME, image: IMAGE, version: 2, compute: INSTANCES, strategy: CANARY },
    sends: ['GetCommand', 'GetCommand', ...CREATE],
  },
  {
    name: 'a deployment following an alias',
    arrange: imagesRegistered,
    event: serverlessRequest({ version: undefined, follow: { model: MODEL, alias: 'production' } }),
    sends: ['GetCommand', ...FOLLOW, ...CREATE],
  },
  {
    name: 'a create retried with its client token',
    arrange: async (fakes) => {
      imagesRegistered(fakes);
      await invoke('CreateDeployment', serverlessRequest({ clientToken: 'create-fraud-api-1' }));
    },
    event: serverlessRequest({ clientToken: 'create-fraud-api-1' }),
    sends: ['GetCommand'],
  },
  {
    name: 'a create SageMaker refuses (its endpoint name taken outside the platform)',
    arrange: (fakes) => {
      imagesRegistered(fakes);
      fakes.sageMaker.addRevision('hand-made-model', 'hand-made-config').addEndpoint('mlops-fraud-api', 'hand-made-config');
    },
    event: serverlessRequest(),
    // The endpoint refused: the revision's config and model deleted, the deployment recorded FAILED and announced.
    sends: ['GetCommand', 'GetCommand', ...CREATE, ...RETIRE, ...RECORD],
  },
];

export const updateDeploymentScenarios: readonly HandlerScenario[] = [
  {
    name: 'a serverless update to another version, all at once',
    arrange: serverlessInService,
    event: { name: SERVERLESS_NAME, version: 2, actor: 'ana' },
    sends: ['GetCommand', 'GetCommand', ...ROLL_OUT],
  },
  ...[
    ['by canary (the deployment own strategy)', undefined],
    ['linearly', LINEAR],
    ['all at once', ALL_AT_ONCE],
  ].map(
    ([how, strategy]): HandlerScenario => ({
      name: `an update on instances ${how}`,
      arrange: instancesInService,
      event: { name: INSTANCES_NAME, version: 2, ...(strategy ? { strategy } : {}) },
      sends: ['GetCommand', 'GetCommand', ...ROLL_OUT],
    }),
  ),
  {
    name: 'an update following the alias: the image serving its version now',
    arrange: followingInService,
    event: { name: SERVERLESS_NAME },
    sends: ['GetCommand', ...FOLLOW, ...ROLL_OUT],
  },
  {
    name: 'an update to the version served already',
    arrange: serverlessInService,
    event: { name: SERVERLESS_NAME, version: 1 },
    sends: ['GetCommand', 'GetCommand'],
  },
  {
    name: 'an update SageMaker refuses (the endpoint busy with a change made outside the platform)',
    arrange: (fakes) => {
      serverlessInService(fakes);
      fakes.sageMaker.fail('mlops-fraud-api', 'an update made in the console failed');
    },
    event: { name: SERVERLESS_NAME, version: 2 },
    // The endpoint refused: the revision's config and model deleted, the deployment back IN_SERVICE, announced.
    sends: ['GetCommand', 'GetCommand', ...ROLL_OUT, ...RETIRE, ...RECORD],
  },
];

export const rollbackDeploymentScenarios: readonly HandlerScenario[] = [
  {
    name: 'a rollback in service: the previous version again, all at once',
    arrange: serverlessUpdated,
    event: { name: SERVERLESS_NAME, actor: 'ana' },
    sends: ['GetCommand', ...ROLL_OUT],
  },
  {
    name: 'a rollback SageMaker refuses (the endpoint failed outside the platform)',
    arrange: (fakes) => {
      serverlessUpdated(fakes);
      fakes.sageMaker.fail('mlops-fraud-api', 'an update made in the console failed');
    },
    event: { name: SERVERLESS_NAME },
    sends: ['GetCommand', ...ROLL_OUT, ...RETIRE, ...RECORD],
  },
  {
    name: "a rollback during the platform's bake: the endpoint back to the current revision",
    arrange: (fakes) => {
      serverlessBaking(fakes, '2026-06-01T12:05:00.000Z');
    },
    event: { name: SERVERLESS_NAME, actor: 'ana' },
    sends: ['GetCommand', ...RECORD, 'UpdateEndpointCommand'],
  },
  {
    name: 'a rollback of a deployment rolling back already',
    arrange: (fakes) => {
      imagesRegistered(fakes);
      const current = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      const pending = revisionOf(SERVERLESS_NAME, 2, 2, SERVERLESS, ALL_AT_ONCE);
      const record = deploymentOf(SERVERLESS_NAME, SERVERLESS, 'ROLLING_BACK', { current, pending });
      deployed(fakes, record, { status: 'Updating', serving: pending, updatingTo: current });
    },
    event: { name: SERVERLESS_NAME },
    sends: ['GetCommand'],
  },
];

export const deleteDeploymentScenarios: readonly HandlerScenario[] = [
  {
    name: 'a deployment in service deleted',
    arrange: serverlessInService,
    event: { name: SERVERLESS_NAME, actor: 'ana' },
    // Recorded DELETING and announced, the endpoint and the alarms deleted.
    sends: ['GetCommand', ...RECORD, 'DeleteEndpointCommand', 'DeleteAlarmsCommand'],
  },
  {
    name: 'a failed deployment deleted (SageMaker has no endpoint)',
    arrange: (fakes) => {
      imagesRegistered(fakes);
      const pending = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      deployed(fakes, deploymentOf(SERVERLESS_NAME, SERVERLESS, 'FAILED', { pending }, { reason: 'ResourceLimitExceeded: no capacity' }));
    },
    event: { name: SERVERLESS_NAME },
    sends: ['GetCommand', ...RECORD, 'DeleteEndpointCommand', 'DeleteAlarmsCommand'],
  },
  {
    name: 'a deployment being deleted deleted again',
    arrange: (fakes) => {
      const current = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      deployed(fakes, deploymentOf(SERVERLESS_NAME, SERVERLESS, 'DELETING', { current }), { status: 'Deleting', serving: current });
    },
    event: { name: SERVERLESS_NAME },
    sends: ['GetCommand'],
  },
];

/** `fraud-api` updated once (three history entries) and `fraud-fleet` in service. */
function deploymentsWithHistory(fakes: PlatformFakes): void {
  const record = serverlessUpdated(fakes);
  instancesInService(fakes);
  const image = (version: number) => ({ name: IMAGE, version });
  fakes.deployments.put(
    items.history({ name: SERVERLESS_NAME, revision: 1, to: 'CREATING', reason: 'created', image: image(1), at: '2026-06-01T10:00:00.000Z', by: 'ana' }),
    items.history({
      name: SERVERLESS_NAME,
      revision: 1,
      from: 'CREATING',
      to: 'IN_SERVICE',
      reason: 'in service',
      image: image(1),
      at: '2026-06-01T10:04:00.000Z',
    }),
    items.history({
      name: SERVERLESS_NAME,
      revision: 2,
      from: 'IN_SERVICE',
      to: 'UPDATING',
      reason: 'rolling out version 2',
      image: image(2),
      at: record.updatedAt,
    }),
  );
}

export const queryDeploymentsScenarios: readonly HandlerScenario[] = [
  { name: 'getDeployment', arrange: deploymentsWithHistory, event: { query: 'getDeployment', name: SERVERLESS_NAME }, sends: ['GetCommand'] },
  { name: 'listDeployments', arrange: deploymentsWithHistory, event: { query: 'listDeployments' }, sends: ['QueryCommand'] },
  {
    name: 'deploymentHistory',
    arrange: deploymentsWithHistory,
    event: { query: 'deploymentHistory', name: SERVERLESS_NAME },
    sends: ['GetCommand', 'QueryCommand'],
  },
  {
    name: 'deploymentTraffic',
    arrange: (fakes) => {
      deploymentsWithHistory(fakes);
      capturedTraffic(fakes);
    },
    event: { query: 'deploymentTraffic', name: SERVERLESS_NAME, hours: 2 },
    // The deployment; its capture's variant folders, each hour folder listed, the files read; CloudWatch by hour and by config.
    sends: [
      'GetCommand',
      'ListObjectsV2Command',
      'GetMetricDataCommand',
      'GetMetricDataCommand',
      'ListObjectsV2Command',
      'ListObjectsV2Command',
      'GetObjectCommand',
    ],
  },
];

/**
 * The serverless deployment's capture in the current hour (of the clock the handler reads: frozen or not, the
 * two-hour span holds it), and CloudWatch's answer for its endpoint.
 */
export function capturedTraffic(fakes: PlatformFakes): void {
  const line = (time: string, caller: string) =>
    JSON.stringify({ captureData: {}, eventMetadata: { eventId: time, inferenceTime: time, customAttributes: `caller=${caller}` }, eventVersion: '0' });
  const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const folder = `${hour.toISOString().slice(0, 13).replace(/[-T]/g, '/')}/`;
  fakes.s3.put(
    FUNCTION_ENVIRONMENT.MONITORING_BUCKET_NAME,
    `captured/${sageMakerNames(SERVERLESS_NAME, 1).endpoint}/main/${folder}capture-1.jsonl`,
    [line(hour.toISOString(), 'checkout'), line(hour.toISOString(), 'search')].join('\n'),
  );
  cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'hinv', Timestamps: [hour], Values: [2] }] });
}

export const deploymentEventsScenarios: readonly HandlerScenario[] = [
  {
    name: "an image version READY that serves a follower's alias",
    arrange: followingInService,
    event: imageBuilt(2),
    // The deployments listed; the follower read, the alias and the image serving its version, rolled out.
    sends: ['QueryCommand', 'GetCommand', ...FOLLOW, ...ROLL_OUT],
  },
  {
    name: 'a move of an alias a deployment follows',
    arrange: followingInService,
    event: aliasChanged('production', 3, 2),
    // The deployments listed; the follower read, the alias and the image serving its version, rolled out.
    sends: ['QueryCommand', 'GetCommand', ...FOLLOW, ...ROLL_OUT],
  },
  {
    name: 'a move SageMaker refuses to roll out (the endpoint failed outside the platform)',
    arrange: (fakes) => {
      followingInService(fakes);
      fakes.sageMaker.fail('mlops-fraud-api', 'an update made in the console failed');
    },
    event: aliasChanged('production', 3, 2),
    sends: ['QueryCommand', 'GetCommand', ...FOLLOW, ...ROLL_OUT, ...RETIRE, ...RECORD],
  },
  {
    name: 'a move back to the version the follower serves',
    arrange: (fakes) => {
      followingInService(fakes);
      fakes.registry.put(registryItems.alias(MODEL, 'production', 2, 2));
    },
    event: aliasChanged('production', 2, 3),
    // Version 1 serves fraud-linear 2, and the follower serves it already: nothing rolled out.
    sends: ['QueryCommand', 'GetCommand', 'GetCommand', 'QueryCommand', 'GetCommand', 'GetCommand'],
  },
  {
    name: 'a move to a version no image serves yet: the follower skipped',
    arrange: (fakes) => {
      followingInService(fakes);
      fakes.registry.put(registryItems.alias(MODEL, 'production', 4, 2));
    },
    event: aliasChanged('production', 4, 3),
    sends: ['QueryCommand', 'GetCommand', 'GetCommand', 'QueryCommand'],
  },
  {
    name: 'a move of an alias no deployment follows',
    arrange: followingInService,
    event: aliasChanged('staging', 3, 2),
    sends: ['QueryCommand'],
  },
];

export const advanceDeploymentsScenarios: readonly HandlerScenario[] = [
  {
    name: 'an endpoint SageMaker brought into service',
    arrange: (fakes) => {
      imagesRegistered(fakes);
      const pending = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      deployed(fakes, deploymentOf(SERVERLESS_NAME, SERVERLESS, 'CREATING', { pending }), { status: 'InService', serving: pending });
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD],
  },
  {
    name: 'an endpoint still being created',
    arrange: (fakes) => {
      imagesRegistered(fakes);
      const pending = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      deployed(fakes, deploymentOf(SERVERLESS_NAME, SERVERLESS, 'CREATING', { pending }), { status: 'Creating', serving: pending });
    },
    event: SCHEDULED_EVENT,
    sends: OBSERVE,
  },
  {
    name: "a serverless update SageMaker swapped: the platform's bake starts",
    arrange: (fakes) => {
      serverlessBaking(fakes);
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD],
  },
  {
    name: 'a bake that passed without an alarm: rolled out, the revision before it retired',
    arrange: (fakes) => {
      const record = serverlessBaking(fakes, '2026-06-01T11:59:00.000Z');
      const previous = revisionOf(SERVERLESS_NAME, 0, 1, SERVERLESS, ALL_AT_ONCE);
      deployed(fakes, { ...record, previous });
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD, ...RETIRE],
  },
  {
    name: 'an alarm firing during the bake: rolled back to the current revision',
    arrange: (fakes) => {
      serverlessBaking(fakes, '2026-06-01T12:05:00.000Z');
      fakes.alarms.setState('mlops-fraud-api-5xx-rate', 'ALARM');
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD, 'UpdateEndpointCommand'],
  },
  {
    name: "the platform's rollback in service: the rolled-back revision retired",
    arrange: (fakes) => {
      imagesRegistered(fakes);
      const current = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      const pending = revisionOf(SERVERLESS_NAME, 2, 2, SERVERLESS, ALL_AT_ONCE);
      const record = deploymentOf(SERVERLESS_NAME, SERVERLESS, 'ROLLING_BACK', { current, pending }, { reason: 'alarm mlops-fraud-api-5xx-rate fired' });
      deployed(fakes, record, { status: 'InService', serving: current });
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD, ...RETIRE],
  },
  {
    name: "the platform's rollback SageMaker never took (its UpdateEndpoint failed): sent again",
    arrange: (fakes) => {
      imagesRegistered(fakes);
      const current = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      const pending = revisionOf(SERVERLESS_NAME, 2, 2, SERVERLESS, ALL_AT_ONCE);
      const record = deploymentOf(SERVERLESS_NAME, SERVERLESS, 'ROLLING_BACK', { current, pending }, { reason: 'alarm mlops-fraud-api-5xx-rate fired' });
      deployed(fakes, record, { status: 'InService', serving: pending });
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, 'UpdateEndpointCommand'],
  },
  {
    name: 'a canary SageMaker finished: rolled out',
    arrange: (fakes) => {
      instancesUpdating(fakes, { status: 'InService', servingPending: true });
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD],
  },
  {
    name: 'a canary SageMaker is rolling back',
    arrange: (fakes) => {
      instancesUpdating(fakes, { status: 'RollingBack', servingPending: false });
      fakes.alarms.setState('mlops-fraud-fleet-latency-p99', 'ALARM');
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD],
  },
  {
    name: 'a canary SageMaker rolled back: the new revision retired',
    arrange: (fakes) => {
      instancesUpdating(fakes, { status: 'InService', servingPending: false });
      fakes.alarms.setState('mlops-fraud-fleet-5xx-rate', 'ALARM');
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD, ...RETIRE],
  },
  {
    name: 'a deleted endpoint gone: DELETED, every revision retired',
    arrange: (fakes) => {
      imagesRegistered(fakes);
      const previous = revisionOf(SERVERLESS_NAME, 1, 1, SERVERLESS, ALL_AT_ONCE);
      const current = revisionOf(SERVERLESS_NAME, 2, 2, SERVERLESS, ALL_AT_ONCE);
      deployed(fakes, deploymentOf(SERVERLESS_NAME, SERVERLESS, 'DELETING', { previous, current }));
    },
    event: SCHEDULED_EVENT,
    sends: [...OBSERVE, ...RECORD, ...RETIRE, ...RETIRE],
  },
  {
    name: 'nothing in transit',
    arrange: serverlessInService,
    event: SCHEDULED_EVENT,
    sends: ['QueryCommand'],
  },
];

export const deploymentsScenarios: HandlerScenarios<DeploymentsFunction> = {
  CreateDeployment: createDeploymentScenarios,
  UpdateDeployment: updateDeploymentScenarios,
  RollbackDeployment: rollbackDeploymentScenarios,
  DeleteDeployment: deleteDeploymentScenarios,
  QueryDeployments: queryDeploymentsScenarios,
  DeploymentEvents: deploymentEventsScenarios,
  AdvanceDeployments: advanceDeploymentsScenarios,
};

/** What the deployments table, SageMaker hosting, the alarms and the bus were given, for assertions that a call created nothing. */
export function deploymentState({ deployments, sageMaker, alarms }: PlatformFakes) {
  return {
    deployments: deployments.all(),
    models: sageMaker.models,
    endpointConfigs: sageMaker.endpointConfigs,
    endpoints: sageMaker.endpoints,
    alarms: alarms.alarms,
  };
}
export { freezeDate } from '../../monitoring/handlers/handler-scenarios';
