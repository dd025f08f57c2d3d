import type * as z from 'zod/mini';
import type { RolloutPlan } from './rollout-plan';
import type { Compute, RollbackAlarms, Strategy } from './schemas';

/** The records of deployments, as the use cases and callers see them (storage keys live in the adapter). */

export type DeploymentStatus = 'CREATING' | 'IN_SERVICE' | 'UPDATING' | 'ROLLING_BACK' | 'FAILED' | 'DELETING' | 'DELETED';

/** The image version a revision serves, pinned as it was READY: its digest and the model data SageMaker loads. */
export interface ServedImage {
  readonly name: string;
  readonly version: number;
  /** `<repository>@sha256:<digest>`. */
  readonly imageUri: string;
  /** `s3://<artifact bucket>/images/<name>/<version>/model.tar.gz`. */
  readonly modelDataUrl: string;
  readonly models: readonly { readonly name: string; readonly version: number }[];
}

/** One revision of a deployment: what it serves and the SageMaker config and model made for it. */
export interface DeploymentRevision {
  readonly revision: number;
  readonly image: ServedImage;
  readonly endpointConfig: string;
  readonly model: string;
  readonly rollout: RolloutPlan;
  readonly startedAt: string;
  /** Set when a rollout the platform runs has the new revision serving: the alarms are watched until then. */
  readonly bakeUntil?: string;
}

export interface DeploymentRecord {
  readonly name: string;
  /** The SageMaker endpoint, for the deployment's whole life. */
  readonly endpoint: string;
  /** Set when the deployment follows a model alias: a move rolls the image serving its new version out. */
  readonly follow?: { readonly model: string; readonly alias: string };
  readonly compute: z.output<typeof Compute>;
  readonly strategy: z.output<typeof Strategy>;
  readonly alarms: z.output<typeof RollbackAlarms>;
  readonly status: DeploymentStatus;
  /** The highest revision number taken: each update takes the next, so SageMaker names are never reused. */
  readonly lastRevision: number;
  /** What answers requests now; absent until the first revision is in service. */
  readonly current?: DeploymentRevision;
  /** The revision being rolled out (or created). */
  readonly pending?: DeploymentRevision;
  /** What a rollback goes back to. */
  readonly previous?: DeploymentRevision;
  /**
   * Versions of its image a rollback took off the deployment, oldest first: following an alias passes over them
   * (an update naming one rolls it out, and takes it off this list).
   */
  readonly rolledBackVersions?: readonly number[];
  /** The client token of the create that made it, and a digest of that request: a retry with the token returns this deployment. */
  readonly createdWith?: { readonly clientToken: string; readonly fingerprint: string };
  /** Why the deployment is FAILED, or why its last rollout was rolled back. */
  readonly reason?: string;
  readonly createdAt: string;
  readonly createdBy?: string;
  readonly updatedAt: string;
}

/** One state change of a deployment, kept in its history and announced as `DeploymentStateChanged`. */
export interface DeploymentStateChange {
  readonly name: string;
  readonly revision: number;
  readonly from?: DeploymentStatus;
  readonly to: DeploymentStatus;
  readonly reason: string;
  readonly image: { readonly name: string; readonly version: number };
  readonly at: string;
  readonly by?: string;
}
