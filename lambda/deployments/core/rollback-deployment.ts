import { ConflictError } from '../../shared/errors';
import type { DeploymentDependencies } from './ports';
import { existingDeployment, rollOut } from './roll-out';
import type { RollbackDeploymentCommand } from './schemas';
import { stateChange } from './state-change';

/** A rollback returns at once: no canary and no bake for what served before. */
const AT_ONCE = { kind: 'all-at-once', bakeMinutes: 0 } as const;

/**
 * Goes back to what the deployment served before, in one call. In service: the previous revision's image is
 * rolled out again, all at once. During a rollout the platform runs (serverless): the endpoint goes back to the
 * revision still recorded as current. SageMaker's own rollouts take no other update until they end (their alarms
 * roll them back): the caller is told to wait.
 */
export function rollbackDeployment(deps: DeploymentDependencies) {
  return async (command: RollbackDeploymentCommand) => {
    const record = await existingDeployment(deps, command.name);
    const { current, pending, previous } = record;
    if (record.status === 'ROLLING_BACK') return record;
    if (record.status === 'UPDATING' && current && pending) {
      if (pending.rollout.runBy === 'sagemaker') {
        throw new ConflictError(
          `SageMaker is rolling version ${pending.image.version} out on ${record.name} and takes no other update until it ends (its alarms roll it back): roll back once it is IN_SERVICE`,
        );
      }
      // Until the new revision serves (the bake starts then), SageMaker refuses another UpdateEndpoint: recorded
      // ROLLING_BACK with the endpoint never sent back, the deployment would wait for a rollback that never comes.
      if (pending.bakeUntil === undefined) {
        throw new ConflictError(
          `SageMaker is still moving ${record.name} to version ${pending.image.version} and takes no other update until it serves (within minutes): roll back then`,
        );
      }
      const at = deps.clock.now().toISOString();
      const rollingBack = {
        ...record,
        status: 'ROLLING_BACK' as const,
        reason: `rollback requested${command.actor ? ` by ${command.actor}` : ''}`,
        updatedAt: at,
      };
      const change = stateChange(rollingBack, pending, record.status, rollingBack.reason, at, command.actor);
      if (!(await deps.store.updateDeployment(rollingBack, record, change)))
        throw new ConflictError(`deployment ${record.name} changed while it was rolled back; retry`);
      await deps.events.publish(change);
      await deps.hosting.updateEndpoint(rollingBack, current);
      return rollingBack;
    }
    if (record.status !== 'IN_SERVICE' || !current) throw new ConflictError(`deployment ${record.name} is ${record.status}: there is nothing to roll back`);
    if (!previous)
      throw new ConflictError(
        `deployment ${record.name} has served only version ${current.image.version} of ${current.image.name}: there is nothing to roll back to`,
      );
    const reason = `rollback to version ${previous.image.version} requested${command.actor ? ` by ${command.actor}` : ''}`;
    return rollOut(deps, record, previous.image, AT_ONCE, reason, command.actor);
  };
}
