/**
 * The SDK mocks the registry handler tests run against, and the environment the handlers read at
 * module load. Import this module before loading a handler (the `invoke` helper does it lazily),
 * so the handlers' clients are the mocked ones.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import type { ModelVersionRecord } from '../../../../lambda/registry/core/model';
import { keys } from '../../../../lambda/registry/adapters/table-keys';

export const TABLE_NAME = 'registry-table';
export const ARTIFACT_BUCKET = 'artifact-bucket';
export const EVENT_BUS_NAME = 'platform-bus';
export const REQUEST_ID = '8f0d2c1e-5b7a-4c3d-9e21-0123456789ab';

process.env.REGISTRY_TABLE_NAME = TABLE_NAME;
process.env.ARTIFACT_BUCKET_NAME = ARTIFACT_BUCKET;
process.env.EVENT_BUS_NAME = EVENT_BUS_NAME;
process.env.AWS_REGION ??= 'eu-west-1';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_SERVICE_NAME ??= 'registry';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'MlopsPlatform';

/** One mock per client class: every instance the handlers create at module load sends through these. */
export const dynamoMock = mockClient(DynamoDBDocumentClient);
export const s3Mock = mockClient(S3Client);
export const eventsMock = mockClient(EventBridgeClient);

/** The three mocks with their client-specific types erased, for what is done to all of them. */
const allMocks = [dynamoMock, s3Mock, eventsMock] as unknown as AwsStub<object, any, unknown>[];

export type RegistryFunction = 'RegisterModel' | 'SetModelAlias' | 'QueryRegistry';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const handlerModules: Record<RegistryFunction, () => { handler: Handler }> = {
  RegisterModel: () => require('../../../../lambda/registry/handlers/register-model'),
  SetModelAlias: () => require('../../../../lambda/registry/handlers/set-model-alias'),
  QueryRegistry: () => require('../../../../lambda/registry/handlers/query-registry'),
};

export function lambdaContext(functionName: string): Context {
  return {
    awsRequestId: REQUEST_ID,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/06/01/[$LATEST]abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes a registry function's handler as the Lambda runtime would. */
export function invoke(functionName: RegistryFunction, event: unknown): Promise<unknown> {
  return handlerModules[functionName]().handler(event, lambdaContext(functionName));
}

/** Runs `act` and returns what it threw; fails the test if it resolved. */
export async function thrownBy(act: Promise<unknown>): Promise<Error> {
  const outcome = await act.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome) return outcome.error as Error;
  throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
}

export interface SentCommand {
  readonly command: string;
  readonly input: Record<string, any>;
  /** The command object itself, for mapping by class. */
  readonly sent: object;
}

/** Every command sent through the three mocks since their last reset, in the order sent. */
export function sentCommands(): SentCommand[] {
  // Sinon numbers every call to any spy, so callId orders calls across the three clients.
  const calls = allMocks.flatMap((mock) => mock.calls() as unknown as { callId: number; args: unknown[] }[]).sort((a, b) => a.callId - b.callId);
  return calls.map((call) => {
    const sent = call.args[0] as { input: Record<string, any> };
    return { command: sent.constructor.name, input: sent.input, sent };
  });
}

export function inputsOf(command: string): Record<string, any>[] {
  return sentCommands()
    .filter((sent) => sent.command === command)
    .map((sent) => sent.input);
}

type Item = Record<string, any>;

/**
 * The registry table as a map of items, behind the DynamoDB mock: GetCommand and BatchGetCommand
 * read it; TransactWriteCommand applies its Puts, Updates (SET clauses) and Deletes without
 * checking conditions. Races are scripted per test by replacing the TransactWriteCommand behaviour.
 */
export class FakeTable {
  private readonly items = new Map<string, Item>();

  get(key: Item): Item | undefined {
    const item = this.items.get(FakeTable.id(key));
    return item && structuredClone(item);
  }

  put(...items: Item[]): this {
    for (const item of items) this.items.set(FakeTable.id(item), structuredClone(item));
    return this;
  }

  apply(input: TransactWriteCommandInput): void {
    for (const action of input.TransactItems ?? []) {
      if (action.Put) this.put(action.Put.Item as Item);
      if (action.Delete) this.items.delete(FakeTable.id(action.Delete.Key as Item));
      if (action.Update) this.update(action.Update as { Key: Item; UpdateExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item });
    }
  }

  /** Serves Get, BatchGet and TransactWrite from the table; PutEvents succeeds. Call after `resetSdkMocks`. */
  serve(): this {
    dynamoMock.on(GetCommand).callsFake((input: GetCommandInput) => {
      assertTable(input.TableName);
      return { Item: this.get(input.Key as Item) };
    });
    dynamoMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
      const request = input.RequestItems?.[TABLE_NAME];
      assertTable(request ? TABLE_NAME : Object.keys(input.RequestItems ?? {})[0]);
      const found = (request?.Keys ?? []).flatMap((key) => this.get(key as Item) ?? []);
      return { Responses: { [TABLE_NAME]: found } };
    });
    dynamoMock.on(TransactWriteCommand).callsFake(this.transactWrite);
    return this;
  }

  /** The next transaction is cancelled with `codes` after `concurrent` (another caller's write) changed the table; later ones commit. */
  loseNextTransaction(concurrent: (input: TransactWriteCommandInput) => void, ...codes: string[]): this {
    dynamoMock
      .on(TransactWriteCommand)
      .callsFakeOnce((input: TransactWriteCommandInput) => {
        concurrent(input);
        throw transactionCanceled(...codes);
      })
      .callsFake(this.transactWrite);
    return this;
  }

  /** TransactWriteCommand's behaviour: the writes go to the table, conditions unchecked. */
  readonly transactWrite = (input: TransactWriteCommandInput) => {
    for (const action of input.TransactItems ?? []) assertTable(Object.values(action)[0]?.TableName);
    this.apply(input);
    return {};
  };

  private update({ Key, UpdateExpression, ExpressionAttributeNames = {}, ExpressionAttributeValues = {} }: { Key: Item; UpdateExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item }): void {
    if (!UpdateExpression.startsWith('SET ')) throw new Error(`FakeTable only applies SET updates, not: ${UpdateExpression}`);
    const item: Item = this.get(Key) ?? { ...Key };
    const name = (token: string) => ExpressionAttributeNames[token] ?? token;
    for (const [, target, ifMissing, fallback, value] of UpdateExpression.matchAll(/([#\w]+) = (?:if_not_exists\(([#\w]+), (:\w+)\)|(:\w+))/g)) {
      if (ifMissing !== undefined) item[name(target)] = item[name(ifMissing)] ?? ExpressionAttributeValues[fallback];
      else item[name(target)] = ExpressionAttributeValues[value];
    }
    this.put(item);
  }

  private static id(key: Item): string {
    return `${key.pk}|${key.sk}`;
  }
}

function assertTable(tableName: string | undefined): void {
  if (tableName !== TABLE_NAME) throw new Error(`FakeTable serves table ${TABLE_NAME}, not ${tableName}`);
}

/**
 * Resets the three mocks (behaviour and history) to a state where any command nobody programmed
 * fails loudly, PutEvents succeeds, and the DynamoDB reads and writes go to a new empty table.
 */
export function resetSdkMocks(): FakeTable {
  for (const mock of allMocks) {
    mock.reset();
    mock.onAnyCommand().callsFake((input: unknown) => {
      throw new Error(`test did not program a response to a command with input ${JSON.stringify(input)}`);
    });
  }
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  return new FakeTable().serve();
}

/** Forgets the commands sent so far, keeping the programmed behaviour. */
export function clearSentCommands(): void {
  for (const mock of allMocks) mock.resetHistory();
}

/** What DynamoDB throws when a transaction is cancelled, one reason code per item (`None` when it passed). */
export function transactionCanceled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => (Code === 'None' ? { Code } : { Code, Message: 'The conditional request failed' })),
  });
}

