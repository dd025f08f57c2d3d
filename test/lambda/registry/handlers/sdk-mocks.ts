/**
 * The SDK mocks the registry handler tests run against, and the environment the handlers read at
 * module load. Import this module before loading a handler (the `invoke` helper does it lazily),
 * so the handlers' clients are the mocked ones.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
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

interface ExpressionInput {
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Item;
}

type UpdateInput = ExpressionInput & { readonly TableName?: string; readonly Key: Item; readonly UpdateExpression: string; readonly ConditionExpression?: string; readonly ReturnValues?: string };

/**
 * DynamoDB's rule that every name and value placeholder given is used in an expression, and every
 * one used is given (a ValidationException otherwise).
 */
function assertPlaceholders({ ExpressionAttributeNames = {}, ExpressionAttributeValues = {} }: ExpressionInput, ...expressions: (string | undefined)[]): void {
  const text = expressions.filter(Boolean).join(' ');
  const used = new Set(text.match(/[#:]\w+/g) ?? []);
  const given = [...Object.keys(ExpressionAttributeNames), ...Object.keys(ExpressionAttributeValues)];
  const unused = given.filter((placeholder) => !used.has(placeholder));
  const missing = [...used].filter((placeholder) => !given.includes(placeholder));
  if (unused.length > 0 || missing.length > 0) {
    throw new Error(`ValidationException: placeholders unused ${JSON.stringify(unused)} or undefined ${JSON.stringify(missing)} in: ${text}`);
  }
}

/**
 * Whether `item` (undefined when absent) meets a condition expression. Understands what the
 * registry writes: attribute_exists / attribute_not_exists and comparisons with a placeholder,
 * joined by AND and OR; anything else fails loudly.
 */
function conditionHolds(item: Item | undefined, expression: string, { ExpressionAttributeNames = {}, ExpressionAttributeValues = {} }: ExpressionInput): boolean {
  const attribute = (token: string) => item?.[ExpressionAttributeNames[token] ?? token];
  const term = (text: string): boolean => {
    const exists = /^attribute_(not_)?exists\(([#\w]+)\)$/.exec(text);
    if (exists) return (attribute(exists[2]) === undefined) === (exists[1] !== undefined);
    const comparison = /^([#\w]+) (=|<>|<|<=|>|>=) (:\w+)$/.exec(text);
    if (!comparison) throw new Error(`FakeTable does not understand the condition term: ${text}`);
    const [, name, operator, placeholder] = comparison;
    const [left, right] = [attribute(name), ExpressionAttributeValues[placeholder]];
    if (left === undefined) return false;
    return { '=': left === right, '<>': left !== right, '<': left < right, '<=': left <= right, '>': left > right, '>=': left >= right }[operator]!;
  };
  return expression.split(/ OR /).some((alternative) => alternative.split(/ AND /).every((text) => term(text.trim())));
}

/** The actions of an update expression: SET (plain values and if_not_exists) and ADD of numbers. */
function updateActions({ UpdateExpression, ExpressionAttributeNames = {}, ExpressionAttributeValues = {} }: UpdateInput): Array<(item: Item) => string> {
  const name = (token: string) => ExpressionAttributeNames[token] ?? token;
  const actions: Array<(item: Item) => string> = [];
  for (const [, clause, body] of UpdateExpression.matchAll(/\b(SET|ADD|REMOVE|DELETE) (.+?)(?= (?:SET|ADD|REMOVE|DELETE) |$)/g)) {
    // Split on the commas between actions, not those inside if_not_exists(...).
    for (const action of body.split(/,(?![^(]*\))/).map((text) => text.trim())) {
      const set = clause === 'SET' && /^([#\w]+) = (?:if_not_exists\(([#\w]+), (:\w+)\)|(:\w+))$/.exec(action);
      const add = clause === 'ADD' && /^([#\w]+) (:\w+)$/.exec(action);
      if (set) {
        const [, target, ifMissing, fallback, value] = set;
        actions.push((item) => {
          item[name(target)] = ifMissing === undefined ? ExpressionAttributeValues[value] : (item[name(ifMissing)] ?? ExpressionAttributeValues[fallback]);
          return name(target);
        });
      } else if (add) {
        const [, target, value] = add;
        actions.push((item) => {
          item[name(target)] = (item[name(target)] ?? 0) + ExpressionAttributeValues[value];
          return name(target);
        });
      } else {
        throw new Error(`FakeTable does not apply the update action "${clause} ${action}"`);
      }
    }
  }
  if (actions.length === 0) throw new Error(`FakeTable found no action in: ${UpdateExpression}`);
  return actions;
}

/**
 * The registry table as a map of items, behind the DynamoDB mock, checking conditions and
 * expression placeholders as DynamoDB does: GetCommand and BatchGetCommand read it; UpdateCommand
 * applies SET and ADD actions (a failed condition throws ConditionalCheckFailedException);
 * TransactWriteCommand applies its items all or none (a failed condition cancels it, with one
 * reason per item); QueryCommand answers the key-condition queries on a model's partition (index
 * queries are programmed per test). Races are scripted with `interleaveBeforeNextTransaction`.
 */
export class FakeTable {
  private readonly items = new Map<string, Item>();
  private maxItemsPerPage = Infinity;

  get(key: Item): Item | undefined {
    const item = this.items.get(FakeTable.id(key));
    return item && structuredClone(item);
  }

  put(...items: Item[]): this {
    for (const item of items) this.items.set(FakeTable.id(item), structuredClone(item));
    return this;
  }

  /** Each Query answers at most `count` items and a LastEvaluatedKey, as when DynamoDB hits its 1 MB page size. */
  capQueryPages(count: number): this {
    this.maxItemsPerPage = count;
    return this;
  }

  /** Serves Get, BatchGet, Update, TransactWrite and partition Queries from the table. Call after `resetSdkMocks`. */
  serve(): this {
    // Async like the real client's send: callers may chain on the promise it returns.
    dynamoMock.on(GetCommand).callsFake(async (input: GetCommandInput) => {
      assertTable(input.TableName);
      return { Item: this.get(input.Key as Item) };
    });
    dynamoMock.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => {
      const request = input.RequestItems?.[TABLE_NAME];
      assertTable(request ? TABLE_NAME : Object.keys(input.RequestItems ?? {})[0]);
      const found = (request?.Keys ?? []).flatMap((key) => this.get(key as Item) ?? []);
      return { Responses: { [TABLE_NAME]: found } };
    });
    dynamoMock.on(UpdateCommand).callsFake(this.updateItem);
    dynamoMock.on(TransactWriteCommand).callsFake(this.transactWrite);
    dynamoMock.on(QueryCommand).callsFake(this.query);
    return this;
  }

  /** Runs `concurrent` (another caller's writes, straight to the table) just before the next transaction is checked. */
  interleaveBeforeNextTransaction(concurrent: (input: TransactWriteCommandInput) => void): this {
    dynamoMock
      .on(TransactWriteCommand)
      .callsFakeOnce(async (input: TransactWriteCommandInput) => {
        concurrent(input);
        return this.transactWrite(input);
      })
      .callsFake(this.transactWrite);
    return this;
  }

  /** UpdateCommand's behaviour: the condition checked, the actions applied, the attributes asked for returned. */
  readonly updateItem = async (input: UpdateInput) => {
    assertTable(input.TableName);
    const result = this.tryUpdate(input);
    if (!result) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });
    this.put(result.item);
    switch (input.ReturnValues ?? 'NONE') {
      case 'NONE':
        return {};
      case 'UPDATED_NEW':
        return { Attributes: Object.fromEntries(result.updated.map((name) => [name, result.item[name]])) };
      case 'ALL_NEW':
        return { Attributes: structuredClone(result.item) };
      default:
        throw new Error(`FakeTable does not return ${input.ReturnValues}`);
    }
  };

  /** TransactWriteCommand's behaviour: every condition checked first, then all the writes or none. */
  readonly transactWrite = async (input: TransactWriteCommandInput) => {
    const actions = input.TransactItems ?? [];
    const writes: Array<() => void> = [];
    const touched = new Set<string>();
    const codes = actions.map((action) => {
      const [kind, request] = Object.entries(action)[0] as [string, Item];
      if (!['Put', 'Update', 'Delete', 'ConditionCheck'].includes(kind)) throw new Error(`FakeTable does not apply transaction items of kind ${kind}`);
      assertTable(request.TableName);
      const key = kind === 'Put' ? request.Item : request.Key;
      if (touched.has(FakeTable.id(key))) throw new Error(`ValidationException: a transaction cannot include two operations on one item (${FakeTable.id(key)})`);
      touched.add(FakeTable.id(key));
      if (kind === 'Update') {
        const result = this.tryUpdate(request as UpdateInput);
        if (result) writes.push(() => this.put(result.item));
        return result ? 'None' : 'ConditionalCheckFailed';
      }
      assertPlaceholders(request, request.ConditionExpression);
      const holds = request.ConditionExpression === undefined || conditionHolds(this.get(key), request.ConditionExpression, request);
      if (holds && kind === 'Put') writes.push(() => this.put(request.Item));
      if (holds && kind === 'Delete') writes.push(() => this.items.delete(FakeTable.id(key)));
      return holds ? 'None' : 'ConditionalCheckFailed';
    });
    if (codes.some((code) => code !== 'None')) throw transactionCanceled(...codes);
    for (const write of writes) write();
    return {};
  };

  /** QueryCommand's behaviour for `pk = :pk AND begins_with(sk, :prefix)` on the table, in sort-key order, paged. */
  readonly query = async (input: QueryCommandInput) => {
    assertTable(input.TableName);
    if (input.IndexName !== undefined || input.FilterExpression !== undefined || input.KeyConditionExpression !== 'pk = :pk AND begins_with(sk, :prefix)') {
      throw new Error(`FakeTable only answers partition prefix queries on the table; program this one in the test: ${JSON.stringify(input)}`);
    }
    assertPlaceholders(input, input.KeyConditionExpression);
    const { ':pk': pk, ':prefix': prefix } = input.ExpressionAttributeValues as Item;
    const forward = input.ScanIndexForward !== false;
    const matching = [...this.items.values()]
      .filter((item) => item.pk === pk && String(item.sk).startsWith(prefix))
      .sort((a, b) => (a.sk < b.sk ? -1 : 1) * (forward ? 1 : -1));
    const startSk = input.ExclusiveStartKey?.sk;
    const rest = startSk === undefined ? matching : matching.filter((item) => (forward ? item.sk > startSk : item.sk < startSk));
    const page = rest.slice(0, Math.min(input.Limit ?? Infinity, this.maxItemsPerPage));
    // Only when items remain: DynamoDB may also return a key for an empty last page, which the adapter handles the same way.
    const last = page.at(-1);
    return { Items: structuredClone(page), Count: page.length, LastEvaluatedKey: page.length < rest.length && last ? { pk: last.pk, sk: last.sk } : undefined };
  };

  /** The item after the update and the attributes it set, or undefined when the condition fails. */
  private tryUpdate(input: UpdateInput): { item: Item; updated: string[] } | undefined {
    assertPlaceholders(input, input.UpdateExpression, input.ConditionExpression);
    const current = this.get(input.Key);
    if (input.ConditionExpression !== undefined && !conditionHolds(current, input.ConditionExpression, input)) return undefined;
    const item: Item = current ?? { ...input.Key };
    const updated = updateActions(input).map((apply) => apply(item));
    return { item, updated };
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
  /** A model item whose counter has handed out `nextVersion` numbers (by default, as many as its latest version). */
  model: (name: string, latestVersion: number, nextVersion = latestVersion) => ({
    ...keys.model(name),
    ...keys.modelIndex(name),
    name,
    latestVersion,
    nextVersion,
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
