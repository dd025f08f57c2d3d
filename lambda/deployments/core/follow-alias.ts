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
 * when it is next updated; one with nothing READY to roll out keeps serving what it serves (`followImageBuilds`
 * rolls it out when that image is READY).
 */
export function followAlias(deps: DeploymentDependencies) {
  return (moved: AliasMoved): Promise<FollowOutcome> =>
    rollOutFollowers(deps, (record) => record.follow?.model === moved.name && record.follow.alias === moved.alias, `alias ${moved.name}@${moved.alias}`);
}

/** What an `ImageBuildStateChanged` event says, as far as deployments read it. */
export interface ImageBuilt {
  readonly name: string;
  readonly version: number;
  readonly status: string;
}

/**
 * When a version of an image turns READY, every deployment in service of that image that follows an alias rolls out
 * the version serving its alias's version now: an alias moved before its image was built is followed once the image
 * is READY. The alias and the image are read again, not taken from the event.
 */
export function followImageBuilds(deps: DeploymentDependencies) {
  return async (built: ImageBuilt): Promise<FollowOutcome> =>
    built.status !== 'READY'
      ? { started: [], skipped: [] }
      : rollOutFollowers(
          deps,
          (record) => record.follow !== undefined && record.current?.image.name === built.name,
          `image ${built.name}:${built.version} READY`,
        );
}

/** Updates every following deployment in service that `matches`, to the image serving its alias's version now. */
async function rollOutFollowers(deps: DeploymentDependencies, matches: (record: DeploymentRecord) => boolean, actor: string): Promise<FollowOutcome> {
  const update = updateDeployment(deps);
  const following = (await allPages((page) => deps.store.listDeployments(page))).filter((record) => record.status === 'IN_SERVICE' && matches(record));
  const started: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const record of following) {
    try {
      const after = await update({ name: record.name, actor });
      if (after.status === 'UPDATING') started.push(record.name);
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      skipped.push({ name: record.name, reason: error.message });
    }
  }
  return { started, skipped };
}
