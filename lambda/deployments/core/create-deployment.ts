import { ConflictError, ValidationError } from '../../shared/errors';
import { fingerprint } from '../../shared/fingerprint';
import type { DeploymentRecord, DeploymentRevision } from './model';
import type { DeploymentDependencies } from './ports';
import { rolloutPlan } from './rollout-plan';
import { rollbackAlarmNames, sageMakerNames } from './sagemaker-names';
import type { CreateDeploymentCommand } from './schemas';
import { servedImage } from './served-image';
import { failureReason, stateChange } from './state-change';

/**
 * Creates a deployment: everything the request names is checked first (the image version READY and pinned, the
 * name free, the rollout within SageMaker's bounds), so a refused request creates nothing. Then the deployment is
 * recorded as CREATING, its rollback alarms are put, and SageMaker is asked for the model, the endpoint config and
 * the endpoint; the endpoint comes into service later (`AdvanceDeployments` follows it). When SageMaker refuses,
 * the deployment is recorded FAILED with SageMaker's reason, and the model and config it made are deleted.
 * A create retried with its client token returns the deployment the first one made, as it is now.
 */
export function createDeployment(deps: DeploymentDependencies) {
  const { store, clock } = deps;

  async function fail(record: DeploymentRecord, revision: DeploymentRevision, error: unknown): Promise<DeploymentRecord> {
    await deps.hosting.deleteRevision(revision).catch(() => undefined);
    const at = clock.now().toISOString();
    const failed: DeploymentRecord = { ...record, status: 'FAILED', reason: failureReason(error), updatedAt: at };
    const change = stateChange(failed, revision, 'CREATING', `SageMaker refused the deployment: ${failed.reason}`, at, record.createdBy);
    if (await store.updateDeployment(failed, record, change)) await deps.events.publish(change);
    return failed;
  }

  /** The deployment a create with this client token made, when `existing` is it; a different request with the token is a conflict. */
  function retried(existing: DeploymentRecord | undefined, command: CreateDeploymentCommand, requestFingerprint: string): DeploymentRecord | undefined {
    if (!existing || command.clientToken === undefined || existing.createdWith?.clientToken !== command.clientToken) return undefined;
    if (existing.createdWith.fingerprint !== requestFingerprint) {
      throw new ConflictError(`client token ${command.clientToken} was used for a different create of deployment ${command.name}`);
    }
    return existing;
  }

  return async (command: CreateDeploymentCommand): Promise<DeploymentRecord> => {
    // Who asked is no part of the request: a retry from another session is the same create.
    const requestFingerprint = fingerprint({ ...command, actor: undefined });
    const existing = await store.getDeployment(command.name);
    const retry = retried(existing, command, requestFingerprint);
    if (retry) return retry;
    if (existing && existing.status !== 'DELETED') throw ValidationError.of('name', `is in use by a deployment that is ${existing.status}`);
    const image = await servedImage(deps.images, deps.aliases, command);
    const at = clock.now().toISOString();
    // A name taken again after a deletion goes on from the deleted deployment's revisions: SageMaker names are never reused.
    const first = (existing?.lastRevision ?? 0) + 1;
    const names = sageMakerNames(command.name, first);
    const draft: DeploymentRecord = {
      name: command.name,
      endpoint: names.endpoint,
      ...(command.follow ? { follow: command.follow } : {}),
      compute: command.compute,
      strategy: command.strategy,
      alarms: command.alarms,
      status: 'CREATING',
      lastRevision: first,
      createdAt: at,
      ...(command.actor ? { createdBy: command.actor } : {}),
      ...(command.clientToken ? { createdWith: { clientToken: command.clientToken, fingerprint: requestFingerprint } } : {}),
      updatedAt: at,
    };
    // Checked before anything is written: a rollout SageMaker would refuse to run is refused now.
    const rollout = rolloutPlan(command.compute, command.strategy, rollbackAlarmNames(command.name));
    const revision: DeploymentRevision = { revision: first, image, endpointConfig: names.endpointConfig, model: names.model, rollout, startedAt: at };
    const record: DeploymentRecord = { ...draft, pending: revision };
    const created = stateChange(record, revision, undefined, 'created', at, command.actor);
    const outcome = await store.createDeployment(record, created);
    if (outcome.kind === 'name-taken') {
      const raced = retried(outcome.existing, command, requestFingerprint);
      if (raced) return raced;
      throw ValidationError.of('name', `is in use by a deployment that is ${outcome.existing.status}`);
    }
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
