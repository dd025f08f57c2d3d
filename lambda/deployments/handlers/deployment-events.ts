import { createHandler } from '../../shared/handler';
import { platformDependencies } from '../adapters/platform-dependencies';
import { DeploymentEvent } from '../core/event-schemas';
import { followAlias, followImageBuilds } from '../core/follow-alias';

const dependencies = platformDependencies();
const aliasMoved = followAlias(dependencies);
const imageBuilt = followImageBuilds(dependencies);

export const handler = createHandler(DeploymentEvent, (event) =>
  event['detail-type'] === 'ModelAliasChanged' ? aliasMoved(event.detail) : imageBuilt(event.detail),
);
