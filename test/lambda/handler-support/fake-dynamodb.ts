/**
 * The platform's DynamoDB tables as maps of items, behind the DynamoDB document client mock,
 * checking conditions, expression placeholders and key schemas as DynamoDB does, so handler tests
 * see what a write really leaves behind. Understands the expressions the adapters send; anything
 * else fails loudly, naming what to add.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException, DynamoDBServiceException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DeleteCommand,
  type DeleteCommandInput,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import { DYNAMODB_RESERVED_WORDS } from './dynamodb-reserved-words';

type Item = Record<string, any>;

/** The document client's mock, its client types erased (the mock's and the client's config types do not line up). */
type DocumentClientStub = AwsStub<any, any, any>;

export interface QueryOutput {
  readonly Items?: Item[];
  readonly Count: number;
  readonly ScannedCount: number;
  readonly LastEvaluatedKey?: Item;
}

/** A global secondary index: its key attributes and what it projects. */
export interface IndexSchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Every attribute, the keys alone, or the keys and the attributes named (`INCLUDE`). */
  readonly projection: 'ALL' | 'KEYS_ONLY' | { readonly include: readonly string[] };
}

/** A table as its construct declares it: `pk`/`sk` keys and its indexes by name. */
export interface TableSchema {
  readonly name: string;
  readonly indexes: Readonly<Record<string, IndexSchema>>;
}

/** DynamoDB's item size limit; the fake counts attribute names and UTF-8 strings, one byte per number, a lower bound. */
const ITEM_LIMIT_BYTES = 400 * 1024;
const TRANSACTION_ITEM_LIMIT = 100;

interface ExpressionInput {
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Item;
}

type UpdateInput = ExpressionInput & {
  readonly TableName?: string;
  readonly Key: Item;
  readonly UpdateExpression: string;
  readonly ConditionExpression?: string;
  readonly ReturnValues?: string;
};

type PutInput = ExpressionInput & { readonly TableName?: string; readonly Item: Item; readonly ConditionExpression?: string };

/** What DynamoDB throws for a request it refuses as malformed. */
export function validationException(message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({ name: 'ValidationException', message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** What DynamoDB throws when a transaction is cancelled, one reason code per item (`None` when it passed). */
export function transactionCanceled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => (Code === 'None' ? { Code } : { Code, Message: 'The conditional request failed' })),
  });
}

const conditionalCheckFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });

/**
 * DynamoDB's rule that every name and value placeholder given is used in an expression, and every
 * one used is given (a ValidationException otherwise). A mistake here is an adapter bug: it fails
 * the test loudly rather than as a DynamoDB error the adapter might map.
 */
