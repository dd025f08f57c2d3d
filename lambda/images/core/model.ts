/** The inference images' records, as the use cases and callers see them (storage keys live in the adapter). */

export type ImageStatus = 'BUILDING' | 'READY' | 'FAILED';

/** A model version an image serves, pinned to its number whether it was asked for by number or alias. */
export interface ServedModel {
  readonly name: string;
  readonly version: number;
  /** The alias it was asked for by, kept to show how the pin was chosen. */
  readonly requestedAlias?: string;
  /** The version's artifact, packed into the image's model data at build time. */
  readonly artifactUri: string;
  /**
   * The artifact's S3 version and SHA-256 as the registry pinned them: the build copies that version and checks that digest.
   * For a directory, those of its manifest, which pins each file the build copies and checks.
   */
  readonly artifactVersionId?: string;
  readonly artifactSha256?: string;
  /** A directory artifact's manifest (`registry-manifests/<sha256>.json`); absent for a single object. */
  readonly artifactManifestUri?: string;
}

/** One object a build reads, pinned: its S3 version id and the SHA-256 of its bytes. */
export interface PinnedObject {
  readonly versionId: string;
  readonly sha256: string;
}

/** A file of a build context, as the build downloads and checks it. */
export interface ContextFile extends PinnedObject {
  readonly name: string;
}

export type ImageSourceRecord =
  | {
      readonly type: 'build';
      /** The uploaded entry script; absent when the image runs the platform's MLflow entry (`MLFLOW_ENTRY_FILE`). */
      readonly entry?: string;
      readonly requirements?: string;
      /** The base image: as registered while the version builds, pinned to the digest the build pulled once READY. */
      readonly baseImage: string;
      /** The base image as registered (by tag), kept once `baseImage` is pinned. */
      readonly requestedBaseImage?: string;
      /** The build context CodeBuild reads: `s3://bucket/images/<name>/<version>/context/`. */
      readonly contextUri: string;
      /** The versions of the entry script and requirements that were checked and copied into the context. */
      readonly inputs?: { readonly entry?: PinnedObject; readonly requirements?: PinnedObject };
      /** Every file of the context as written: the build downloads these versions and checks these digests. */
      readonly contextFiles?: readonly ContextFile[];
    }
  | { readonly type: 'external'; readonly imageUri: string };

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';

/** What ECR's scan of the pushed image found. */
export interface ScanSummary {
  /** ECR's scan status (`COMPLETE`, `FAILED`, ...), or `NOT_SCANNED` when the image has none. */
  readonly status: string;
  readonly findings: Readonly<Partial<Record<Severity, number>>>;
}

export type ApprovalStatus = 'Approved' | 'PendingManualApproval' | 'Rejected';

/** The image's pairing with one served model version, mirrored to the SageMaker Model Registry. */
export interface ModelPackageRecord {
  readonly model: string;
  readonly modelVersion: number;
  readonly groupName: string;
  readonly arn: string;
  readonly approvalStatus: ApprovalStatus;
  /** Why the package is not approved although its version holds the approval alias. */
  readonly approvalBlockedBy?: string;
}

export interface BuildRecord {
  readonly id?: string;
  /** The CodeBuild phase the build is in, from its phase-change events. */
  readonly phase?: string;
  readonly logsUrl?: string;
  readonly failure?: string;
  readonly endedAt?: string;
}

export interface ImageVersionRecord {
  readonly name: string;
  readonly version: number;
  readonly status: ImageStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy?: string;
  readonly description?: string;
  readonly models: readonly ServedModel[];
  readonly source: ImageSourceRecord;
  readonly environment: Readonly<Record<string, string>>;
  readonly allowCriticalFindings: boolean;
  readonly build?: BuildRecord;
  /** The pinned image: `<repository URI>@sha256:<digest>`, once READY. */
  readonly imageUri?: string;
  readonly digest?: string;
  /** The served models' artifacts as SageMaker extracts them into `/opt/ml/model`. */
  readonly modelDataUrl?: string;
  readonly scan?: ScanSummary;
  readonly modelPackages?: readonly ModelPackageRecord[];
}

export interface ImageRecord {
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The highest version number taken (a number whose registration failed is skipped). */
  readonly latestVersion: number;
}

/** The ECR tag of an image version the platform builds; tags are immutable, so each version has its own. */
export const imageTag = (name: string, version: number) => `${name}-${version}`;
