import type * as z from 'zod/mini';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { DeploymentRecord, DeploymentRevision, ServedImage } from './model';
import type { DeploymentDependencies } from './ports';
import { rolloutPlan } from './rollout-plan';
import { rollbackAlarmNames, sageMakerNames } from './sagemaker-names';
import type { Strategy } from './schemas';
import { failureReason, stateChange } from './state-change';

/** A deployment a change may apply to: one that exists and is not deleted. */
export async function existingDeployment({ store }: Pick<DeploymentDependencies, 'store'>, name: string): Promise<DeploymentRecord> {
  const record = await store.getDeployment(name);
  if (!record || record.status === 'DELETED') throw new NotFoundError(`no deployment named ${name}`);
  return record;
}

/**
 * Rolls `image` out on a deployment in service, as its next revision: recorded UPDATING (guarded by what was read,
 * so two changes never both apply), announced, then the revision's SageMaker model and config are made and the
 * endpoint moved to them with the rollout's plan. The rollout goes on without the caller (`AdvanceDeployments`).
 * When SageMaker refuses, the deployment is back IN_SERVICE on what it served, with SageMaker's reason.
 */
export async function rollOut(
  deps: DeploymentDependencies,
  record: DeploymentRecord,
  image: ServedImage,
  strategy: z.output<typeof Strategy>,
  reason: string,
  actor: string | undefined,
): Promise<DeploymentRecord> {
  const { store, clock } = deps;
  const at = clock.now().toISOString();
  const number = record.lastRevision + 1;
  const names = sageMakerNames(record.name, number);
  const revision: DeploymentRevision = {
    revision: number,
    image,
    endpointConfig: names.endpointConfig,
    model: names.model,
    rollout: rolloutPlan(record.compute, strategy, rollbackAlarmNames(record.name)),
    startedAt: at,
  };
  // A version rolled out by name is one the caller vouches for again: following the alias no longer passes it over.
  const rolledBackVersions = record.rolledBackVersions?.filter((version) => version !== image.version);
  const updating: DeploymentRecord = {
    ...record,
    status: 'UPDATING',
    lastRevision: number,
    pending: revision,
    reason: undefined,
    ...(rolledBackVersions ? { rolledBackVersions } : {}),
    updatedAt: at,
  };
  const started = stateChange(updating, revision, record.status, reason, at, actor);
  if (!(await store.updateDeployment(updating, record, started))) throw new ConflictError(`deployment ${record.name} changed while it was updated; retry`);
  await deps.events.publish(started);
  try {
    await deps.alarms.putAlarms(updating);
    await deps.hosting.createRevision(updating, revision);
    await deps.hosting.updateEndpoint(updating, revision);
    return updating;
  } catch (error) {
    await deps.hosting.deleteRevision(revision).catch(() => undefined);
    const failedAt = clock.now().toISOString();
    const back: DeploymentRecord = { ...updating, status: 'IN_SERVICE', pending: undefined, reason: failureReason(error), updatedAt: failedAt };
    const refused = stateChange(back, revision, 'UPDATING', `SageMaker refused the update: ${back.reason}`, failedAt, actor);
    if (await store.updateDeployment(back, updating, refused)) await deps.events.publish(refused);
    return back;
  }
}
