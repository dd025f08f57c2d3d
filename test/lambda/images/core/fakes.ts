import type { ApprovalStatus, ImageRecord, ImageVersionRecord, ModelPackageRecord } from '../../../../lambda/images/core/model';
import type {
  BuildInputs,
  BuildingChange,
  CommitImageOutcome,
  CreateModelPackageInput,
  EcrImageFacts,
  EcrImageRef,
  ImageBuilder,
  ImageBuildStateChanged,
  ImageEvents,
  ImageRepository,
  ImageStore,
  ImageVersionRef,
  InputRead,
  ModelPackages,
  ModelVersions,
  PinnedArtifact,
  StartBuildInput,
} from '../../../../lambda/images/core/ports';
import type { Page, PageRequest } from '../../../../lambda/shared/page';
import { sha256Hex } from '../../registry/fakes';

/**
 * In-memory fakes of the image core's ports. The store honours the port's contract the way the
 * DynamoDB adapter does: version numbers come from an atomic per-image counter; a commit writes
 * the version, its client token and its served-model index at once, or reports a taken token and
 * writes nothing; `updateBuilding` sets the given fields only while the version is `BUILDING`.
 * Records go in and out as copies, so a use case cannot change what is stored behind its back.
 */

type Interleaved = () => Promise<unknown>;

export const ACCOUNT = '123456789012';
export const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/mlops-images`;
export const digestOf = (character: string) => `sha256:${character.repeat(64)}`;

const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
const versionKey = (name: string, version: number) => `${name}#${version}`;

