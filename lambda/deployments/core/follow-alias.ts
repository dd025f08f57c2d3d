import { ConflictError, ValidationError } from '../../shared/errors';
import { allPages } from '../../shared/page';
import type { DeploymentRecord } from './model';
import type { DeploymentDependencies } from './ports';
import { updateDeployment } from './update-deployment';

/** What a `ModelAliasChanged` event says, as far as deployments read it. */
export interface AliasMoved {
  readonly name: string;
  readonly alias: string;
}

/** Which following deployments started a rollout, and which could not, with why (no READY image serves it yet, the alias went). */
export interface FollowOutcome {
  readonly started: readonly string[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * Rolls out, on every deployment in service that follows the moved alias, the image serving the alias's version
 * now: the alias is read from the registry again (not taken from the event), and a deployment serving it already
 * changes nothing, so an event delivered twice, or late, does no harm. A deployment in transit takes the move
 * when it is next updated; one with nothing READY to roll out keeps serving what it serves.
 */
export function followAlias(deps: DeploymentDependencies) {
  const update = updateDeployment(deps);
  return async (moved: AliasMoved): Promise<FollowOutcome> => {
    const following = (await allPages((page) => deps.store.listDeployments(page))).filter(
      (record: DeploymentRecord) => record.status === 'IN_SERVICE' && record.follow?.model === moved.name && record.follow.alias === moved.alias,
    );
    const started: string[] = [];
    const skipped: { name: string; reason: string }[] = [];
    for (const record of following) {
      try {
        const after = await update({ name: record.name, actor: `alias ${moved.name}@${moved.alias}` });
        if (after.status === 'UPDATING') started.push(record.name);
      } catch (error) {
        if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
        skipped.push({ name: record.name, reason: error.message });
      }
    }
    return { started, skipped };
  };
}
