import { randomUUID } from 'node:crypto';
import { CreateEventBusCommand, DeleteEventBusCommand, DescribeEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type EventRouter, startEventRouter } from '../../local/event-router';
import type { BusEvent, EventRoute } from '../../local/event-rules';
import { requireEmulatorEnvironment } from '../emulators/function-harness';
import { statusOf } from '../support/network';

/** The local EventBridge router in front of the emulators' moto: requests passed on, accepted entries routed. */

requireEmulatorEnvironment('event router', ['AWS_ENDPOINT_URL_EVENTBRIDGE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
const moto = {
  endpoint: process.env.AWS_ENDPOINT_URL_EVENTBRIDGE!,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
};
const credentials = { accessKeyId: 'LOCALROUTER', secretAccessKey: 'router-secret' };
const bus = `mlops-router-${randomUUID().slice(0, 8)}`;
const routes: EventRoute[] = [
  {
    ruleLogicalId: 'AliasMoves',
    eventBusName: bus,
    pattern: { source: ['mlops-platform.registry'], 'detail-type': ['ModelAliasChanged'] },
    functionLogicalIds: ['DeploymentEvents'],
    otherTargets: 0,
  },
  {
    ruleLogicalId: 'Approvals',
    eventBusName: bus,
    pattern: { source: ['mlops-platform.registry'], detail: { alias: ['production'] } },
    functionLogicalIds: ['ImageEvents'],
    otherTargets: 0,
  },
];

let router: EventRouter;
let delivered: { functionLogicalId: string; event: BusEvent }[];
let client: EventBridgeClient;

beforeAll(async () => {
  await new EventBridgeClient({}).send(new CreateEventBusCommand({ Name: bus }));
});
afterAll(async () => {
  await new EventBridgeClient({}).send(new DeleteEventBusCommand({ Name: bus }));
});
beforeEach(async () => {
  delivered = [];
  router = await startEventRouter({
    routes,
    credentials: [credentials],
    moto,
    deliver: async (functionLogicalId, event) => {
      delivered.push({ functionLogicalId, event });
    },
  });
  client = new EventBridgeClient({ region: 'us-east-1', credentials, endpoint: router.endpoint, maxAttempts: 1 });
});
afterEach(() => router.stop());

const aliasMoved = (alias: string, EventBusName = bus) => ({
  EventBusName,
  Source: 'mlops-platform.registry',
  DetailType: 'ModelAliasChanged',
  Detail: JSON.stringify({ name: 'churn', alias, version: 2 }),
  Resources: ['arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn'],
  Time: new Date('2026-12-07T03:00:00.250Z'),
});

it("puts events on moto and hands each accepted entry to the matching rules' functions, in EventBridge's envelope", async () => {
  const answer = await client.send(new PutEventsCommand({ Entries: [aliasMoved('production'), aliasMoved('staging')] }));
  await router.stop();

  const [production, staging] = answer.Entries!;
  expect(answer.FailedEntryCount).toBe(0);
  expect(delivered.map(({ functionLogicalId, event }) => [functionLogicalId, event.id]).sort()).toEqual(
    [
      ['DeploymentEvents', production.EventId],
      ['ImageEvents', production.EventId],
      ['DeploymentEvents', staging.EventId],
    ].sort(),
  );
  expect(delivered.find(({ functionLogicalId }) => functionLogicalId === 'ImageEvents')!.event).toEqual({
    version: '0',
    id: production.EventId,
    'detail-type': 'ModelAliasChanged',
    source: 'mlops-platform.registry',
    account: '123456789012',
    time: '2026-12-07T03:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn'],
    detail: { name: 'churn', alias: 'production', version: 2 },
  });
});

it('routes entries naming the bus by ARN, and none on another bus or not matching any rule', async () => {
  await client.send(
    new PutEventsCommand({
      Entries: [
        aliasMoved('staging', `arn:aws:events:us-east-1:123456789012:event-bus/${bus}`),
        aliasMoved('production', 'default'),
        { ...aliasMoved('production'), Source: 'someone.else' },
      ],
    }),
  );
  await router.stop();

  expect(delivered.map(({ functionLogicalId, event }) => [functionLogicalId, event.detail])).toEqual([
    ['DeploymentEvents', { name: 'churn', alias: 'staging', version: 2 }],
  ]);
});

it("passes other actions and moto's refusals on unchanged, routing nothing", async () => {
  const described = await client.send(new DescribeEventBusCommand({ Name: bus }));

  await expect(client.send(new DescribeEventBusCommand({ Name: `${bus}-missing` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  expect(described.Name).toBe(bus);
  expect(delivered).toEqual([]);
});

it('fails requests with a foreign Host or Origin with 403 and a bad signature, routing nothing', async () => {
  const { port } = new URL(router.endpoint);
  const forged = new EventBridgeClient({
    region: 'us-east-1',
    credentials: { ...credentials, secretAccessKey: 'guessed' },
    endpoint: router.endpoint,
    maxAttempts: 1,
  });

  expect(await statusOf(router.endpoint, { method: 'POST', headers: { host: `evil.example:${port}` }, body: '{}' })).toBe(403);
  expect(await statusOf(router.endpoint, { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{}' })).toBe(403);
  await expect(forged.send(new PutEventsCommand({ Entries: [aliasMoved('production')] }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  await router.stop();
  expect(delivered).toEqual([]);
});
