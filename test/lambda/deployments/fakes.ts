import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange } from '../../../lambda/deployments/core/model';
import type {
  CreateOutcome,
  DeploymentEvents,
  DeploymentImages,
  DeploymentStore,
  ModelAliases,
  RollbackAlarmStore,
  SageMakerHosting,
} from '../../../lambda/deployments/core/ports';
import type { ImageVersionRecord } from '../../../lambda/images/core/model';
import { FakeClock } from '../shared/fake-clock';

/** Deployments and their history in memory, with the table's conditions. */
export class InMemoryDeploymentStore implements DeploymentStore {
  readonly deployments = new Map<string, DeploymentRecord>();
  readonly changes: DeploymentStateChange[] = [];

  async getDeployment(name: string) {
    return this.deployments.get(name);
  }

  async createDeployment(record: DeploymentRecord, change: DeploymentStateChange): Promise<CreateOutcome> {
    const existing = this.deployments.get(record.name);
    if (existing && existing.status !== 'DELETED') return { kind: 'name-taken', existing };
    this.deployments.set(record.name, record);
    this.changes.push(change);
    return { kind: 'created' };
  }

  async listDeployments() {
    return { items: [...this.deployments.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async history(name: string) {
    return { items: this.changes.filter((change) => change.name === name).reverse() };
  }

  async updateDeployment(record: DeploymentRecord, expected: DeploymentRecord, change: DeploymentStateChange) {
    if (this.deployments.get(record.name)?.updatedAt !== expected.updatedAt) return false;
    this.deployments.set(record.name, record);
    this.changes.push(change);
    return true;
  }
}

/** A READY image version serving `churn` version `modelVersion`, built by the platform. */
export function readyImage(name: string, version: number, modelVersion = 3, overrides: Partial<ImageVersionRecord> = {}): ImageVersionRecord {
  return {
    name,
    version,
    status: 'READY',
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:05:00.000Z',
    models: [{ name: 'churn', version: modelVersion, artifactUri: `s3://artifacts/models/churn/v${modelVersion}/model.tar.gz` }],
    source: { type: 'build', baseImage: 'public.ecr.aws/docker/library/python:3.12-slim', contextUri: `s3://artifacts/images/${name}/${version}/context/` },
    environment: {},
    allowCriticalFindings: false,
    imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-images@sha256:${String(version).padStart(64, '0')}`,
    digest: `sha256:${String(version).padStart(64, '0')}`,
    modelDataUrl: `s3://artifacts/images/${name}/${version}/model.tar.gz`,
    ...overrides,
  };
}

export class FakeImages implements DeploymentImages {
  constructor(private readonly versions: readonly ImageVersionRecord[]) {}
  async getImage(name: string) {
    return this.versions.some((each) => each.name === name) ? { name } : undefined;
  }
  async getVersion(name: string, version: number) {
    return this.versions.find((each) => each.name === name && each.version === version);
  }
  async versionsServing(model: string, modelVersion: number) {
    return this.versions
      .filter((each) => each.models.some((served) => served.name === model && served.version === modelVersion))
      .map(({ name, version }) => ({ name, version }));
  }
}

export class FakeAliases implements ModelAliases {
  private readonly aliases: Map<string, number>;
  constructor(aliases: Record<string, number> = {}) {
    this.aliases = new Map(Object.entries(aliases));
  }
  async aliasVersion(model: string, alias: string) {
    return this.aliases.get(`${model}@${alias}`);
  }
  /** Moves an alias, as the registry would. */
  move(model: string, alias: string, version: number) {
    this.aliases.set(`${model}@${alias}`, version);
  }
}

/** SageMaker calls as made, in order; `failOn` makes that call throw as SageMaker would. */
export class RecordingHosting implements SageMakerHosting {
  readonly calls: string[] = [];
  constructor(private readonly failOn?: { call: string; error: Error }) {}
  private record(call: string) {
    this.calls.push(call);
    if (this.failOn && call.startsWith(this.failOn.call)) throw this.failOn.error;
  }
  async createRevision(_deployment: DeploymentRecord, revision: DeploymentRevision) {
    this.record(`createRevision ${revision.model} ${revision.endpointConfig}`);
  }
  async createEndpoint(deployment: DeploymentRecord, revision: DeploymentRevision) {
    this.record(`createEndpoint ${deployment.endpoint} ${revision.endpointConfig}`);
  }
  async updateEndpoint(deployment: DeploymentRecord, revision: DeploymentRevision) {
    this.record(`updateEndpoint ${deployment.endpoint} ${revision.endpointConfig} ${revision.rollout.runBy}`);
  }
  async deleteEndpoint(deployment: DeploymentRecord) {
    this.record(`deleteEndpoint ${deployment.endpoint}`);
  }
  async deleteRevision(revision: DeploymentRevision) {
    this.record(`deleteRevision ${revision.model} ${revision.endpointConfig}`);
  }
}

export class RecordingAlarms implements RollbackAlarmStore {
  readonly put: string[] = [];
  readonly deleted: string[] = [];
  async putAlarms(deployment: DeploymentRecord) {
    this.put.push(deployment.name);
  }
  async deleteAlarms(deployment: DeploymentRecord) {
    this.deleted.push(deployment.name);
  }
}

export class RecordingDeploymentEvents implements DeploymentEvents {
  readonly published: DeploymentStateChange[] = [];
  async publish(change: DeploymentStateChange) {
    this.published.push(change);
  }
}

/** Every dependency of the deployment use cases as a fake, typed as the fakes so tests can look inside. */
export function fakeDeploymentDependencies(options: { images: readonly ImageVersionRecord[]; aliases?: Record<string, number>; hosting?: RecordingHosting }) {
  return {
    store: new InMemoryDeploymentStore(),
    images: new FakeImages(options.images),
    aliases: new FakeAliases(options.aliases),
    hosting: options.hosting ?? new RecordingHosting(),
    alarms: new RecordingAlarms(),
    events: new RecordingDeploymentEvents(),
    clock: new FakeClock(),
  };
}
