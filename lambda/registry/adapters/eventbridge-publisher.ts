import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putPlatformEvent } from '../../shared/platform-events';
import type { EventPublisher, RegistryEvent } from '../core/ports';

/** The `source` of every registry event on the platform bus, for rules to match. */
export const REGISTRY_EVENT_SOURCE = 'mlops-platform.registry';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  publish({ type, detail }: RegistryEvent): Promise<void> {
    return putPlatformEvent(this.events, this.eventBusName, REGISTRY_EVENT_SOURCE, type, detail);
  }
}