function page<T>(all: readonly T[], request: PageRequest): Page<T> {
  const start = request.nextToken === undefined ? 0 : Number(request.nextToken);
  const end = start + request.limit;
  return { items: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
}

/** An image version record with plausible defaults: version 2 of churn-scorer, built, `BUILDING`. */
export function versionRecord(overrides: Partial<ImageVersionRecord> = {}): ImageVersionRecord {
  return {
    name: 'churn-scorer',
    version: 2,
    status: 'BUILDING',
    createdAt: '2025-06-01T12:00:00.000Z',
    updatedAt: '2025-06-01T12:00:00.000Z',
    models: [{ name: 'churn', version: 3, artifactUri: 's3://artifacts/models/churn/3/model.tar.gz' }],
    source: {
      type: 'build',
      entry: 's3://artifacts/uploads/score.py',
      baseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
      contextUri: 's3://artifacts/images/churn-scorer/2/context/',
    },
    environment: {},
    allowCriticalFindings: false,
    modelDataUrl: 's3://artifacts/images/churn-scorer/2/model.tar.gz',
    ...overrides,
  };
}

export class InMemoryImageStore implements ImageStore {
  readonly images = new Map<string, ImageRecord>();
  readonly versions = new Map<string, ImageVersionRecord>();
  readonly tokens = new Map<string, { readonly version: number; readonly fingerprint: string }>();
  readonly serving = new Map<string, ImageVersionRef[]>();
  /** Every version number handed out, in order. */
  readonly reservations: ImageVersionRef[] = [];
  /** Every version committed, in order. */
  readonly commits: ImageVersionRecord[] = [];
  /** Every `updateBuilding` call, with whether it applied. */
  readonly updates: Array<{ readonly ref: ImageVersionRef; readonly change: BuildingChange; readonly at: string; readonly applied: boolean }> = [];
  /** Every `setModelPackages` call. */
  readonly packageWrites: Array<{ readonly ref: ImageVersionRef; readonly packages: readonly ModelPackageRecord[]; readonly at: string }> = [];

  private beforeCommit: Interleaved[] = [];
  private beforeUpdate: Interleaved[] = [];

  /** Runs `concurrent` (another caller's work) just before the next commit is checked. */
  interleaveBeforeNextCommit(concurrent: Interleaved): this {
    this.beforeCommit.push(concurrent);
    return this;
  }

  /** Runs `concurrent` just before the next `updateBuilding` checks the status. */
  interleaveBeforeNextUpdate(concurrent: Interleaved): this {
    this.beforeUpdate.push(concurrent);
    return this;
  }

  /** Stores a version as if registered earlier: the image, the counter and the served-model index with it. */
  put(record: ImageVersionRecord): this {
    const image = this.images.get(record.name);
    this.images.set(record.name, {
      name: record.name,
      createdAt: image?.createdAt ?? record.createdAt,
      updatedAt: record.updatedAt,
      latestVersion: Math.max(image?.latestVersion ?? 0, record.version),
    });
    this.write(record);
    return this;
  }

  async getImage(name: string): Promise<ImageRecord | undefined> {
    return copy(this.images.get(name));
  }

  async getVersion(name: string, version: number): Promise<ImageVersionRecord | undefined> {
    return copy(this.versions.get(versionKey(name, version)));
  }

  async getToken(name: string, clientToken: string) {
    return copy(this.tokens.get(`${name}#${clientToken}`));
  }

  async reserveVersion(name: string, at: string): Promise<number> {
    const image = this.images.get(name);
    const version = (image?.latestVersion ?? 0) + 1;
    this.images.set(name, { name, createdAt: image?.createdAt ?? at, updatedAt: at, latestVersion: version });
    this.reservations.push({ name, version });
    return version;
  }

  async commitVersion(record: ImageVersionRecord, token?: { clientToken: string; fingerprint: string }): Promise<CommitImageOutcome> {
    for (const concurrent of this.beforeCommit.splice(0)) await concurrent();
    if (token && this.tokens.has(`${record.name}#${token.clientToken}`)) return { kind: 'token-taken' };
    if (this.versions.has(versionKey(record.name, record.version))) throw new Error(`version ${record.version} of ${record.name} is already written`);
    this.write(record);
    if (token) this.tokens.set(`${record.name}#${token.clientToken}`, { version: record.version, fingerprint: token.fingerprint });
    this.commits.push(copy(record));
    return { kind: 'committed' };
  }

  async updateBuilding(ref: ImageVersionRef, change: BuildingChange, at: string): Promise<boolean> {
    for (const concurrent of this.beforeUpdate.splice(0)) await concurrent();
    const record = this.versions.get(versionKey(ref.name, ref.version));
    const applied = record?.status === 'BUILDING';
    this.updates.push({ ref, change: copy(change), at, applied });
    if (!applied) return false;
    const fields = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
    this.versions.set(versionKey(ref.name, ref.version), copy({ ...record, ...fields, updatedAt: at }));
    return true;
  }

  async setModelPackages(ref: ImageVersionRef, packages: readonly ModelPackageRecord[], at: string): Promise<void> {
    const record = this.versions.get(versionKey(ref.name, ref.version));
    if (!record) throw new Error(`no version ${ref.version} of ${ref.name}`);
    this.packageWrites.push({ ref, packages: copy(packages), at });
    this.versions.set(versionKey(ref.name, ref.version), copy({ ...record, modelPackages: packages, updatedAt: at }));
  }

  async listImages(request: PageRequest): Promise<Page<ImageRecord>> {
    return copy(
      page(
        [...this.images.values()].sort((a, b) => a.name.localeCompare(b.name)),
        request,
      ),
    );
  }

  async listVersions(name: string, request: PageRequest): Promise<Page<ImageVersionRecord>> {
    const versions = [...this.versions.values()].filter((record) => record.name === name).sort((a, b) => b.version - a.version);
    return copy(page(versions, request));
  }

  async versionsServing(model: string, modelVersion: number): Promise<readonly ImageVersionRef[]> {
    return copy(this.serving.get(`${model}#${modelVersion}`) ?? []);
  }

  private write(record: ImageVersionRecord): void {
    this.versions.set(versionKey(record.name, record.version), copy(record));
    for (const model of record.models) {
      const key = `${model.name}#${model.version}`;
      const refs = (this.serving.get(key) ?? []).filter((ref) => ref.name !== record.name || ref.version !== record.version);
      this.serving.set(key, [...refs, { name: record.name, version: record.version }]);
    }
  }
}

export class InMemoryModelVersions implements ModelVersions {
  private readonly artifacts = new Map<string, PinnedArtifact>();
  private readonly aliases = new Map<string, number>();

  /** A registered version; its artifact's S3 version and digest are made up from the URI unless given. */
  add(model: string, version: number, artifactUri: string, pinned: Partial<Omit<PinnedArtifact, 'uri'>> = {}): this {
    this.artifacts.set(`${model}#${version}`, { uri: artifactUri, versionId: `${model}-${version}-s3v`, sha256: sha256Hex(artifactUri), ...pinned });
    return this;
  }

  setAlias(model: string, alias: string, version: number | undefined): this {
    if (version === undefined) this.aliases.delete(`${model}#${alias}`);
    else this.aliases.set(`${model}#${alias}`, version);
    return this;
  }

  async artifact(model: string, version: number): Promise<PinnedArtifact | undefined> {
    return this.artifacts.get(`${model}#${version}`);
  }

  async aliasVersion(model: string, alias: string): Promise<number | undefined> {
    return this.aliases.get(`${model}#${alias}`);
  }
}

/** A versioned bucket: every put is a new S3 version (`<n>`), the last one current. */
export class InMemoryBuildInputs implements BuildInputs {
  readonly objects = new Map<string, { readonly text: string; readonly versionId: string }[]>();
  /** Every build context written, in order, the files as text. */
  readonly contexts: Array<{ readonly contextUri: string; readonly files: Readonly<Record<string, string>> }> = [];
  /** Every server-side copy, in order. */
  readonly copies: Array<{ readonly from: { readonly uri: string; readonly versionId?: string }; readonly to: string }> = [];
  /** Every URI read. */
  readonly reads: string[] = [];

  put(uri: string, text: string): this {
    const versions = this.objects.get(uri) ?? [];
    this.objects.set(uri, [...versions, { text, versionId: `${versions.length + 1}` }]);
    return this;
  }

  current(uri: string): { readonly text: string; readonly versionId: string } | undefined {
    return this.objects.get(uri)?.at(-1);
  }

  async read(uri: string, maxBytes: number, versionId?: string): Promise<InputRead> {
    this.reads.push(uri);
    const object = versionId === undefined ? this.current(uri) : this.objects.get(uri)?.find((stored) => stored.versionId === versionId);
    if (!object) return { kind: 'missing' };
    const bytes = Buffer.from(object.text);
    return bytes.length > maxBytes ? { kind: 'too-large', sizeBytes: bytes.length } : { kind: 'read', bytes, versionId: object.versionId };
  }

  async writeContext(contextUri: string, files: Readonly<Record<string, Uint8Array>>): Promise<Record<string, string>> {
    const texts = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, Buffer.from(bytes).toString('utf8')]));
    this.contexts.push({ contextUri, files: texts });
    for (const [name, text] of Object.entries(texts)) this.put(`${contextUri}${name}`, text);
    return Object.fromEntries(Object.keys(files).map((name) => [name, this.current(`${contextUri}${name}`)!.versionId]));
  }

  async copyVersion(from: { readonly uri: string; readonly versionId?: string }, to: string): Promise<void> {
    this.copies.push({ from: { ...from }, to });
  }
}

