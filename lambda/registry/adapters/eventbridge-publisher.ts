import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, RegistryEvent } from '../core/ports';

/** The `source` of every registry event on the platform bus, for rules to match. */
export const REGISTRY_EVENT_SOURCE = 'mlops-platform.registry';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish({ type, detail }: RegistryEvent): Promise<void> {
    const result = await this.events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: this.eventBusName, Source: REGISTRY_EVENT_SOURCE, DetailType: type, Detail: JSON.stringify(detail) }],
      }),
    );
    // PutEvents reports per-entry failures in a successful response.
    if (result.FailedEntryCount) {
      const entry = result.Entries?.[0];
      throw new Error(`PutEvents refused ${type}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`);
    }
  }
}
