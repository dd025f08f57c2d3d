import { createHandler } from '../../shared/handler';
import { platformDependencies } from '../adapters/platform-dependencies';
import { DeploymentEvent } from '../core/event-schemas';
import { followAlias } from '../core/follow-alias';

const follow = followAlias(platformDependencies());

export const handler = createHandler(DeploymentEvent, (event) => follow(event.detail));
