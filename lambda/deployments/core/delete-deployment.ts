import { ConflictError } from '../../shared/errors';
import type { DeploymentDependencies } from './ports';
import { existingDeployment } from './roll-out';
import type { DeleteDeploymentCommand } from './schemas';
import { stateChange } from './state-change';

/**
 * Deletes a deployment's endpoint, in any state (a rollout under way ends with it), and its alarms: recorded
 * DELETING and announced first; `AdvanceDeployments` records it DELETED, and deletes its revisions' models and
 * configs, once SageMaker has no endpoint left. Deleting a deployment being deleted changes nothing.
 */
export function deleteDeployment(deps: DeploymentDependencies) {
  return async (command: DeleteDeploymentCommand) => {
    const record = await existingDeployment(deps, command.name);
    if (record.status === 'DELETING') return record;
    // Every deployment has one: its first is pending from creation on.
    const revision = record.pending ?? record.current;
    if (!revision) throw new Error(`deployment ${record.name} has no revision`);
    const at = deps.clock.now().toISOString();
    const deleting = { ...record, status: 'DELETING' as const, updatedAt: at };
    const change = stateChange(deleting, revision, record.status, `deletion requested${command.actor ? ` by ${command.actor}` : ''}`, at, command.actor);
    if (!(await deps.store.updateDeployment(deleting, record, change)))
      throw new ConflictError(`deployment ${record.name} changed while it was deleted; retry`);
    await deps.events.publish(change);
    await deps.hosting.deleteEndpoint(deleting);
    await deps.alarms.deleteAlarms(deleting);
    return deleting;
  };
}
