import { ConflictError, ValidationError } from '../../shared/errors';
import type { DeploymentDependencies } from './ports';
import { existingDeployment, rollOut } from './roll-out';
import type { UpdateDeploymentCommand } from './schemas';
import { servedImage } from './served-image';

/**
 * Rolls a new version of the deployment's image out: the version asked for, or, on a deployment that follows an
 * alias, the one serving the alias's version now (what a moved alias triggers), passing over versions it rolled back. The version it serves already is
 * no change: an alias event delivered twice rolls nothing out twice.
 */
export function updateDeployment(deps: DeploymentDependencies) {
  return async (command: UpdateDeploymentCommand) => {
    const record = await existingDeployment(deps, command.name);
    const current = record.current;
    if (record.status !== 'IN_SERVICE' || !current) {
      throw new ConflictError(`deployment ${record.name} is ${record.status}: wait until it is IN_SERVICE, or roll it back`);
    }
    if (command.version === undefined && !record.follow) throw ValidationError.of('version', 'is required: the deployment follows no alias');
    const follow = command.version === undefined ? record.follow : undefined;
    const passOver = follow ? record.rolledBackVersions : undefined;
    const image = await servedImage(deps.images, deps.aliases, { image: current.image.name, version: command.version, follow, passOver });
    if (image.version === current.image.version) return record;
    const why = follow ? `${follow.model}@${follow.alias} moved: rolling out version ${image.version}` : `rolling out version ${image.version}`;
    return rollOut(deps, record, image, command.strategy ?? record.strategy, why, command.actor);
  };
}