function assertPlaceholders({ ExpressionAttributeNames = {}, ExpressionAttributeValues = {} }: ExpressionInput, ...expressions: (string | undefined)[]): void {
  const text = expressions.filter(Boolean).join(' ');
  const used = new Set(text.match(/[#:]\w+/g) ?? []);
  // The document client drops undefined values (removeUndefinedValues), so DynamoDB never sees them.
  const values = Object.entries(ExpressionAttributeValues).filter(([, value]) => value !== undefined);
  const given = [...Object.keys(ExpressionAttributeNames), ...values.map(([placeholder]) => placeholder)];
  const unused = given.filter((placeholder) => !used.has(placeholder));
  const missing = [...used].filter((placeholder) => !given.includes(placeholder));
  if (unused.length > 0 || missing.length > 0) {
    throw new Error(`ValidationException: placeholders unused ${JSON.stringify(unused)} or undefined ${JSON.stringify(missing)} in: ${text}`);
  }
}

/** Splits `text` on `separator` where it is outside parentheses. */
function splitOutsideParentheses(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '(') depth++;
    else if (text[index] === ')') depth--;
    else if (depth === 0 && text.startsWith(separator, index)) {
      parts.push(text.slice(start, index));
      start = index + separator.length;
      index += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

/** Resolves placeholders and attribute names of an expression against its input. */
class Expression {
  constructor(private readonly input: ExpressionInput) {}

  /** A top-level attribute name; nested paths are not something the adapters write. */
  name(token: string): string {
    if (!/^#?\w+$/.test(token)) throw new Error(`FakeDynamoDB handles top-level attributes only, not the path "${token}"`);
    if (!token.startsWith('#')) {
      if (DYNAMODB_RESERVED_WORDS.has(token.toUpperCase()))
        throw new Error(`ValidationException: Attribute name is a reserved keyword; reserved keyword: ${token} (name it through an #placeholder)`);
      return token;
    }
    const name = this.input.ExpressionAttributeNames?.[token];
    if (name === undefined) throw new Error(`ValidationException: undefined attribute name ${token}`);
    return name;
  }

  value(token: string): unknown {
    const values = this.input.ExpressionAttributeValues ?? {};
    if (!(token in values)) throw new Error(`ValidationException: undefined attribute value ${token}`);
    return values[token];
  }

  /** An operand: a value placeholder, an attribute, or if_not_exists / list_append of operands. */
  operand(text: string, item: Item | undefined): unknown {
    const call = /^(if_not_exists|list_append)\((.*)\)$/.exec(text);
    if (call) {
      const [first, second, ...rest] = splitOutsideParentheses(call[2], ',');
      if (second === undefined || rest.length > 0) throw new Error(`FakeDynamoDB expects two arguments in: ${text}`);
      if (call[1] === 'if_not_exists') return item?.[this.name(first)] ?? this.operand(second, item);
      const [left, right] = [this.operand(first, item), this.operand(second, item)];
      if (!Array.isArray(left) || !Array.isArray(right)) throw new Error(`ValidationException: list_append of a non-list in: ${text}`);
      return [...left, ...right];
    }
    if (text.startsWith(':')) return this.value(text);
    return item?.[this.name(text)];
  }
}

/**
 * Whether `item` (undefined when absent) meets a condition or filter expression: attribute_exists,
 * attribute_not_exists, begins_with, contains, comparisons with a placeholder, NOT, joined by AND
 * and OR (no parentheses).
 */
function conditionHolds(item: Item | undefined, expression: string, input: ExpressionInput): boolean {
  const resolve = new Expression(input);
  const term = (text: string): boolean => {
    if (text.startsWith('NOT ')) return !term(text.slice(4).trim());
    const exists = /^attribute_(not_)?exists\(([#\w]+)\)$/.exec(text);
    if (exists) return (item?.[resolve.name(exists[2])] === undefined) === (exists[1] !== undefined);
    const fn = /^(begins_with|contains)\(([#\w]+), (:\w+)\)$/.exec(text);
    if (fn) {
      const [attribute, operand] = [item?.[resolve.name(fn[2])], resolve.value(fn[3])];
      if (fn[1] === 'begins_with') return typeof attribute === 'string' && attribute.startsWith(operand as string);
      if (typeof attribute === 'string') return attribute.includes(operand as string);
      if (Array.isArray(attribute)) return attribute.includes(operand);
      if (attribute instanceof Set) return attribute.has(operand);
      return false;
    }
    const comparison = /^([#\w]+) (=|<>|<|<=|>|>=) (:\w+)$/.exec(text);
    if (!comparison) throw new Error(`FakeDynamoDB does not understand the condition term: ${text}`);
    const [, name, operator, placeholder] = comparison;
    const [left, right] = [item?.[resolve.name(name)], resolve.value(placeholder) as any];
    if (left === undefined) return false;
    if (operator === '=' || operator === '<>') return (canonical(left) === canonical(right)) === (operator === '=');
    return { '<': left < right, '<=': left <= right, '>': left > right, '>=': left >= right }[operator]!;
  };
  if (/[()]/.test(expression.replace(/\w+\([^()]*\)/g, ''))) throw new Error(`FakeDynamoDB does not understand parentheses in: ${expression}`);
  return expression.split(/ OR /).some((alternative) => alternative.split(/ AND /).every((text) => term(text.trim())));
}

/**
 * Applies an update expression to `item` (changed in place) and returns the attributes it set:
 * SET of operands (with `+`/`-` of numbers), REMOVE, and ADD of numbers or to sets.
 */
function applyUpdate(item: Item, input: UpdateInput): string[] {
  const resolve = new Expression(input);
  const updated: string[] = [];
  const clauses = [...input.UpdateExpression.matchAll(/\b(SET|ADD|REMOVE|DELETE) (.+?)(?= (?:SET|ADD|REMOVE|DELETE) |$)/g)];
  if (clauses.length === 0) throw new Error(`FakeDynamoDB found no action in: ${input.UpdateExpression}`);
  // Every operand reads the item as it was before the update, as DynamoDB evaluates them.
  const before = structuredClone(item);
  for (const [, clause, body] of clauses) {
    for (const action of splitOutsideParentheses(body, ',')) {
      if (clause === 'SET') {
        const set = /^([#\w]+) = (.+)$/.exec(action);
        if (!set) throw new Error(`FakeDynamoDB does not apply the update action "SET ${action}"`);
        const arithmetic = /^(.+?) ([+-]) (.+)$/.exec(set[2]);
        const value = arithmetic
          ? (resolve.operand(arithmetic[1], before) as number) + (arithmetic[2] === '+' ? 1 : -1) * (resolve.operand(arithmetic[3], before) as number)
          : resolve.operand(set[2], before);
        if (value === undefined) throw new Error(`ValidationException: an operand in the update expression is missing from the item: ${action}`);
        item[resolve.name(set[1])] = structuredClone(value);
        updated.push(resolve.name(set[1]));
      } else if (clause === 'REMOVE') {
        delete item[resolve.name(action)];
      } else if (clause === 'ADD') {
        const add = /^([#\w]+) (:\w+)$/.exec(action);
        if (!add) throw new Error(`FakeDynamoDB does not apply the update action "ADD ${action}"`);
        const [target, value] = [resolve.name(add[1]), resolve.value(add[2])];
        if (value instanceof Set) item[target] = new Set([...((item[target] as Set<unknown>) ?? []), ...value]);
        else if (typeof value === 'number') item[target] = ((item[target] as number) ?? 0) + value;
        else throw new Error(`ValidationException: ADD takes a number or a set, not ${JSON.stringify(value)}`);
        updated.push(target);
      } else {
        throw new Error(`FakeDynamoDB does not apply the update action "${clause} ${action}"`);
      }
    }
  }
  return updated;
}

/** What `removeUndefinedValues` leaves of a value when the document client marshals it. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((inner) => inner !== undefined).map(withoutUndefined) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Set) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== undefined)
        .map(([name, inner]) => [name, withoutUndefined(inner)]),
    ) as T;
  }
  return value;
}

/** DynamoDB's numbers: at most 38 significant digits, magnitudes from 1e-130 to below 1e126. */
function assertStorableNumbers(value: AttributeValue): void {
  if (value.N !== undefined) {
    const digits = value.N.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    if (digits.length > 38) throw validationException('DynamoDB only supports precision up to 38 digits');
    const magnitude = Math.abs(Number(value.N));
    if (magnitude >= 1e126) throw validationException('Number overflow. Attempting to store a number with magnitude larger than supported range');
    if (magnitude !== 0 && magnitude < 1e-130)
      throw validationException('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  }
  for (const inner of [...(value.L ?? []), ...Object.values(value.M ?? {})]) assertStorableNumbers(inner);
  for (const number of value.NS ?? []) assertStorableNumbers({ N: number });
}

/**
 * An item as the handlers' document client marshals it (`removeUndefinedValues`) and DynamoDB keeps
 * it: what the client refuses (a plain object with a key named `constructor`, a number beyond 2^53)
 * throws as there, a number DynamoDB cannot hold is its ValidationException, and maps (`Map`s
 * included) come back as plain objects.
 */
function asStored(item: Item): Item {
  const marshalled = marshall(item, { removeUndefinedValues: true });
  for (const value of Object.values(marshalled)) assertStorableNumbers(value);
  return unmarshall(marshalled);
}

/** A value as DynamoDB compares it: by what it holds (a `Map` like a plain object), whatever the order of its keys. */
function canonical(value: unknown): string {
  const sorted = (inner: unknown): unknown => {
    if (Array.isArray(inner)) return inner.map(sorted);
    if (inner instanceof Set) return [...inner].sort();
    if (inner !== null && typeof inner === 'object' && !(inner instanceof Uint8Array)) {
      return Object.fromEntries(
        Object.entries(inner)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, each]) => [name, sorted(each)]),
      );
    }
    return inner;
  };
  return JSON.stringify(sorted(asStored({ value }).value));
}

function itemBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'boolean') return 1;
  if (Array.isArray(value) || value instanceof Set) return [...value].reduce((sum: number, inner) => sum + itemBytes(inner), 0);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).reduce((sum, [name, inner]) => sum + Buffer.byteLength(name) + itemBytes(inner), 0);
  return 0;
}

/** One parsed key condition: the partition key value and a test of the sort key. */
interface KeyCondition {
  readonly partitionKey: string;
  readonly partitionValue: unknown;
  readonly sortKey?: string;
  readonly sortMatches: (sortValue: any) => boolean;
}

function parseKeyCondition(input: QueryCommandInput, partitionKey: string, sortKey: string | undefined): KeyCondition {
  const resolve = new Expression(input as ExpressionInput);
  const text = input.KeyConditionExpression ?? '';
  const match = /^([#\w]+) = (:\w+)(?: AND (.+))?$/.exec(text);
  if (!match) throw new Error(`FakeDynamoDB does not understand the key condition: ${text}`);
  const [, partition, partitionValue, sortText] = match;
  if (resolve.name(partition) !== partitionKey)
    throw new Error(`ValidationException: the key condition names ${resolve.name(partition)}, not the partition key ${partitionKey}`);
  const condition = { partitionKey, partitionValue: resolve.value(partitionValue), sortKey };
  if (sortText === undefined) return { ...condition, sortMatches: () => true };
  const checkSortKey = (token: string) => {
    if (resolve.name(token) !== sortKey) throw new Error(`ValidationException: the key condition names ${resolve.name(token)}, not the sort key ${sortKey}`);
  };
  const beginsWith = /^begins_with\(([#\w]+), (:\w+)\)$/.exec(sortText);
  if (beginsWith) {
    checkSortKey(beginsWith[1]);
    const prefix = resolve.value(beginsWith[2]) as string;
    return { ...condition, sortMatches: (value) => typeof value === 'string' && value.startsWith(prefix) };
  }
  const between = /^([#\w]+) BETWEEN (:\w+) AND (:\w+)$/.exec(sortText);
  if (between) {
    checkSortKey(between[1]);
    const [low, high] = [resolve.value(between[2]) as any, resolve.value(between[3]) as any];
    if (low > high) throw validationException('Invalid KeyConditionExpression: the BETWEEN bounds are in the wrong order');
    return { ...condition, sortMatches: (value) => value >= low && value <= high };
  }
  const comparison = /^([#\w]+) (=|<|<=|>|>=) (:\w+)$/.exec(sortText);
  if (comparison) {
    checkSortKey(comparison[1]);
    const bound = resolve.value(comparison[3]) as any;
    const compare = {
      '=': (value: any) => value === bound,
      '<': (value: any) => value < bound,
      '<=': (value: any) => value <= bound,
      '>': (value: any) => value > bound,
      '>=': (value: any) => value >= bound,
    };
    return { ...condition, sortMatches: compare[comparison[2] as keyof typeof compare] };
  }
  throw new Error(`FakeDynamoDB does not understand the sort key condition: ${sortText}`);
}

/**
 * The tables of the platform behind the DynamoDB mock, serving Get, Put, Update, BatchGet,
 * TransactWrite (all or none across tables, one cancellation reason per item) and Query (on a
 * table or an index, key conditions, filters, COUNT, paging) by the table each command names.
 * Races are scripted with `FakeTable.interleaveBeforeNext*`.
 */
export class FakeDynamoDB {
  private readonly tables = new Map<string, FakeTable>();
  private mock: DocumentClientStub | undefined;

  constructor(schemas: readonly TableSchema[]) {
    for (const schema of schemas) this.tables.set(schema.name, new FakeTable(this, schema));
  }

  table(name: string): FakeTable {
    const table = this.tables.get(name);
    if (!table) throw new Error(`FakeDynamoDB has no table ${name}; it has ${[...this.tables.keys()].join(', ')}`);
    return table;
  }

  /** Serves the commands from the tables. Call after resetting the mock. */
  serve(mock: DocumentClientStub): this {
    this.mock = mock;
    // Async like the real client's send: callers may chain on the promise it returns.
    mock.on(GetCommand).callsFake(this.getItem);
    mock.on(PutCommand).callsFake(this.putItem);
    mock.on(BatchGetCommand).callsFake(this.batchGet);
    mock.on(UpdateCommand).callsFake(this.updateItem);
    mock.on(DeleteCommand).callsFake(this.deleteItem);
    mock.on(TransactWriteCommand).callsFake(this.transactWrite);
    mock.on(QueryCommand).callsFake(this.query);
    return this;
  }

  /** The mock the tables serve, for tests that script a race. */
  get served(): DocumentClientStub {
    if (!this.mock) throw new Error('FakeDynamoDB is not serving: call serve() first');
    return this.mock;
  }

  readonly getItem = async (input: GetCommandInput) => ({ Item: this.table(input.TableName!).get(input.Key as Item) });

  /** PutCommand's behaviour: the condition checked, the item replaced. */
  readonly putItem = async (input: PutCommandInput) => {
    const table = this.table(input.TableName!);
    const request = input as PutInput;
    assertPlaceholders(request, request.ConditionExpression);
    if (request.ConditionExpression !== undefined && !conditionHolds(table.get(request.Item), request.ConditionExpression, request))
      throw conditionalCheckFailed();
    table.write(request.Item);
    return {};
  };

  readonly batchGet = async (input: BatchGetCommandInput) => {
    const requests = Object.entries(input.RequestItems ?? {});
    const keys = requests.reduce((sum, [, request]) => sum + (request.Keys?.length ?? 0), 0);
    if (keys > 100) throw validationException('Too many items requested for the BatchGetItem call');
    const Responses = Object.fromEntries(
      requests.map(([name, request]) => [name, (request.Keys ?? []).flatMap((key) => this.table(name).get(key as Item) ?? [])]),
    );
    return { Responses };
  };

  /** UpdateCommand's behaviour: the condition checked, the actions applied, the attributes asked for returned. */
  readonly updateItem = async (input: UpdateInput) => {
    const table = this.table(input.TableName!);
    const result = table.tryUpdate(input);
    if (!result) throw conditionalCheckFailed();
    table.write(result.item);
    switch (input.ReturnValues ?? 'NONE') {
      case 'NONE':
        return {};
      case 'UPDATED_NEW':
        return { Attributes: Object.fromEntries(result.updated.map((name) => [name, result.item[name]])) };
      case 'ALL_NEW':
        return { Attributes: structuredClone(result.item) };
      default:
        throw new Error(`FakeDynamoDB does not return ${input.ReturnValues}`);
    }
  };

  /** DeleteCommand's behaviour: the condition checked, the item removed, the old one returned when asked for. */
  readonly deleteItem = async (input: DeleteCommandInput) => {
    const table = this.table(input.TableName!);
    const request = input as unknown as ExpressionInput & { readonly ConditionExpression?: string };
    const existing = table.get(input.Key as Item);
    assertPlaceholders(request, request.ConditionExpression);
    if (request.ConditionExpression !== undefined && !conditionHolds(existing, request.ConditionExpression, request)) throw conditionalCheckFailed();
    table.delete(input.Key as Item);
    if ((input.ReturnValues ?? 'NONE') === 'NONE') return {};
    if (input.ReturnValues !== 'ALL_OLD') throw new Error(`FakeDynamoDB does not return ${input.ReturnValues} from a delete`);
    return existing ? { Attributes: structuredClone(existing) } : {};
  };

  /** TransactWriteCommand's behaviour: every condition checked first, then all the writes or none. */
  readonly transactWrite = async (input: TransactWriteCommandInput) => {
    const actions = input.TransactItems ?? [];
    if (actions.length > TRANSACTION_ITEM_LIMIT) throw validationException(`Member must have length less than or equal to ${TRANSACTION_ITEM_LIMIT}`);
    const writes: Array<() => void> = [];
    const touched = new Set<string>();
    const codes = actions.map((action) => {
      const [kind, request] = Object.entries(action)[0] as [string, Item];
      if (!['Put', 'Update', 'Delete', 'ConditionCheck'].includes(kind)) throw new Error(`FakeDynamoDB does not apply transaction items of kind ${kind}`);
      const table = this.table(request.TableName);
      const key = kind === 'Put' ? request.Item : request.Key;
      const id = `${table.name}|${FakeTable.id(key)}`;
      if (touched.has(id)) throw new Error(`ValidationException: a transaction cannot include two operations on one item (${id})`);
      touched.add(id);
      if (kind === 'Update') {
        const result = table.tryUpdate(request as UpdateInput);
        if (result) writes.push(() => table.write(result.item));
        return result ? 'None' : 'ConditionalCheckFailed';
      }
      assertPlaceholders(request, request.ConditionExpression);
      const holds = request.ConditionExpression === undefined || conditionHolds(table.get(key), request.ConditionExpression, request);
      if (holds && kind === 'Put') writes.push(() => table.write(request.Item));
      if (holds && kind === 'Delete') writes.push(() => table.delete(key));
      return holds ? 'None' : 'ConditionalCheckFailed';
    });
    if (codes.some((code) => code !== 'None')) throw transactionCanceled(...codes);
    for (const write of writes) write();
    return {};
  };

  readonly query = async (input: QueryCommandInput) => this.table(input.TableName!).query(input);
}

/** One table of a `FakeDynamoDB`: its items by key, readable and writable directly by tests. */
export class FakeTable {
  private readonly items = new Map<string, Item>();
  private maxItemsPerPage = Infinity;

  constructor(
    private readonly db: FakeDynamoDB,
    private readonly schema: TableSchema,
  ) {}

  get name(): string {
    return this.schema.name;
  }

  get(key: Item): Item | undefined {
    const item = this.items.get(FakeTable.id(key));
    return item && structuredClone(item);
  }

  /** Every item, for assertions that nothing else was written. */
  all(): Item[] {
    return [...this.items.values()].map((item) => structuredClone(item));
  }

  put(...items: Item[]): this {
    for (const item of items) this.items.set(FakeTable.id(item), structuredClone(withoutUndefined(item)));
    return this;
  }

  /** Each Query answers at most `count` items and a LastEvaluatedKey, as when DynamoDB hits its 1 MB page size. */
  capQueryPages(count: number): this {
    this.maxItemsPerPage = count;
    return this;
  }

  /** Runs `concurrent` (another caller's writes, straight to the tables) just before the next transaction is checked. */
  interleaveBeforeNextTransaction(concurrent: (input: TransactWriteCommandInput) => void): this {
    this.db.served
      .on(TransactWriteCommand)
      .callsFakeOnce(async (input: TransactWriteCommandInput) => {
        concurrent(input);
        return this.db.transactWrite(input);
      })
      .callsFake(this.db.transactWrite);
    return this;
  }

  /** Runs `concurrent` just before the next Put is checked. */
  interleaveBeforeNextPut(concurrent: (input: PutCommandInput) => void): this {
    this.db.served
      .on(PutCommand)
      .callsFakeOnce(async (input: PutCommandInput) => {
        concurrent(input);
        return this.db.putItem(input);
      })
      .callsFake(this.db.putItem);
    return this;
  }

  /** Runs `concurrent` just before the next Update is checked. */
  interleaveBeforeNextUpdate(concurrent: (input: UpdateInput) => void): this {
    this.db.served
      .on(UpdateCommand)
      .callsFakeOnce(async (input: UpdateInput) => {
        concurrent(input);
        return this.db.updateItem(input);
      })
      .callsFake(this.db.updateItem);
    return this;
  }

  /** UpdateCommand's behaviour on this table (see `FakeDynamoDB.updateItem`). */
  readonly updateItem = async (input: UpdateInput) => {
    this.assertNamed(input.TableName);
    return this.db.updateItem(input);
  };

  /** TransactWriteCommand's behaviour (see `FakeDynamoDB.transactWrite`). */
  readonly transactWrite = async (input: TransactWriteCommandInput) => this.db.transactWrite(input);

  /**
   * QueryCommand's behaviour on the table or one of its indexes: the key condition, then Limit (and
   * the page cap), then the filter, as DynamoDB applies them; in sort-key order, backwards when
   * asked, resumed after ExclusiveStartKey; only the keys from a KEYS_ONLY index.
   */
  readonly query = async (input: QueryCommandInput): Promise<QueryOutput> => {
    this.assertNamed(input.TableName);
    const index = input.IndexName === undefined ? undefined : this.schema.indexes[input.IndexName];
    if (input.IndexName !== undefined && !index) throw validationException(`The table does not have the specified index: ${input.IndexName}`);
    if (index && input.ConsistentRead) throw validationException('Consistent reads are not supported on global secondary indexes');
    const [partitionKey, sortKey] = index ? [index.partitionKey, index.sortKey] : ['pk', 'sk'];
    assertPlaceholders(input as ExpressionInput, input.KeyConditionExpression, input.FilterExpression, input.ProjectionExpression);
    if (input.ProjectionExpression !== undefined) throw new Error('FakeDynamoDB does not apply ProjectionExpression');
    const condition = parseKeyCondition(input, partitionKey, sortKey);

    // Index entries order by the index sort key, then by the table key (an order DynamoDB keeps stable, if unspecified).
    const order = (item: Item) => [...(sortKey ? [item[sortKey]] : []), ...(index ? [item.pk, item.sk] : [])];
    const compare = (a: unknown[], b: unknown[]) => {
      for (let position = 0; position < a.length; position++) if (a[position] !== b[position]) return (a[position] as any) < (b[position] as any) ? -1 : 1;
      return 0;
    };
    const forward = input.ScanIndexForward !== false;
    const matching = [...this.items.values()]
      .filter((item) => item[partitionKey] !== undefined && (sortKey === undefined || item[sortKey] !== undefined))
      .filter((item) => item[partitionKey] === condition.partitionValue && condition.sortMatches(sortKey ? item[sortKey] : undefined))
      .sort((a, b) => compare(order(a), order(b)) * (forward ? 1 : -1));

    const keyAttributes = ['pk', 'sk', ...(index ? [partitionKey, ...(sortKey ? [sortKey] : [])] : [])];
    const start = input.ExclusiveStartKey as Item | undefined;
    if (start && keyAttributes.some((name) => start[name] === undefined)) throw validationException('The provided starting key is invalid');
    const rest = start ? matching.filter((item) => compare(order(item), order(start)) * (forward ? 1 : -1) > 0) : matching;
    const evaluated = rest.slice(0, Math.min(input.Limit ?? Infinity, this.maxItemsPerPage));
    const filtered =
      input.FilterExpression === undefined ? evaluated : evaluated.filter((item) => conditionHolds(item, input.FilterExpression!, input as ExpressionInput));
    const projection = index?.projection ?? 'ALL';
    const kept = projection === 'ALL' ? undefined : [...keyAttributes, ...(projection === 'KEYS_ONLY' ? [] : projection.include)];
    const projected = kept ? filtered.map((item) => Object.fromEntries(kept.filter((name) => name in item).map((name) => [name, item[name]]))) : filtered;
    // When items remain, and whenever the Limit was reached: DynamoDB stops there without looking
    // further, so a page that ends exactly on the last item still has a key (and the next is empty).
    const last = evaluated.at(-1);
    const stopped = evaluated.length < rest.length || (input.Limit !== undefined && evaluated.length === input.Limit);
    const LastEvaluatedKey = stopped && last ? Object.fromEntries(keyAttributes.map((name) => [name, last[name]])) : undefined;
    const page = { Count: filtered.length, ScannedCount: evaluated.length, LastEvaluatedKey };
    if (input.Select === 'COUNT') return page;
    return { Items: structuredClone(projected), ...page };
  };

  /** The item after an update and the attributes it set, or undefined when the condition fails. */
  tryUpdate(input: UpdateInput): { item: Item; updated: string[] } | undefined {
    this.assertNamed(input.TableName);
    assertPlaceholders(input, input.UpdateExpression, input.ConditionExpression);
    const current = this.get(input.Key);
    if (input.ConditionExpression !== undefined && !conditionHolds(current, input.ConditionExpression, input)) return undefined;
    const item: Item = current ?? { ...input.Key };
    const updated = applyUpdate(item, input);
    for (const key of ['pk', 'sk']) if (item[key] !== input.Key[key]) throw new Error(`ValidationException: an update cannot change the key attribute ${key}`);
    return { item, updated };
  }

  /** Stores an item as a write leaves it, refusing what DynamoDB refuses. */
  write(item: Item): void {
    if (typeof item.pk !== 'string' || typeof item.sk !== 'string')
      throw new Error(`ValidationException: the item has no string pk and sk: ${JSON.stringify(item)}`);
    const stored = asStored(item);
    if (itemBytes(stored) > ITEM_LIMIT_BYTES) throw validationException('Item size has exceeded the maximum allowed size');
    this.put(stored);
  }

  delete(key: Item): void {
    this.items.delete(FakeTable.id(key));
  }

  private assertNamed(tableName: string | undefined): void {
    if (tableName !== this.name) throw new Error(`FakeTable ${this.name} was sent a command for table ${tableName}`);
  }

  static id(key: Item): string {
    return `${key.pk}|${key.sk}`;
  }
}
