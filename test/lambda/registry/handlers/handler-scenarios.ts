/**
 * Scenarios that together drive every code path of the registry handlers that sends an SDK call,
 * run by the handler tests, and `recordIamActions`, which runs them and lists the IAM actions the
 * commands they sent need, for the test that compares them with the synthesized policies.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../lambda/registry/adapters/table-keys';
import {
  ARTIFACT_BUCKET,
  clearSentCommands,
  dynamoMock,
  type FakeTable,
  invoke,
  items,
  type RegistryFunction,
  resetSdkMocks,
  s3Mock,
  type SentCommand,
  sentCommands,
} from './sdk-mocks';

export { type RegistryFunction } from './sdk-mocks';

export const MODEL = 'churn';
export const ARTIFACT_KEY = 'churn/model.tar.gz';
export const ARTIFACT_URI = `s3://${ARTIFACT_BUCKET}/${ARTIFACT_KEY}`;
export const ARTIFACT_BODY = 'model weights';
export const ARTIFACT_SHA256 = createHash('sha256').update(ARTIFACT_BODY).digest('hex');

export interface HandlerScenario {
  readonly name: string;
  /** The state the call starts from (table items, S3 objects, scripted races); it may invoke the handler itself. */
  readonly arrange?: (table: FakeTable) => void | Promise<void>;
  readonly event: Record<string, unknown>;
  /** The commands the call sends, in order. */
  readonly sends: readonly string[];
}

/** HeadObject finds the artifact, with S3's full-object SHA-256 checksum unless `overrides` says otherwise. */
export function artifactInS3(overrides: Record<string, unknown> = {}): void {
  s3Mock.on(HeadObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: ARTIFACT_KEY }).resolves({
    ContentLength: ARTIFACT_BODY.length,
    ETag: '"0f343b0931126a20f133d67c2b018a3b"',
    VersionId: 's3-version-7',
    ChecksumSHA256: createHash('sha256').update(ARTIFACT_BODY).digest('base64'),
    ChecksumType: 'FULL_OBJECT',
    ...overrides,
  });
}

const registration = (overrides: Record<string, unknown> = {}) => ({
  name: MODEL,
  artifact: { uri: ARTIFACT_URI },
  metrics: { auc: 0.91 },
  ...overrides,
});

/**
 * Another caller's whole registration of `MODEL`, done straight to the table while this call is in
 * flight: it takes the next number from the counter, writes that version (and its client token,
 * if any) and raises the model's latest version. Returns the number it took.
 */
export function registerConcurrently(table: FakeTable, version: (number: number) => Record<string, unknown>, token?: Record<string, unknown>): number {
  const model = table.get(keys.model(MODEL))!;
  // The counter only grows past the latest version, so the concurrent raise always succeeds.
  const number = model.nextVersion + 1;
  const item = version(number);
  table.put({ ...model, nextVersion: number, latestVersion: number, updatedAt: item.createdAt }, item, ...(token ? [{ ...token, version: number }] : []));
  return number;
}

// A committed version is announced: the model's latest version raised and the event published, together.
const ANNOUNCEMENT = ['UpdateCommand', 'PutEventsCommand'];
// Without a client token, a registration checks the artifact, takes a number, commits and announces it.
const REGISTRATION = ['HeadObjectCommand', 'UpdateCommand', 'TransactWriteCommand', ...ANNOUNCEMENT];

