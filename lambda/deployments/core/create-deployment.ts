import type { Clock } from '../../shared/clock';
import { ValidationError } from '../../shared/errors';
import type { DeploymentRecord, DeploymentRevision } from './model';
import type { DeploymentEvents, DeploymentImages, DeploymentStore, ModelAliases, RollbackAlarmStore, SageMakerHosting } from './ports';
import { rolloutPlan } from './rollout-plan';
import { rollbackAlarmNames, sageMakerNames } from './sagemaker-names';
import type { CreateDeploymentCommand } from './schemas';
import { servedImage } from './served-image';
import { stateChange } from './state-change';

export interface CreateDeploymentDependencies {
  readonly store: DeploymentStore;
  readonly images: DeploymentImages;
  readonly aliases: ModelAliases;
  readonly hosting: SageMakerHosting;
  readonly alarms: RollbackAlarmStore;
  readonly events: DeploymentEvents;
  readonly clock: Clock;
}

/** A failure SageMaker gave, as a deployment's reason: its message, never a stack. */
const reasonOf = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);

/**
 * Creates a deployment: everything the request names is checked first (the image version READY and pinned, the
 * name free, the rollout within SageMaker's bounds), so a refused request creates nothing. Then the deployment is
 * recorded as CREATING, its rollback alarms are put, and SageMaker is asked for the model, the endpoint config and
 * the endpoint; the endpoint comes into service later (`AdvanceDeployments` follows it). When SageMaker refuses,
 * the deployment is recorded FAILED with SageMaker's reason, and the model and config it made are deleted.
 */
export function createDeployment(deps: CreateDeploymentDependencies) {
  const { store, clock } = deps;

  async function fail(record: DeploymentRecord, revision: DeploymentRevision, error: unknown): Promise<DeploymentRecord> {
    await deps.hosting.deleteRevision(revision).catch(() => undefined);
    const at = clock.now().toISOString();
    const failed: DeploymentRecord = { ...record, status: 'FAILED', reason: reasonOf(error), updatedAt: at };
    const change = stateChange(failed, revision, 'CREATING', `SageMaker refused the deployment: ${failed.reason}`, at);
    if (await store.updateDeployment(failed, record, change)) await deps.events.publish(change);
    return failed;
  }

  return async (command: CreateDeploymentCommand): Promise<DeploymentRecord> => {
    const existing = await store.getDeployment(command.name);
    if (existing && existing.status !== 'DELETED') throw ValidationError.of('name', `is in use by a deployment that is ${existing.status}`);
    const image = await servedImage(deps.images, deps.aliases, command);
    const at = clock.now().toISOString();
    const names = sageMakerNames(command.name, 1);
    const draft: DeploymentRecord = {
      name: command.name,
      endpoint: names.endpoint,
      ...(command.follow ? { follow: command.follow } : {}),
      compute: command.compute,
      strategy: command.strategy,
      alarms: command.alarms,
      status: 'CREATING',
      createdAt: at,
      ...(command.actor ? { createdBy: command.actor } : {}),
      updatedAt: at,
    };
    // Checked before anything is written: a rollout SageMaker would refuse to run is refused now.
    const rollout = rolloutPlan(command.compute, command.strategy, rollbackAlarmNames(command.name));
    const revision: DeploymentRevision = { revision: 1, image, endpointConfig: names.endpointConfig, model: names.model, rollout, startedAt: at };
    const record: DeploymentRecord = { ...draft, pending: revision };
    const created = stateChange(record, revision, undefined, 'created', at);
    const outcome = await store.createDeployment(record, created);
    if (outcome.kind === 'name-taken') throw ValidationError.of('name', `is in use by a deployment that is ${outcome.existing.status}`);
    await deps.events.publish(created);
    try {
      await deps.alarms.putAlarms(record);
      await deps.hosting.createRevision(record, revision);
      await deps.hosting.createEndpoint(record, revision);
    } catch (error) {
      return fail(record, revision, error);
    }
    return record;
  };
}