/** CodeBuild: one build per idempotency token, however often the start is retried. */
export class RecordingImageBuilder implements ImageBuilder {
  /** Every start call, including retried ones. */
  readonly starts: StartBuildInput[] = [];
  private readonly builds = new Map<string, string>();
  private failures: Error[] = [];

  /** The next start throws `error` and starts nothing. */
  failNextStart(error = new Error('Rate exceeded')): this {
    this.failures.push(error);
    return this;
  }

  async start(input: StartBuildInput): Promise<string> {
    this.starts.push(copy(input));
    const failure = this.failures.shift();
    if (failure) throw failure;
    const existing = this.builds.get(input.idempotencyToken);
    if (existing) return existing;
    const id = `mlops-image-build:build-${this.builds.size + 1}`;
    this.builds.set(input.idempotencyToken, id);
    return id;
  }

  /** The builds started, one per idempotency token. */
  get buildIds(): string[] {
    return [...this.builds.values()];
  }
}

export class InMemoryImageRepository implements ImageRepository {
  private readonly images: Array<{ readonly registryId: string; readonly repository: string; readonly tag?: string; readonly facts: EcrImageFacts }> = [];
  readonly described: EcrImageRef[] = [];

  push(repository: string, tag: string | undefined, facts: EcrImageFacts, registryId = ACCOUNT): this {
    this.images.push({ registryId, repository, tag, facts });
    return this;
  }

