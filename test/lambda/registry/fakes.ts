import { createHash } from 'node:crypto';
import type { AliasChangeRecord, AliasMove, AliasRecord, ModelRecord, ModelVersionRecord } from '../../../lambda/registry/core/model';
import type {
  ArtifactStore,
  CommitAliasOutcome,
  CommitVersionOutcome,
  EventPublisher,
  ListedObject,
  ObjectFacts,
  ObjectLocation,
  RegistryEvent,
  RegistryStore,
  TokenRecord,
} from '../../../lambda/registry/core/ports';
import { registerModel } from '../../../lambda/registry/core/register-model';
import { RegisterModelRequest } from '../../../lambda/registry/core/schemas';
import { ValidationError } from '../../../lambda/shared/errors';
import type { Page, PageRequest } from '../../../lambda/shared/page';
import { parseRequest } from '../../../lambda/shared/validation';
import { FakeClock } from '../shared/fake-clock';

/**
 * In-memory fakes of the registry core's ports. The store honours the port's contract the way the
 * DynamoDB adapter does: version numbers come from an atomic per-model counter; a version commit
 * is all or nothing, reports a taken client token and fails on a version already written, and
 * leaves the model's latest version alone; `recordLatestVersion` raises it, only upwards; an alias
 * commit is checked against the alias revision.
 */

type Interleaved = () => Promise<unknown>;

/** What the table's model item holds: created by the first reservation, its latest version raised by `recordLatestVersion`. */
export interface StoredModel {
  readonly name: string;
  readonly createdAt: string;
  /** The counter: the last version number handed out. */
  nextVersion: number;
  /** 0 until `recordLatestVersion` raises it, as on the DynamoDB item. */
  latestVersion: number;
  /** The first reservation's time, then the time of the version the latest was last raised to. */
  updatedAt: string;
}

