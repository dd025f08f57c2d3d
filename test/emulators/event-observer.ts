import { CloudWatchLogsClient, CreateLogGroupCommand, DeleteLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRuleCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';

/** One event as a bus target receives it. */
export interface ObservedEvent {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

export interface EventObserver {
  /** Every event of the source the bus delivered so far, oldest first. */
  events(): Promise<ObservedEvent[]>;
  dispose(): Promise<void>;
}

const TARGET_ID = 'log-group';

/**
 * Routes a bus's events of one `source` to a log group on moto, where a test reads them back as a
 * rule target would receive them.
 */
export async function observeEvents(eventBridge: EventBridgeClient, eventBusName: string, source: string): Promise<EventObserver> {
  const logs = new CloudWatchLogsClient({});
  const logGroupName = `/mlops-test/events/${eventBusName}/${source}`;
  const ruleName = `observe-${source.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 64);
  const { Arn } = await eventBridge.send(new DescribeEventBusCommand({ Name: eventBusName }));
  const account = Arn!.split(':')[4];
  await logs.send(new CreateLogGroupCommand({ logGroupName }));
  await eventBridge.send(new PutRuleCommand({ Name: ruleName, EventBusName: eventBusName, EventPattern: JSON.stringify({ source: [source] }) }));
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: eventBusName,
      Targets: [
        {
          Id: TARGET_ID,
          Arn: `arn:aws:logs:${process.env.AWS_REGION}:${account}:log-group:${logGroupName}`,
          // The whole event, as without a transformer. Moto spends tens of milliseconds of CPU
          // on each JSONPath it parses: its default template parses eight per event, this one one.
          InputTransformer: { InputPathsMap: { id: '$.id' }, InputTemplate: '<aws.events.event.json>' },
        },
      ],
    }),
  );

  return {
    async events() {
      const observed: (ObservedEvent & { readonly timestamp: number })[] = [];
      let nextToken: string | undefined;
      do {
        const page = await logs.send(new FilterLogEventsCommand({ logGroupName, nextToken }));
        for (const { message = '{}', timestamp = 0 } of page.events ?? []) {
          const event = JSON.parse(message) as { id: string; source: string; 'detail-type': string; detail: Record<string, unknown> };
          observed.push({ id: event.id, source: event.source, detailType: event['detail-type'], detail: event.detail, timestamp });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return observed.sort((a, b) => a.timestamp - b.timestamp).map(({ timestamp: _timestamp, ...event }) => event);
    },

    async dispose() {
      await eventBridge.send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: eventBusName, Ids: [TARGET_ID] }));
      await eventBridge.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: eventBusName }));
      await logs.send(new DeleteLogGroupCommand({ logGroupName }));
      logs.destroy();
    },
  };
}