export const registerModelScenarios: readonly HandlerScenario[] = [
  {
    name: 'a new model',
    arrange: () => artifactInS3(),
    event: registration(),
    sends: REGISTRATION,
  },
  {
    name: 'an existing model',
    arrange: (table) => {
      artifactInS3();
      table.put(items.model(MODEL, 2), items.version(MODEL, 1), items.version(MODEL, 2));
    },
    event: registration(),
    sends: REGISTRATION,
  },
  {
    name: 'tags, written to the tag index',
    arrange: () => artifactInS3(),
    event: registration({ tags: { stage: 'candidate', team: 'risk' } }),
    sends: REGISTRATION,
  },
  {
    name: 'a new client token',
    arrange: () => artifactInS3(),
    event: registration({ clientToken: 'pipeline-run-42' }),
    // The token lookup and the artifact check go out together.
    sends: ['GetCommand', ...REGISTRATION],
  },
  {
    name: 'a replayed client token',
    arrange: async () => {
      artifactInS3();
      await invoke('RegisterModel', registration({ clientToken: 'pipeline-run-42' }));
    },
    event: registration({ clientToken: 'pipeline-run-42' }),
    // The artifact check runs alongside the token lookup; the token's version is read and announced again.
    sends: ['GetCommand', 'HeadObjectCommand', 'GetCommand', ...ANNOUNCEMENT],
  },
  {
    name: 'a client token taken by a concurrent identical call',
    arrange: (table) => {
      artifactInS3();
      // An identical call takes the next number and commits it with the same token before this call's transaction, which is cancelled on the token.
      table.interleaveBeforeNextTransaction((input) => {
        const [version, token] = input.TransactItems!.map((item) => item.Put!.Item!);
        registerConcurrently(table, (number) => ({ ...version, ...keys.version(MODEL, number), version: number }), token);
      });
    },
    event: registration({ clientToken: 'pipeline-run-42' }),
    // Cancelled on the token: the token and its version are read, and that version announced.
    sends: ['GetCommand', 'HeadObjectCommand', 'UpdateCommand', 'TransactWriteCommand', 'GetCommand', 'GetCommand', ...ANNOUNCEMENT],
  },
  {
    name: 'a digest computed by reading the artifact (no S3 checksum)',
    arrange: () => {
      artifactInS3({ ChecksumSHA256: undefined, ChecksumType: undefined });
      s3Mock
        .on(GetObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: ARTIFACT_KEY, VersionId: 's3-version-7' })
        .callsFake(() => ({ Body: Readable.from([Buffer.from(ARTIFACT_BODY.slice(0, 5)), Buffer.from(ARTIFACT_BODY.slice(5))]) }));
    },
    event: registration(),
    sends: ['HeadObjectCommand', 'GetObjectCommand', 'UpdateCommand', 'TransactWriteCommand', ...ANNOUNCEMENT],
  },
  {
    name: 'a pinned artifact version',
    arrange: () => artifactInS3({ VersionId: 's3-version-3' }),
    event: registration({ artifact: { uri: ARTIFACT_URI, versionId: 's3-version-3' } }),
    sends: REGISTRATION,
  },
  {
    name: 'a concurrent registration of a higher version committed first',
    arrange: (table) => {
      artifactInS3();
      table.put(items.model(MODEL, 1), items.version(MODEL, 1));
      // This call takes 2; another takes 3 and commits it before this call's transaction, so raising the latest version to 2 fails its condition.
      table.interleaveBeforeNextTransaction(() => registerConcurrently(table, (number) => items.version(MODEL, number)));
    },
    event: registration(),
    sends: REGISTRATION,
  },
];

const aliasMove = (overrides: Record<string, unknown> = {}) => ({ name: MODEL, alias: 'prod', version: 2, ...overrides });

export const setModelAliasScenarios: readonly HandlerScenario[] = [
  {
    name: 'a new alias',
    arrange: (table) => table.put(items.model(MODEL, 3), items.version(MODEL, 2)),
    event: aliasMove({ actor: 'alice', reason: 'passed review' }),
    sends: ['GetCommand', 'TransactWriteCommand', 'PutEventsCommand'],
  },
  {
    name: 'a move of an existing alias',
    arrange: (table) => table.put(items.model(MODEL, 3), items.version(MODEL, 3), items.alias(MODEL, 'prod', 1, 1)),
    event: aliasMove({ version: 3, expectedVersion: 1 }),
    sends: ['GetCommand', 'TransactWriteCommand', 'PutEventsCommand'],
  },
  {
    name: 'an alias already at the version',
    arrange: (table) => table.put(items.model(MODEL, 3), items.alias(MODEL, 'prod', 2, 4), items.history(MODEL, 'prod', 4, 2, 1)),
    event: aliasMove({ version: 2 }),
    // Reads the alias and the move that put it there, and publishes that move again.
    sends: ['GetCommand', 'GetCommand', 'PutEventsCommand'],
  },
  {
    name: 'a lost race with a concurrent move',
    arrange: (table) => {
      table.put(items.model(MODEL, 3), items.version(MODEL, 3), items.alias(MODEL, 'prod', 1, 1));
      // Another caller moves the alias to version 2 between this call's read and its transaction.
      table.interleaveBeforeNextTransaction(() => table.put(items.alias(MODEL, 'prod', 2, 2)));
    },
    event: aliasMove({ version: 3 }),
    sends: ['GetCommand', 'TransactWriteCommand', 'GetCommand', 'TransactWriteCommand', 'PutEventsCommand'],
  },
];

