import type { Page, PageRequest } from '../../shared/page';
import type { ApprovalStatus, ImageRecord, ImageVersionRecord, ModelPackageRecord, ScanSummary } from './model';

export type CommitImageOutcome = { readonly kind: 'committed' } | { readonly kind: 'token-taken' };

/** The fields a build event may set on a `BUILDING` version. */
export type BuildingChange = Partial<Pick<ImageVersionRecord, 'status' | 'build' | 'source' | 'imageUri' | 'digest' | 'scan' | 'modelPackages'>>;

export interface ImageVersionRef {
  readonly name: string;
  readonly version: number;
}

export interface ImageStore {
  getImage(name: string): Promise<ImageRecord | undefined>;
  getVersion(name: string, version: number): Promise<ImageVersionRecord | undefined>;
  getToken(name: string, clientToken: string): Promise<{ readonly version: number; readonly fingerprint: string } | undefined>;
  /** Takes the image's next version number from an atomic counter. */
  reserveVersion(name: string, at: string): Promise<number>;
  /** Writes the version, its client token and its served-model index in one transaction. */
  commitVersion(record: ImageVersionRecord, token?: { clientToken: string; fingerprint: string }): Promise<CommitImageOutcome>;
  /** Applies `change` if the version is still `BUILDING`; false when it is not (a late or repeated event). */
  updateBuilding(ref: ImageVersionRef, change: BuildingChange, at: string): Promise<boolean>;
  setModelPackages(ref: ImageVersionRef, packages: readonly ModelPackageRecord[], at: string): Promise<void>;
  listImages(page: PageRequest): Promise<Page<ImageRecord>>;
  listVersions(name: string, page: PageRequest): Promise<Page<ImageVersionRecord>>;
  /** The image versions that serve this model version. */
  versionsServing(model: string, modelVersion: number): Promise<readonly ImageVersionRef[]>;
}

/**
 * A model version's artifact as the registry pinned it: the S3 object version and the SHA-256 of its bytes; for a
 * directory (an S3 prefix), the SHA-256 of its manifest, which lists each file's version and digest.
 */
export interface PinnedArtifact {
  readonly uri: string;
  readonly versionId?: string;
  readonly sha256: string;
  /** A directory's manifest, as the registry wrote it. */
  readonly manifest?: { readonly uri: string; readonly versionId?: string };
}

/** The registry's model versions, read to pin what an image serves and to follow its aliases. */
export interface ModelVersions {
  /** The version's pinned artifact, or undefined when the model has no such version. */
  artifact(model: string, version: number): Promise<PinnedArtifact | undefined>;
  aliasVersion(model: string, alias: string): Promise<number | undefined>;
}

/** An input read whole: its bytes and the S3 object version they are (`null` in an unversioned bucket). */
export type InputRead =
  | { readonly kind: 'read'; readonly bytes: Uint8Array; readonly versionId: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'too-large'; readonly sizeBytes: number };

/** The entry script and requirements uploaded by the client, and what the platform writes for builds and SageMaker. */
export interface BuildInputs {
  /** Reads version `versionId` (default: the current one) of the object at `uri`, unless it is larger than `maxBytes`. */
  read(uri: string, maxBytes: number, versionId?: string): Promise<InputRead>;
  /** Writes each file under the context URI; returns the S3 version id each was written as, by name. */
  writeContext(contextUri: string, files: Readonly<Record<string, Uint8Array>>): Promise<Record<string, string>>;
  /** Copies one version of an artifact to `to` (server-side). */
  copyVersion(from: { readonly uri: string; readonly versionId?: string }, to: string): Promise<void>;
}

export interface StartBuildInput {
  /** The context folder as CodeBuild's S3 source takes it: `bucket/prefix/`. */
  readonly sourceLocation: string;
  readonly variables: Readonly<Record<string, string>>;
  /** One build per image version, however often the start is retried. */
  readonly idempotencyToken: string;
}

export interface ImageBuilder {
  /** Starts a build; returns its id. */
  start(input: StartBuildInput): Promise<string>;
}

export interface EcrImageRef {
  readonly registryId?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface EcrImageFacts {
  readonly digest: string;
  readonly scan: ScanSummary;
}

export interface ImageRepository {
  /** The image's digest and scan findings, or undefined when the repository has no such image. */
  describe(ref: EcrImageRef): Promise<EcrImageFacts | undefined>;
}

export interface CreateModelPackageInput {
  readonly groupName: string;
  readonly groupDescription: string;
  readonly description: string;
  readonly imageUri: string;
  readonly modelDataUrl?: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly approvalStatus: ApprovalStatus;
  readonly approvalDescription?: string;
  /** Makes a retried creation return the package it created. */
  readonly clientToken: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The SageMaker Model Registry. */
export interface ModelPackages {
  /** Creates the package (and its group, the first time); returns its ARN. */
  create(input: CreateModelPackageInput): Promise<string>;
  setApproval(arn: string, status: ApprovalStatus, description?: string): Promise<void>;
}

export interface ImageBuildStateChanged {
  readonly name: string;
  readonly version: number;
  readonly status: ImageVersionRecord['status'];
  readonly imageUri?: string;
  readonly digest?: string;
  readonly models: readonly { readonly name: string; readonly version: number }[];
  readonly scan?: ScanSummary;
  readonly logsUrl?: string;
  readonly failure?: string;
}

export interface ImageEvents {
  publish(detail: ImageBuildStateChanged): Promise<void>;
}