function page<T>(all: readonly T[], request: PageRequest): Page<T> {
  const start = request.nextToken === undefined ? 0 : Number(request.nextToken);
  const end = start + request.limit;
  return { items: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
}

/** The model as callers see it: the counter stripped. */
const modelView = ({ nextVersion: _counter, ...model }: StoredModel): ModelRecord => model as ModelRecord;

export class InMemoryRegistryStore implements RegistryStore {
  readonly models = new Map<string, StoredModel>();
  readonly versions = new Map<string, ModelVersionRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly aliases = new Map<string, AliasRecord>();
  readonly history: AliasChangeRecord[] = [];
  /** Every version number handed out, in order. */
  readonly reservations: Array<{ readonly name: string; readonly version: number }> = [];
  /** Every commit that wrote something, in order. */
  readonly writes: Array<{ kind: 'version'; record: ModelVersionRecord } | { kind: 'alias'; change: AliasChangeRecord }> = [];
  /** Every commit attempt that returned an outcome (a commit that throws has none). */
  readonly commitAttempts: Array<CommitVersionOutcome | CommitAliasOutcome> = [];

  private alwaysStale = false;
  private interleaved: Interleaved[] = [];
  private commitFailures: Array<'before-write' | 'after-write'> = [];

  /** Every alias commit reports `stale`: the alias is under contention that never ends. */
  reportStaleForever(): this {
    this.alwaysStale = true;
    return this;
  }

  /** Runs `concurrent` (another caller's whole request) just before the next commit, of a version or an alias, is checked. */
  interleaveBeforeNextCommit(concurrent: Interleaved): this {
    this.interleaved.push(concurrent);
    return this;
  }

  /** The next version commit throws without writing anything, as a failed DynamoDB transaction does. */
  failNextCommit(): this {
    this.commitFailures.push('before-write');
    return this;
  }

  /**
   * The next version commit writes the version, its token and tags, then throws, as when the
   * transaction commits but its caller dies before raising the model's latest version and
   * announcing it.
   */
  failNextCommitAfterWriting(): this {
    this.commitFailures.push('after-write');
    return this;
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    const model = this.models.get(name);
    return model && modelView(model);
  }

  async getVersion(name: string, version: number): Promise<ModelVersionRecord | undefined> {
    return this.versions.get(versionKey(name, version));
  }

  async getToken(name: string, clientToken: string): Promise<TokenRecord | undefined> {
    return this.tokens.get(tokenKey(name, clientToken));
  }

  async getLatestVersion(name: string): Promise<ModelVersionRecord | undefined> {
    return this.versionsOf(name).at(-1);
  }

  async reserveVersion(name: string, at: string): Promise<number> {
    // No await between the read and the write: as atomic as DynamoDB's ADD.
    const model = this.models.get(name) ?? { name, createdAt: at, updatedAt: at, nextVersion: 0, latestVersion: 0 };
    model.nextVersion += 1;
    this.models.set(name, model);
    this.reservations.push({ name, version: model.nextVersion });
    return model.nextVersion;
  }

  async commitVersion(record: ModelVersionRecord, token?: { readonly clientToken: string; readonly fingerprint: string }): Promise<CommitVersionOutcome> {
    await this.runInterleaved();
    const failure = this.commitFailures.shift();
    if (failure === 'before-write') throw new Error(`injected failure: the transaction committing version ${record.version} of ${record.name} failed`);
    const model = this.models.get(record.name);
    if (!model || record.version < 1 || record.version > model.nextVersion) {
      throw new Error(`version ${record.version} of ${record.name} was never reserved`);
    }
    if (token && this.tokens.has(tokenKey(record.name, token.clientToken))) {
      const taken: CommitVersionOutcome = { kind: 'token-taken' };
      this.commitAttempts.push(taken);
      return taken;
    }
    // The version item's condition (attribute_not_exists) cancels the transaction: not an outcome, an error.
    if (this.versions.has(versionKey(record.name, record.version))) throw new Error(`version ${record.version} of ${record.name} already exists`);

    this.versions.set(versionKey(record.name, record.version), record);
    if (token) this.tokens.set(tokenKey(record.name, token.clientToken), { version: record.version, fingerprint: token.fingerprint });
    this.writes.push({ kind: 'version', record });
    const committed: CommitVersionOutcome = { kind: 'committed' };
    this.commitAttempts.push(committed);
    if (failure === 'after-write') throw new Error(`injected failure: the caller died after committing version ${record.version} of ${record.name}`);
    return committed;
  }

  async recordLatestVersion(name: string, version: number, at: string): Promise<void> {
    const model = this.models.get(name);
    if (model && model.latestVersion < version) {
      model.latestVersion = version;
      model.updatedAt = at;
    }
  }

  async listModels(request: PageRequest): Promise<Page<ModelRecord>> {
    return page([...this.models.values()].sort((a, b) => a.name.localeCompare(b.name)).map(modelView), request);
  }

  async listVersions(name: string, request: PageRequest): Promise<Page<ModelVersionRecord>> {
    return page(this.versionsOf(name).reverse(), request);
  }

  async findVersions(tag: { key: string; value?: string }, name: string | undefined, request: PageRequest): Promise<Page<ModelVersionRecord>> {
    const hits = [...this.versions.values()].filter(
      (version) => (name === undefined || version.name === name) && tag.key in version.tags && (tag.value === undefined || version.tags[tag.key] === tag.value),
    );
    return page(hits, request);
  }

  async getAlias(name: string, alias: string): Promise<AliasRecord | undefined> {
    return this.aliases.get(`${name}#${alias}`);
  }

  async listAliases(name: string): Promise<readonly AliasRecord[]> {
    return [...this.aliases.values()].filter((alias) => alias.name === name);
  }

  async commitAlias(change: AliasMove): Promise<CommitAliasOutcome> {
    await this.runInterleaved();
    const outcome = this.tryCommitAlias(change);
    this.commitAttempts.push(outcome);
    return outcome;
  }

  private tryCommitAlias(change: AliasMove): CommitAliasOutcome {
    if (this.alwaysStale) return { kind: 'stale' };
    const target = this.versions.get(versionKey(change.name, change.toVersion));
    // A version deleted through MLflow's API takes no alias, as the store's condition says.
    if (!target || target.deletedAt !== undefined) return { kind: 'version-missing' };
    const current = this.aliases.get(`${change.name}#${change.alias}`);
    if ((current?.revision ?? 0) !== change.revision - 1) return { kind: 'stale' };

    this.aliases.set(`${change.name}#${change.alias}`, {
      name: change.name,
      alias: change.alias,
      version: change.toVersion,
      revision: change.revision,
      updatedAt: change.changedAt,
      updatedBy: change.changedBy,
    });
    this.history.push(change);
    this.writes.push({ kind: 'alias', change });
    return { kind: 'committed' };
  }

  async getAliasChange(current: AliasRecord): Promise<AliasChangeRecord | undefined> {
    return this.history.find((change) => change.name === current.name && change.alias === current.alias && change.revision === current.revision);
  }

  async aliasHistory(name: string, alias: string | undefined, request: PageRequest): Promise<Page<AliasChangeRecord>> {
    const changes = this.history.filter((change) => change.name === name && (alias === undefined || change.alias === alias));
    return page([...changes].reverse(), request);
  }

  private versionsOf(name: string): ModelVersionRecord[] {
    return [...this.versions.values()].filter((version) => version.name === name).sort((a, b) => a.version - b.version);
  }

  private async runInterleaved(): Promise<void> {
    const concurrent = this.interleaved.shift();
    if (concurrent) await concurrent();
  }
}

const versionKey = (name: string, version: number) => `${name}#${version}`;
const tokenKey = (name: string, clientToken: string) => `${name}#${clientToken}`;

interface StoredObject {
  readonly facts: ObjectFacts;
  readonly body: Buffer;
}

/** An S3 bucket in memory: objects by `bucket/key`, each object version kept. */
export class InMemoryArtifactStore implements ArtifactStore {
  private readonly objects = new Map<string, StoredObject[]>();
  /** Every location read back to compute a digest. */
  readonly digested: ObjectLocation[] = [];
  /** Every object the registry wrote (`putJson`), by URI. */
  readonly written: string[] = [];

  /** Stores a new version of an object. `facts` override what S3 would report (checksums, size). */
  put(uri: string, body: string | Buffer, facts: Partial<ObjectFacts> = {}): ObjectFacts {
    const { bucket, key } = splitUri(uri);
    const versions = this.objects.get(`${bucket}/${key}`) ?? [];
    const bytes = Buffer.from(body);
    const stored: StoredObject = {
      body: bytes,
      facts: {
        sizeBytes: bytes.length,
        etag: createHash('md5').update(bytes).digest('hex'),
        versionId: `version-${versions.length + 1}`,
        ...facts,
      },
    };
    this.objects.set(`${bucket}/${key}`, [...versions, stored]);
    return stored.facts;
  }

  async describe(location: ObjectLocation): Promise<ObjectFacts | undefined> {
    return this.find(location)?.facts;
  }

  async computeSha256(location: ObjectLocation): Promise<string> {
    this.digested.push(location);
    const stored = this.find(location);
    if (!stored) throw new Error(`no object at s3://${location.bucket}/${location.key} (${location.versionId ?? 'current'})`);
    return sha256Hex(stored.body);
  }

  async list(bucket: string, prefix: string, limit: number): Promise<readonly ListedObject[]> {
    const keys = [...this.objects.keys()]
      .filter((name) => name.startsWith(`${bucket}/${prefix}`))
      .map((name) => name.slice(bucket.length + 1))
      .sort();
    return keys.slice(0, limit).map((key) => ({ key, sizeBytes: this.find({ bucket, key })!.facts.sizeBytes }));
  }

  async putJson({ bucket, key }: Omit<ObjectLocation, 'versionId'>, text: string): Promise<string | undefined> {
    this.written.push(`s3://${bucket}/${key}`);
    return this.put(`s3://${bucket}/${key}`, text).versionId;
  }

  /** The current bytes of the object at `uri`. */
  read(uri: string): Buffer | undefined {
    return this.find(splitUri(uri))?.body;
  }

  private find({ bucket, key, versionId }: ObjectLocation): StoredObject | undefined {
    const versions = this.objects.get(`${bucket}/${key}`) ?? [];
    return versionId === undefined ? versions.at(-1) : versions.find((stored) => stored.facts.versionId === versionId);
  }
}

function splitUri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
}

