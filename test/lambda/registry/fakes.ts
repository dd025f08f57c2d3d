import { createHash } from 'node:crypto';
import type { AliasChangeRecord, AliasRecord, ModelRecord, ModelVersionRecord, Page } from '../../../lambda/registry/core/model';
import type {
  ArtifactStore,
  Clock,
  CommitAliasOutcome,
  CommitVersionOutcome,
  EventPublisher,
  ObjectFacts,
  ObjectLocation,
  PageRequest,
  RegistryEvent,
  RegistryStore,
  TokenRecord,
} from '../../../lambda/registry/core/ports';

/**
 * In-memory fakes of the registry core's ports. The store honours the port's contract the way the
 * DynamoDB adapter does: a commit is all or nothing, checked against `expectedLatest` / the alias
 * revision, with a taken client token reported before a stale model.
 */

type Interleaved = () => Promise<unknown>;

function page<T>(all: readonly T[], request: PageRequest): Page<T> {
  const start = request.nextToken === undefined ? 0 : Number(request.nextToken);
  const end = start + request.limit;
  return { items: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
}

export class InMemoryRegistryStore implements RegistryStore {
  readonly models = new Map<string, ModelRecord>();
  readonly versions = new Map<string, ModelVersionRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly aliases = new Map<string, AliasRecord>();
  readonly history: AliasChangeRecord[] = [];
  /** Every commit that wrote something, in order. */
  readonly writes: Array<{ kind: 'version'; record: ModelVersionRecord } | { kind: 'alias'; change: AliasChangeRecord }> = [];
  /** Every commit attempt, whatever its outcome. */
  readonly commitAttempts: Array<CommitVersionOutcome | CommitAliasOutcome> = [];

  private injectedStale = 0;
  private alwaysStale = false;
  private interleaved: Interleaved[] = [];

  /** The next `times` commits report `stale` without writing, as if each lost a race. */
  reportStale(times: number): this {
    this.injectedStale += times;
    return this;
  }

  /** Every commit reports `stale`: the store is under contention that never ends. */
  reportStaleForever(): this {
    this.alwaysStale = true;
    return this;
  }

  /** Runs `concurrent` (another caller's whole request) just before the next commit is checked. */
  interleaveBeforeNextCommit(concurrent: Interleaved): this {
    this.interleaved.push(concurrent);
    return this;
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    return this.models.get(name);
  }

  async getVersion(name: string, version: number): Promise<ModelVersionRecord | undefined> {
    return this.versions.get(versionKey(name, version));
  }

  async getToken(name: string, clientToken: string): Promise<TokenRecord | undefined> {
    return this.tokens.get(`${name}#${clientToken}`);
  }

  async commitVersion(
    record: ModelVersionRecord,
    expectedLatest: number,
    token?: { readonly clientToken: string; readonly fingerprint: string },
  ): Promise<CommitVersionOutcome> {
    await this.runInterleaved();
    const outcome = this.tryCommitVersion(record, expectedLatest, token);
    this.commitAttempts.push(outcome);
    return outcome;
  }

  private tryCommitVersion(
    record: ModelVersionRecord,
    expectedLatest: number,
    token?: { readonly clientToken: string; readonly fingerprint: string },
  ): CommitVersionOutcome {
    if (this.consumeInjectedStale()) return { kind: 'stale' };
    if (token && this.tokens.has(`${record.name}#${token.clientToken}`)) return { kind: 'token-taken' };
    const model = this.models.get(record.name);
    if ((model?.latestVersion ?? 0) !== expectedLatest) return { kind: 'stale' };
    if (this.versions.has(versionKey(record.name, record.version))) return { kind: 'stale' };

    this.models.set(record.name, {
      name: record.name,
      createdAt: model?.createdAt ?? record.createdAt,
      updatedAt: record.createdAt,
      latestVersion: record.version,
    });
    this.versions.set(versionKey(record.name, record.version), record);
    if (token) this.tokens.set(`${record.name}#${token.clientToken}`, { version: record.version, fingerprint: token.fingerprint });
    this.writes.push({ kind: 'version', record });
    return { kind: 'committed' };
  }

  async listModels(request: PageRequest): Promise<Page<ModelRecord>> {
    return page([...this.models.values()].sort((a, b) => a.name.localeCompare(b.name)), request);
  }

  async listVersions(name: string, request: PageRequest): Promise<Page<ModelVersionRecord>> {
    return page(this.versionsOf(name).reverse(), request);
  }

  async findVersions(tag: { key: string; value?: string }, name: string | undefined, request: PageRequest): Promise<Page<ModelVersionRecord>> {
    const hits = [...this.versions.values()].filter(
      (version) =>
        (name === undefined || version.name === name) &&
        tag.key in version.tags &&
        (tag.value === undefined || version.tags[tag.key] === tag.value),
    );
    return page(hits, request);
  }

  async getAlias(name: string, alias: string): Promise<AliasRecord | undefined> {
    return this.aliases.get(`${name}#${alias}`);
  }

  async listAliases(name: string): Promise<readonly AliasRecord[]> {
    return [...this.aliases.values()].filter((alias) => alias.name === name);
  }

  async commitAlias(change: AliasChangeRecord): Promise<CommitAliasOutcome> {
    await this.runInterleaved();
    const outcome = this.tryCommitAlias(change);
    this.commitAttempts.push(outcome);
    return outcome;
  }

  private tryCommitAlias(change: AliasChangeRecord): CommitAliasOutcome {
    if (this.consumeInjectedStale()) return { kind: 'stale' };
    if (!this.versions.has(versionKey(change.name, change.toVersion))) return { kind: 'version-missing' };
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
    return this.history.find(
      (change) => change.name === current.name && change.alias === current.alias && change.revision === current.revision,
    );
  }

  async aliasHistory(name: string, alias: string | undefined, request: PageRequest): Promise<Page<AliasChangeRecord>> {
    const changes = this.history.filter((change) => change.name === name && (alias === undefined || change.alias === alias));
    return page([...changes].reverse(), request);
  }

  private versionsOf(name: string): ModelVersionRecord[] {
    return [...this.versions.values()].filter((version) => version.name === name).sort((a, b) => a.version - b.version);
  }

  private consumeInjectedStale(): boolean {
    if (this.alwaysStale) return true;
    if (this.injectedStale === 0) return false;
    this.injectedStale--;
    return true;
  }

  private async runInterleaved(): Promise<void> {
    const concurrent = this.interleaved.shift();
    if (concurrent) await concurrent();
  }
}

const versionKey = (name: string, version: number) => `${name}#${version}`;

interface StoredObject {
  readonly facts: ObjectFacts;
  readonly body: Buffer;
}

/** An S3 bucket in memory: objects by `bucket/key`, each object version kept. */
export class InMemoryArtifactStore implements ArtifactStore {
  private readonly objects = new Map<string, StoredObject[]>();
  /** Every location read back to compute a digest. */
  readonly digested: ObjectLocation[] = [];

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

export const sha256Hex = (body: string | Buffer): string => createHash('sha256').update(body).digest('hex');
export const sha256Base64 = (body: string | Buffer): string => createHash('sha256').update(body).digest('base64');

export class RecordingEventPublisher implements EventPublisher {
  readonly published: RegistryEvent[] = [];

  async publish(event: RegistryEvent): Promise<void> {
    this.published.push(event);
  }
}

/** A clock that only moves when told to, or when slept on: backoff in tests takes no real time. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start = '2025-06-01T12:00:00.000Z') {
    this.current = Date.parse(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