/** `churn` at version 3 (its counter too), with tagged versions and two aliases. */
function registryWithVersions(table: FakeTable): void {
  table.put(
    items.model(MODEL, 3),
    items.version(MODEL, 1),
    items.version(MODEL, 2, { tags: { stage: 'candidate' } }),
    items.version(MODEL, 3, { tags: { stage: 'candidate' } }),
    items.alias(MODEL, 'prod', 2, 1),
    items.alias(MODEL, 'staging', 3, 2),
  );
}

export const queryRegistryScenarios: readonly HandlerScenario[] = [
  {
    name: 'getModel, its aliases read over two pages',
    arrange: (table) => {
      registryWithVersions(table);
      // One item per page, as when aliases fill DynamoDB's 1 MB pages.
      table.capQueryPages(1);
    },
    event: { query: 'getModel', name: MODEL },
    // The model, its latest version and its first alias page are read together.
    sends: ['GetCommand', 'QueryCommand', 'QueryCommand', 'QueryCommand'],
  },
  {
    name: 'getVersion by number',
    arrange: registryWithVersions,
    event: { query: 'getVersion', name: MODEL, version: 2 },
    sends: ['GetCommand'],
  },
  {
    name: 'getVersion latest',
    arrange: registryWithVersions,
    event: { query: 'getVersion', name: MODEL },
    sends: ['QueryCommand'],
  },
  {
    name: 'getVersion by alias',
    arrange: registryWithVersions,
    event: { query: 'getVersion', name: MODEL, alias: 'prod' },
    sends: ['GetCommand', 'GetCommand'],
  },
  {
    name: 'listModels',
    arrange: () => {
      dynamoMock.on(QueryCommand).resolves({ Items: [items.model(MODEL, 3), items.model('fraud', 1)], LastEvaluatedKey: { ...keys.model('fraud'), ...keys.modelIndex('fraud') } });
    },
    event: { query: 'listModels', limit: 2 },
    sends: ['QueryCommand'],
  },
  {
    name: 'listVersions',
    arrange: registryWithVersions,
    event: { query: 'listVersions', name: MODEL },
    sends: ['QueryCommand'],
  },
  {
    name: 'findVersions by tag value, read back in one batch',
    arrange: (table) => {
      registryWithVersions(table);
      dynamoMock.on(QueryCommand).resolves({ Items: [items.tag(MODEL, 3, 'stage', 'candidate'), items.tag(MODEL, 2, 'stage', 'candidate')] });
    },
    event: { query: 'findVersions', tag: { key: 'stage', value: 'candidate' } },
    sends: ['QueryCommand', 'BatchGetCommand'],
  },
  {
    name: 'findVersions by tag key within one model',
    arrange: (table) => {
      registryWithVersions(table);
      dynamoMock.on(QueryCommand).resolves({ Items: [items.tag(MODEL, 3, 'stage', 'candidate')] });
    },
    event: { query: 'findVersions', tag: { key: 'stage' }, name: MODEL },
    sends: ['QueryCommand', 'BatchGetCommand'],
  },
  {
    name: 'aliasHistory of one alias',
    arrange: () => {
      dynamoMock.on(QueryCommand).resolves({ Items: [items.history(MODEL, 'prod', 2, 3, 2), items.history(MODEL, 'prod', 1, 2)] });
    },
    event: { query: 'aliasHistory', name: MODEL, alias: 'prod' },
    sends: ['QueryCommand'],
  },
];

export const handlerScenarios: Readonly<Record<RegistryFunction, readonly HandlerScenario[]>> = {
  RegisterModel: registerModelScenarios,
  SetModelAlias: setModelAliasScenarios,
  QueryRegistry: queryRegistryScenarios,
};

export interface ScenarioRun {
  readonly result: unknown;
  /** The table as the call left it. */
  readonly table: FakeTable;
  /** The commands the call under test sent. */
  readonly sent: SentCommand[];
  /** The commands sent while arranging (a first call a scenario replays, say). */
  readonly arranged: SentCommand[];
}