/** The items the DynamoDB adapter writes, as `table-keys.ts` lays them out. */
export const items = {
  model: (name: string, latestVersion: number) => ({
    ...keys.model(name),
    ...keys.modelIndex(name),
    name,
    latestVersion,
    createdAt: '2025-05-01T09:00:00.000Z',
    updatedAt: '2025-05-20T09:00:00.000Z',
  }),
  version: (name: string, version: number, overrides: Partial<ModelVersionRecord> = {}) => {
    const record: ModelVersionRecord = {
      name,
      version,
      createdAt: '2025-05-20T09:00:00.000Z',
      artifact: {
        uri: `s3://${ARTIFACT_BUCKET}/${name}/v${version}/model.tar.gz`,
        bucket: ARTIFACT_BUCKET,
        key: `${name}/v${version}/model.tar.gz`,
        s3VersionId: `s3-version-${version}`,
        sizeBytes: 1024,
        etag: 'etag',
        sha256: 'a'.repeat(64),
        sha256Source: 's3-checksum',
      },
      metrics: { auc: 0.9 },
      parameters: {},
      tags: {},
      properties: {},
      datasets: [],
      ...overrides,
    };
    return { ...keys.version(name, version), ...record };
  },
  alias: (name: string, alias: string, version: number, revision: number) => ({
    ...keys.alias(name, alias),
    name,
    alias,
    version,
    revision,
    // The same instant as the history entry of that revision, as SetModelAlias writes them.
    updatedAt: `2025-05-2${revision}T09:00:00.000Z`,
  }),
  tag: (name: string, version: number, key: string, value: string) => ({ ...keys.tag(name, version, key, value), name, version }),
  history: (name: string, alias: string, revision: number, toVersion: number, fromVersion?: number) => ({
    ...keys.history(name, `2025-05-2${revision}T09:00:00.000Z`, alias, revision),
    name,
    alias,
    revision,
    toVersion,
    fromVersion,
    changedAt: `2025-05-2${revision}T09:00:00.000Z`,
  }),
};
