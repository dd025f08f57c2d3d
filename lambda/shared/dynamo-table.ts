import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from './errors';
import type { Page, PageRequest } from './page';
import { decodePageToken, encodePageToken, type PageScope } from './page-token';

export type Item = Record<string, unknown>;

/** `{ gsi1pk: 'x' }` -> `{ ':gsi1pk': 'x' }`, for expression attribute values. */
export const prefixed = (values: Item) => Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));

/**
 * A record keyed by callers (params, tags, metrics, environment variables) as the document client
 * must be given it. The client picks an attribute's type by `value.constructor.name`, so a plain
 * object holding a key named `constructor` is refused as an unsupported type; a `Map` is marshalled
 * by its entries, whatever their names. (`__proto__` is refused by every request schema: a map
 * marshalled into a plain object would drop it.)
 */
export const userKeyed = <V>(record: Readonly<Record<string, V>>): ReadonlyMap<string, V> => new Map(Object.entries(record));

/** Which transaction items failed their condition, or undefined when `error` is not a cancelled transaction. */
export function cancellation(error: unknown): { failed: (index: number) => boolean } | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  return { failed: (index) => reasons[index]?.Code === 'ConditionalCheckFailed' };
}

/**
 * The reads every single-table store makes: strongly consistent gets, batch gets that retry what
 * DynamoDB leaves unprocessed, and paged queries whose tokens are bound to their query.
 */
export class DynamoTable {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: Item): Promise<Item | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  /** The items with these keys that exist, in no particular order. */
  async batchGet(keys: readonly Item[]): Promise<Item[]> {
    const found: Item[] = [];
    // BatchGetItem takes at most 100 keys a call.
    for (let start = 0; start < keys.length; start += 100) {
      let pending: Item[] | undefined = keys.slice(start, start + 100);
      while (pending && pending.length > 0) {
        const result: { Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Item[] }> } = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  /**
   * Sets `fields` on the item at `key`, if there is one (`false` otherwise); fields left undefined are
   * left as they are. Records keyed by callers go as `userKeyed` maps.
   */
  async setIfExists(key: Item, fields: Item): Promise<boolean> {
    const defined = Object.entries(fields).filter(([, value]) => value !== undefined);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${defined.map((_, index) => `#f${index} = :f${index}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries(defined.map(([name], index) => [`#f${index}`, name])),
          ExpressionAttributeValues: Object.fromEntries(defined.map(([, value], index) => [`:f${index}`, value])),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** One page of a query; the token it returns resumes this query (`scope`) and no other. */
  async queryPage<T>(scope: PageScope, page: PageRequest, input: Omit<QueryCommandInput, 'TableName'>, toRecord: (item: Item) => T): Promise<Page<T>> {
    const query = new QueryCommand({ ...input, TableName: this.tableName, Limit: page.limit, ExclusiveStartKey: decodePageToken(scope, page.nextToken) });
    const { Items = [], LastEvaluatedKey } = await this.db.send(query).catch((error: unknown) => {
      // A token decoded for this query can still carry a key edited by hand; DynamoDB refuses it.
      if (page.nextToken !== undefined && error instanceof Error && error.name === 'ValidationException') {
        throw ValidationError.of('nextToken', 'is not a token returned by this query');
      }
      throw error;
    });
    return { items: Items.map(toRecord), nextToken: encodePageToken(scope, LastEvaluatedKey) };
  }
}
