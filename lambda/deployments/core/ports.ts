import type { ImageVersionRecord } from '../../images/core/model';
import type { Clock } from '../../shared/clock';
import type { Page, PageRequest } from '../../shared/page';
import type { EndpointObservation } from './advance-deployment';
import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange } from './model';

/** The outcome of writing a new deployment. */
export type CreateOutcome = { readonly kind: 'created' } | { readonly kind: 'name-taken'; readonly existing: DeploymentRecord };

/** Deployments and their history, on the deployments table. */
export interface DeploymentStore {
  getDeployment(name: string): Promise<DeploymentRecord | undefined>;
  /** Writes a new deployment and its first history entry together, unless the name is taken. */
  createDeployment(record: DeploymentRecord, change: DeploymentStateChange): Promise<CreateOutcome>;
  /** Replaces the deployment if it is still as `expected` left it (its `updatedAt`), with a history entry; `false` otherwise. */
  updateDeployment(record: DeploymentRecord, expected: DeploymentRecord, change: DeploymentStateChange): Promise<boolean>;
  /** Every deployment, by name (the deleted ones too). */
  listDeployments(page: PageRequest): Promise<Page<DeploymentRecord>>;
  /** A deployment's state changes, newest first. */
  history(name: string, page: PageRequest): Promise<Page<DeploymentStateChange>>;
}

/** SageMaker's view of a deployment's endpoint, and which of its rollback alarms fire. */
export interface EndpointWatcher {
  observe(deployment: DeploymentRecord): Promise<EndpointObservation>;
}

/** The inference images a deployment serves (the images table). */
export interface DeploymentImages {
  getImage(name: string): Promise<{ readonly name: string } | undefined>;
  getVersion(name: string, version: number): Promise<ImageVersionRecord | undefined>;
  /** The image versions serving this model version. */
  versionsServing(model: string, modelVersion: number): Promise<readonly { readonly name: string; readonly version: number }[]>;
}

/** The registry's aliases, read for a deployment that follows one. */
export interface ModelAliases {
  aliasVersion(model: string, alias: string): Promise<number | undefined>;
}

/** SageMaker hosting: a revision's model and endpoint config, and the endpoint. */
export interface SageMakerHosting {
  /** Creates the revision's SageMaker model and endpoint config, tagged with the deployment. */
  createRevision(deployment: DeploymentRecord, revision: DeploymentRevision): Promise<void>;
  createEndpoint(deployment: DeploymentRecord, revision: DeploymentRevision): Promise<void>;
  /** Moves the endpoint to the revision's config, with its rollout (SageMaker's blue/green when SageMaker runs it). */
  updateEndpoint(deployment: DeploymentRecord, revision: DeploymentRevision): Promise<void>;
  /** Deletes the endpoint; a gone one is fine. */
  deleteEndpoint(deployment: DeploymentRecord): Promise<void>;
  /** Deletes a revision's model and endpoint config; gone ones are fine. */
  deleteRevision(revision: DeploymentRevision): Promise<void>;
}

/** The alarms that roll a deployment's updates back (named by `rollbackAlarmNames`), made or changed to its thresholds. */
export interface RollbackAlarmStore {
  putAlarms(deployment: DeploymentRecord): Promise<void>;
  deleteAlarms(deployment: DeploymentRecord): Promise<void>;
}

export interface DeploymentEvents {
  publish(change: DeploymentStateChange): Promise<void>;
}

/** What the deployment use cases run on. */
export interface DeploymentDependencies {
  readonly store: DeploymentStore;
  readonly images: DeploymentImages;
  readonly aliases: ModelAliases;
  readonly hosting: SageMakerHosting;
  readonly alarms: RollbackAlarmStore;
  readonly events: DeploymentEvents;
  readonly clock: Clock;
}
