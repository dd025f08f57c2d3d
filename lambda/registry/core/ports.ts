import type { Page, PageRequest } from '../../shared/page';
import type { AliasChangeRecord, AliasMove, AliasRecord, AliasState, ModelRecord, ModelVersionRecord } from './model';

/** What a client token was used for: the version it produced and the request it came with. */
export interface TokenRecord {
  readonly version: number;
  readonly fingerprint: string;
}

export type CommitVersionOutcome =
  | { readonly kind: 'committed' }
  /** The client token was used by a concurrent call: replay it. */
  | { readonly kind: 'token-taken' };

export type CommitAliasOutcome = { readonly kind: 'committed' } | { readonly kind: 'stale' } | { readonly kind: 'version-missing' };

/** The registry's storage. Implemented over DynamoDB; tests use an in-memory fake. */
export interface RegistryStore {
  getModel(name: string): Promise<ModelRecord | undefined>;
  getVersion(name: string, version: number): Promise<ModelVersionRecord | undefined>;
  getToken(name: string, clientToken: string): Promise<TokenRecord | undefined>;
  /** The highest committed version of the model, read from the versions themselves. */
  getLatestVersion(name: string): Promise<ModelVersionRecord | undefined>;
  /**
   * Takes the model's next version number from its atomic counter (creating the model on its
   * first version): every caller gets a different number, whatever the concurrency.
   */
  reserveVersion(name: string, at: string): Promise<number>;
  /** Writes a reserved version atomically with the client token and the tag index. */
  commitVersion(record: ModelVersionRecord, token?: { readonly clientToken: string; readonly fingerprint: string }): Promise<CommitVersionOutcome>;
  /** Raises the model's latest version to `version`, unless a concurrent commit already set a higher one. */
  recordLatestVersion(name: string, version: number, at: string): Promise<void>;
  listModels(page: PageRequest): Promise<Page<ModelRecord>>;
  listVersions(name: string, page: PageRequest): Promise<Page<ModelVersionRecord>>;
  findVersions(tag: { key: string; value?: string }, name: string | undefined, page: PageRequest): Promise<Page<ModelVersionRecord>>;

  /** The alias, live or removed (`isLive` tells), or undefined when it never existed. */
  getAlias(name: string, alias: string): Promise<AliasState | undefined>;
  /** The model's live aliases. */
  listAliases(name: string): Promise<readonly AliasRecord[]>;
  /**
   * Points the alias at `change.toVersion` and appends the change to its history, provided the
   * version exists and the alias is still at revision `change.revision - 1` (absent for 0).
   */
  commitAlias(change: AliasMove): Promise<CommitAliasOutcome>;
  /** The history entry of the alias's current revision. */
  getAliasChange(current: AliasRecord): Promise<AliasChangeRecord | undefined>;
  aliasHistory(name: string, alias: string | undefined, page: PageRequest): Promise<Page<AliasChangeRecord>>;
}

/** What S3 says about an object, before the registry decides which digest to trust. */
export interface ObjectFacts {
  readonly sizeBytes: number;
  readonly etag: string;
  readonly versionId?: string;
  /** S3's SHA-256 checksum in base64; composite (a checksum of part checksums) for multipart uploads. */
  readonly checksumSha256?: string;
  readonly checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  /** The full-object digest an uploader stored in the `sha256` user metadata. */
  readonly metadataSha256?: string;
}

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/** An object under a listed prefix. */
export interface ListedObject {
  readonly key: string;
  readonly sizeBytes: number;
}

export interface ArtifactStore {
  /** The object's facts, or undefined when there is no such object (or version). */
  describe(location: ObjectLocation): Promise<ObjectFacts | undefined>;
  /** Reads the object (that exact version) and returns its SHA-256 in hex. */
  computeSha256(location: ObjectLocation): Promise<string>;
  /** The current objects whose keys start with `prefix`, in key order; it stops listing after `limit` of them. */
  list(bucket: string, prefix: string, limit: number): Promise<readonly ListedObject[]>;
  /** Writes a JSON document the platform made; returns the S3 version it was written as (undefined when the bucket is unversioned). */
  putJson(location: Omit<ObjectLocation, 'versionId'>, text: string): Promise<string | undefined>;
}

/** A tracked run as the registry sees it when a version names it as its source. */
export interface SourceRun {
  readonly runId: string;
  readonly experiment: string;
  readonly runName: string;
  readonly status: string;
  readonly params: Readonly<Record<string, string>>;
  /** Each metric's last value (at its highest step). */
  readonly finalMetrics: Readonly<Record<string, number>>;
  /** Set on a run MLflow's API started: its content follows MLflow's rules, not the platform's. */
  readonly origin?: 'mlflow';
}

/** Experiment tracking's runs, read by the registry to copy a source run into a version. */
export interface SourceRuns {
  get(runId: string): Promise<SourceRun | undefined>;
  /** Records on the run that `name` version `version` was registered from it; repeating it changes nothing. */
  linkVersion(runId: string, name: string, version: number): Promise<void>;
}

export type RegistryEvent =
  | { readonly type: 'ModelVersionRegistered'; readonly detail: ModelVersionRecord }
  | { readonly type: 'ModelAliasChanged'; readonly detail: AliasChangeRecord };

export interface EventPublisher {
  publish(event: RegistryEvent): Promise<void>;
}