  async describe(ref: EcrImageRef): Promise<EcrImageFacts | undefined> {
    this.described.push(copy(ref));
    const found = this.images.find(
      (image) =>
        (ref.registryId === undefined || ref.registryId === image.registryId) &&
        image.repository === ref.repository &&
        (ref.tag !== undefined ? image.tag === ref.tag : image.facts.digest === ref.digest),
    );
    return copy(found?.facts);
  }
}

/** The SageMaker Model Registry: a retried creation with the same client token returns the package it created. */
export class InMemoryModelPackages implements ModelPackages {
  /** Every create call, with the ARN it returned. */
  readonly created: Array<{ readonly input: CreateModelPackageInput; readonly arn: string }> = [];
  readonly packages = new Map<
    string,
    { readonly arn: string; readonly input: CreateModelPackageInput; approvalStatus: ApprovalStatus; approvalDescription?: string }
  >();
  readonly approvals: Array<{ readonly arn: string; readonly status: ApprovalStatus; readonly description?: string }> = [];
  private calls = 0;
  private readonly failures = new Map<number, Error>();

  /** The next create call throws `error` and creates nothing. */
  failNextCreate(error = new Error('ThrottlingException')): this {
    return this.failCreate(1, error);
  }

  /** The `nth` create call from now (1 for the next) throws `error` and creates nothing. */
  failCreate(nth: number, error = new Error('ThrottlingException')): this {
    this.failures.set(this.calls + nth, error);
    return this;
  }

  async create(input: CreateModelPackageInput): Promise<string> {
    const failure = this.failures.get(++this.calls);
    if (failure) throw failure;
    let stored = this.packages.get(input.clientToken);
    if (!stored) {
      const versions = [...this.packages.values()].filter((pkg) => pkg.input.groupName === input.groupName).length;
      const arn = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package/${input.groupName.toLowerCase()}/${versions + 1}`;
      stored = { arn, input: copy(input), approvalStatus: input.approvalStatus, approvalDescription: input.approvalDescription };
      this.packages.set(input.clientToken, stored);
    }
    this.created.push({ input: copy(input), arn: stored.arn });
    return stored.arn;
  }

  async setApproval(arn: string, status: ApprovalStatus, description?: string): Promise<void> {
    const stored = [...this.packages.values()].find((pkg) => pkg.arn === arn);
    if (!stored) throw new Error(`no model package ${arn}`);
    stored.approvalStatus = status;
    stored.approvalDescription = description;
    this.approvals.push({ arn, status, description });
  }

  /** The approval status of each package, by ARN. */
  statuses(): Record<string, ApprovalStatus> {
    return Object.fromEntries([...this.packages.values()].map((pkg) => [pkg.arn, pkg.approvalStatus]));
  }
}

export class RecordingImageEvents implements ImageEvents {
  readonly published: ImageBuildStateChanged[] = [];
  private failures: Error[] = [];

  /** The next publish throws `error` and publishes nothing. */
  failNextPublish(error = new Error('EventBridge unavailable')): this {
    this.failures.push(error);
    return this;
  }

  async publish(detail: ImageBuildStateChanged): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.published.push(copy(detail));
  }
}
