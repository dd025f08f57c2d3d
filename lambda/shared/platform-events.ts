import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

/** Puts one event on the platform bus; a refused entry is an error, not a silent loss. */
export async function putPlatformEvent(events: EventBridgeClient, eventBusName: string, source: string, type: string, detail: object): Promise<void> {
  const result = await events.send(
    new PutEventsCommand({ Entries: [{ EventBusName: eventBusName, Source: source, DetailType: type, Detail: JSON.stringify(detail) }] }),
  );
  // PutEvents reports per-entry failures in a successful response.
  if (result.FailedEntryCount) {
    const entry = result.Entries?.[0];
    throw new Error(`PutEvents refused ${type}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`);
  }
}
