import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putPlatformEvent } from '../../shared/platform-events';
import type { ImageBuildStateChanged, ImageEvents } from '../core/ports';

/** The `source` of every image event on the platform bus, for rules to match. */
export const IMAGES_EVENT_SOURCE = 'mlops-platform.images';

export class EventBridgeImageEvents implements ImageEvents {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  publish(detail: ImageBuildStateChanged): Promise<void> {
    return putPlatformEvent(this.events, this.eventBusName, IMAGES_EVENT_SOURCE, 'ImageBuildStateChanged', detail);
  }
}
