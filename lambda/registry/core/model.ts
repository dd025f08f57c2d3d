/** The registry's records, as the use cases and callers see them (storage keys live in the adapter). */

/** Where a version's artifact is, pinned to one S3 object version, and how to check it. */
export interface ObjectArtifactRecord {
  /** Absent on a single object (every artifact registered before directories). */
  readonly kind?: 'object';
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  readonly s3VersionId?: string;
  readonly sizeBytes: number;
  readonly etag: string;
  readonly sha256: string;
  /** Where the digest came from: S3's full-object checksum, the uploading client, or read back by the registry. */
  readonly sha256Source: 's3-checksum' | 'client' | 'computed';
}

/**
 * A directory artifact (an S3 prefix, as every MLflow model is): each file under it pinned to its S3
 * version and SHA-256 in a manifest (artifact-manifest.ts) the registry wrote, whose digest is `sha256`.
 */
export interface DirectoryArtifactRecord {
  readonly kind: 'directory';
  /** As registered: `s3://<bucket>/<prefix>`. */
  readonly uri: string;
  readonly bucket: string;
  /** The key prefix of the files, ending with "/". */
  readonly prefix: string;
  /** The SHA-256 of the manifest's canonical text. */
  readonly sha256: string;
  /** The files' total size. */
  readonly sizeBytes: number;
  readonly fileCount: number;
  /** `s3://<bucket>/registry-manifests/<sha256>.json`, written by the platform only. */
  readonly manifestUri: string;
  /** Absent in an unversioned bucket. */
  readonly manifestVersionId?: string;
}

export type ArtifactRecord = ObjectArtifactRecord | DirectoryArtifactRecord;

export interface DatasetRecord {
  readonly uri: string;
  readonly sha256?: string;
  readonly name?: string;
  readonly role: 'training' | 'validation' | 'test' | 'other';
}

export interface ModelVersionRecord {
  readonly name: string;
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy?: string;
  readonly description?: string;
  readonly framework?: string;
  readonly artifact: ArtifactRecord;
  readonly metrics: Readonly<Record<string, number>>;
  readonly parameters: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, string>>;
  readonly datasets: readonly DatasetRecord[];
  readonly sourceRunId?: string;
  /** The tracked run the version came from, when experiment tracking knows it. */
  readonly sourceRun?: { readonly experiment: string; readonly runName: string };
  /** The last change to its description, tags or stage (through MLflow's API); its creation until then. */
  readonly updatedAt?: string;
  /** MLflow's (deprecated) stage: `Staging`, `Production`, `Archived`; absent is MLflow's `None`. */
  readonly stage?: 'Staging' | 'Production' | 'Archived';
  /**
   * When the version was deleted through MLflow's API: it stays as the record of what was registered
   * (and what images built from it serve), but takes no alias and no new image, and MLflow sees it no more.
   */
  readonly deletedAt?: string;
}

export interface ModelRecord {
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly latestVersion: number;
  /** Set through MLflow's API (create-registered-model, update). */
  readonly description?: string;
  /** The model's own tags (MLflow's registered-model tags); its versions have theirs. */
  readonly tags?: Readonly<Record<string, string>>;
  /** When the model was deleted through MLflow's API (its versions with it); a new registration revives it. */
  readonly deletedAt?: string;
}

export interface AliasRecord {
  readonly name: string;
  readonly alias: string;
  readonly version: number;
  /** Counts the alias's moves; history entries carry it, so the n-th move is unique. */
  readonly revision: number;
  readonly updatedAt: string;
  readonly updatedBy?: string;
}

/**
 * What `getAlias` finds: a live alias, or one removed (through MLflow's API), which points nowhere but
 * keeps its revision, so the alias's next move is the next revision and no consumer mistakes it for an
 * old one.
 */
export type AliasState = AliasRecord | RemovedAlias;

export interface RemovedAlias extends Omit<AliasRecord, 'version'> {
  readonly removed: true;
}

export const isLive = (alias: AliasState | undefined): alias is AliasRecord => alias !== undefined && !('removed' in alias && alias.removed);

/** One move of an alias, kept forever as the audit trail. */
export interface AliasChangeRecord {
  readonly name: string;
  readonly alias: string;
  readonly revision: number;
  readonly fromVersion?: number;
  /** Absent when the move removed the alias (`removed`). */
  readonly toVersion?: number;
  readonly removed?: true;
  readonly changedAt: string;
  readonly changedBy?: string;
  readonly reason?: string;
}

/** A move that points the alias at a version (every move but a removal). */
export type AliasMove = AliasChangeRecord & { readonly toVersion: number };
