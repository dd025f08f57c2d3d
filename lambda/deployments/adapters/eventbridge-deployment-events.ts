import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putPlatformEvent } from '../../shared/platform-events';
import type { DeploymentStateChange } from '../core/model';
import type { DeploymentEvents } from '../core/ports';

/** The `source` of every deployment event on the platform bus, for rules to match. */
export const DEPLOYMENTS_EVENT_SOURCE = 'mlops-platform.deployments';

export class EventBridgeDeploymentEvents implements DeploymentEvents {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  publish(change: DeploymentStateChange): Promise<void> {
    return putPlatformEvent(this.events, this.eventBusName, DEPLOYMENTS_EVENT_SOURCE, 'DeploymentStateChanged', change);
  }
}