/** Runs `act`, expecting a ValidationError, and returns the paths it names and its message. */
export async function refusal(act: () => Promise<unknown>): Promise<{ paths: string[]; message: string }> {
  const error = await act().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return { paths: error.issues.map((issue) => issue.path), message: error.message };
}

export const sha256Hex = (body: string | Buffer): string => createHash('sha256').update(body).digest('hex');
export const sha256Base64 = (body: string | Buffer): string => createHash('sha256').update(body).digest('base64');

export class RecordingEventPublisher implements EventPublisher {
  readonly published: RegistryEvent[] = [];

  async publish(event: RegistryEvent): Promise<void> {
    this.published.push(event);
  }
}

const FAKE_ARTIFACT_BUCKET = 'artifact-bucket';

/**
 * A registry on the fakes, with a `registerVersion(name, tags)` that registers a small artifact
 * through the real use case, for tests of what comes after registration.
 */
export function fakeRegistry() {
  const store = new InMemoryRegistryStore();
  const artifacts = new InMemoryArtifactStore();
  const events = new RecordingEventPublisher();
  const clock = new FakeClock();
  const uri = `s3://${FAKE_ARTIFACT_BUCKET}/models/model.tar.gz`;
  artifacts.put(uri, 'weights');
  const register = registerModel({ store, artifacts, events, clock, artifactBucket: FAKE_ARTIFACT_BUCKET });
  const registerVersion = (name: string, tags: Record<string, string> = {}) => register(parseRequest(RegisterModelRequest, { name, artifact: { uri }, tags }));
  return { store, artifacts, events, clock, registerVersion };
}