/** Resets the mocks, arranges the scenario, then invokes the function's handler with its event. */
export async function runScenario(functionName: RegistryFunction, scenario: HandlerScenario): Promise<ScenarioRun> {
  const table = resetSdkMocks();
  await scenario.arrange?.(table);
  const arranged = sentCommands();
  clearSentCommands();
  const result = await invoke(functionName, scenario.event);
  return { result, table, sent: sentCommands(), arranged };
}

/** Where an action applies: the table itself or its indexes, the artifact bucket or its objects, the event bus. */
export type IamResource = 'table' | 'index' | 'bucket' | 'object' | 'event-bus';

export interface IamNeed {
  readonly action: string;
  readonly resource: IamResource;
}

const objectRead = (input: { VersionId?: string }): IamNeed[] => [
  { action: 's3:GetObject', resource: 'object' },
  ...(input.VersionId === undefined ? [] : [{ action: 's3:GetObjectVersion', resource: 'object' as const }]),
];

/** TransactWriteItems has no IAM action of its own: each item is authorised as its single-item action. */
const TRANSACT_WRITE_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** The one place that says which IAM actions an SDK command needs. A command missing here fails `iamNeedsOf`. */
const IAM_NEEDS = new Map<Function, (input: any) => IamNeed[]>([
  [GetCommand, () => [{ action: 'dynamodb:GetItem', resource: 'table' }]],
  [PutCommand, () => [{ action: 'dynamodb:PutItem', resource: 'table' }]],
  [UpdateCommand, () => [{ action: 'dynamodb:UpdateItem', resource: 'table' }]],
  [DeleteCommand, () => [{ action: 'dynamodb:DeleteItem', resource: 'table' }]],
  [QueryCommand, (input) => [{ action: 'dynamodb:Query', resource: input.IndexName === undefined ? 'table' : 'index' }]],
  [BatchGetCommand, () => [{ action: 'dynamodb:BatchGetItem', resource: 'table' }]],
  [
    TransactWriteCommand,
    (input) =>
      (input.TransactItems as Record<string, unknown>[]).map((item) => {
        const [kind] = Object.keys(item);
        const action = TRANSACT_WRITE_ITEM_ACTIONS[kind];
        if (!action) throw new Error(`no IAM action mapped for TransactWriteItems item "${kind}": add it to TRANSACT_WRITE_ITEM_ACTIONS`);
        return { action, resource: 'table' as const };
      }),
  ],
  // Without s3:ListBucket, S3 answers HeadObject on a missing key with 403 instead of 404, and the
  // registry could not tell the caller "upload the artifact first".
  [HeadObjectCommand, (input) => [...objectRead(input), { action: 's3:ListBucket', resource: 'bucket' }]],
  [GetObjectCommand, objectRead],
  [PutEventsCommand, () => [{ action: 'events:PutEvents', resource: 'event-bus' }]],
]);

/** The IAM actions `commands` need, deduplicated; throws on a command with no mapping. */
export function iamNeedsOf(commands: readonly Pick<SentCommand, 'sent' | 'input'>[]): IamNeed[] {
  const needs = new Map<string, IamNeed>();
  for (const { sent, input } of commands) {
    const mapper = IAM_NEEDS.get(sent.constructor);
    if (!mapper) throw new Error(`no IAM action mapped for ${sent.constructor.name}: add it to IAM_NEEDS in handler-scenarios.ts`);
    for (const need of mapper(input)) needs.set(`${need.action} ${need.resource}`, need);
  }
  return [...needs.values()].sort((a, b) => `${a.action} ${a.resource}`.localeCompare(`${b.action} ${b.resource}`));
}

/** Runs every scenario of a function against the mocks and returns the IAM actions (with where they apply) its SDK calls needed. */
export async function recordIamNeeds(functionName: RegistryFunction): Promise<IamNeed[]> {
  const sent: SentCommand[] = [];
  for (const scenario of handlerScenarios[functionName]) {
    try {
      const run = await runScenario(functionName, scenario);
      sent.push(...run.arranged, ...run.sent);
    } catch (error) {
      throw new Error(`${functionName} scenario "${scenario.name}" failed: ${(error as Error).message}`);
    }
  }
  resetSdkMocks();
  return iamNeedsOf(sent);
}

/** Runs every scenario of a function against the mocks and returns the IAM actions its SDK calls needed. */
export async function recordIamActions(functionName: RegistryFunction): Promise<Set<string>> {
  return new Set((await recordIamNeeds(functionName)).map((need) => need.action));
}
