import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AliasChangeRecord, AliasRecord, ModelRecord, ModelVersionRecord } from '../core/model';
import type { CommitAliasOutcome, CommitVersionOutcome, RegistryStore, TokenRecord } from '../core/ports';
import { ValidationError } from '../../shared/errors';
import { decodePageToken, encodePageToken, type PageScope } from '../../shared/page-token';
import { GSI1, keys, TOKEN_TTL_DAYS } from './table-keys';
import type { Page, PageRequest } from '../../shared/page';

type Item = Record<string, unknown>;

/** Attributes that exist for storage (keys, TTL, the version counter), not for callers. */
const STORAGE_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt', 'nextVersion']);

function withoutKeys<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.has(name))) as T;
}

/** `{ gsi1pk: 'x' }` -> `{ ':gsi1pk': 'x' }`, for expression attribute values. */
const prefixed = (values: Item) => Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));

/** Which transaction items failed their condition. */
function cancellation(error: unknown): { failed: (index: number) => boolean } | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  return { failed: (index) => reasons[index]?.Code === 'ConditionalCheckFailed' };
}

/** The registry's storage on one DynamoDB table (layout in `table-keys.ts`). */
export class DynamoRegistryStore implements RegistryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getModel(name: string): Promise<ModelRecord | undefined> {
    const item = await this.get(keys.model(name));
    return item && withoutKeys<ModelRecord>(item);
  }

  async getVersion(name: string, version: number): Promise<ModelVersionRecord | undefined> {
    const item = await this.get(keys.version(name, version));
    return item && withoutKeys<ModelVersionRecord>(item);
  }

  async getToken(name: string, clientToken: string): Promise<TokenRecord | undefined> {
    const item = await this.get(keys.token(name, clientToken));
    return item && { version: item.version as number, fingerprint: item.fingerprint as string };
  }

  async getLatestVersion(name: string): Promise<ModelVersionRecord | undefined> {
    const { items } = await this.queryPage<ModelVersionRecord>(['latest', name], { limit: 1 }, {
      ...this.partitionPrefix(name, keys.versionPrefix),
      ConsistentRead: true,
      ScanIndexForward: false,
    });
    return items[0];
  }

  async reserveVersion(name: string, at: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.model(name),
        UpdateExpression:
          'SET #name = :name, createdAt = if_not_exists(createdAt, :at), updatedAt = if_not_exists(updatedAt, :at), ' +
          'latestVersion = if_not_exists(latestVersion, :none), gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD nextVersion :one',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': name, ':at': at, ':none': 0, ':one': 1, ...prefixed(keys.modelIndex(name)) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes!.nextVersion as number;
  }

  async commitVersion(record: ModelVersionRecord, token?: { clientToken: string; fingerprint: string }): Promise<CommitVersionOutcome> {
    const { name, version, createdAt } = record;
    const tokenItems = token
      ? [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...keys.token(name, token.clientToken),
                version,
                fingerprint: token.fingerprint,
                expiresAt: Math.floor(Date.parse(createdAt) / 1000) + TOKEN_TTL_DAYS * 86_400,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ]
      : [];
    const tagItems = Object.entries(record.tags).map(([key, value]) => ({
      Put: { TableName: this.tableName, Item: { ...keys.tag(name, version, key, value), name, version } },
    }));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.version(name, version), ...record },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...tokenItems,
            ...tagItems,
          ],
        }),
      );
    } catch (error) {
      if (token && cancellation(error)?.failed(1)) return { kind: 'token-taken' };
      throw error;
    }
    return { kind: 'committed' };
  }

  async recordLatestVersion(name: string, version: number, at: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.model(name),
          UpdateExpression: 'SET latestVersion = :version, updatedAt = :at',
          ConditionExpression: 'latestVersion < :version',
          ExpressionAttributeValues: { ':version': version, ':at': at },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async listModels(page: PageRequest): Promise<Page<ModelRecord>> {
    return this.queryPage<ModelRecord>(['models'], page, {
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :models',
      ExpressionAttributeValues: { ':models': keys.modelIndex('').gsi1pk },
    });
  }

  async listVersions(name: string, page: PageRequest): Promise<Page<ModelVersionRecord>> {
    return this.queryPage<ModelVersionRecord>(['versions', name], page, {
      ...this.partitionPrefix(name, keys.versionPrefix),
      ConsistentRead: true,
      ScanIndexForward: false,
    });
  }

  async findVersions(tag: { key: string; value?: string }, name: string | undefined, page: PageRequest): Promise<Page<ModelVersionRecord>> {
    const byValue = tag.value !== undefined;
    const hits = await this.queryPage<{ name: string; version: number }>(['tag', tag.key, tag.value ?? null, name ?? null], page, {
      IndexName: GSI1,
      KeyConditionExpression: byValue ? 'gsi1pk = :tag AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :tag',
      ...(byValue || name === undefined ? {} : { FilterExpression: '#name = :name', ExpressionAttributeNames: { '#name': 'name' } }),
      ExpressionAttributeValues: {
        ':tag': keys.tagPartition(tag.key),
        ...(byValue ? { ':prefix': keys.tagPrefix(tag.value!, name) } : {}),
        ...(!byValue && name !== undefined ? { ':name': name } : {}),
      },
      ScanIndexForward: false,
    });
    return { items: await this.batchGetVersions(hits.items), nextToken: hits.nextToken };
  }

  async getAlias(name: string, alias: string): Promise<AliasRecord | undefined> {
    const item = await this.get(keys.alias(name, alias));
    return item && withoutKeys<AliasRecord>(item);
  }

  async listAliases(name: string): Promise<readonly AliasRecord[]> {
    const aliases: AliasRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.queryPage<AliasRecord>(['aliases', name], { limit: 100, nextToken }, {
        ...this.partitionPrefix(name, keys.aliasPrefix),
        ConsistentRead: true,
      });
      aliases.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return aliases;
  }

  async commitAlias(change: AliasChangeRecord): Promise<CommitAliasOutcome> {
    const { name, alias, revision, toVersion, changedAt, changedBy } = change;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.version(name, toVersion),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.alias(name, alias), name, alias, version: toVersion, revision, updatedAt: changedAt, updatedBy: changedBy },
                ConditionExpression: revision === 1 ? 'attribute_not_exists(pk)' : 'revision = :previous',
                ...(revision === 1 ? {} : { ExpressionAttributeValues: { ':previous': revision - 1 } }),
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.history(name, changedAt, alias, revision), ...change },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { kind: 'committed' };
    } catch (error) {
      const cancelled = cancellation(error);
      if (!cancelled) throw error;
      if (cancelled.failed(0)) return { kind: 'version-missing' };
      return { kind: 'stale' };
    }
  }

  async getAliasChange({ name, alias, revision, updatedAt }: AliasRecord): Promise<AliasChangeRecord | undefined> {
    const item = await this.get(keys.history(name, updatedAt, alias, revision));
    return item && withoutKeys<AliasChangeRecord>(item);
  }

  async aliasHistory(name: string, alias: string | undefined, page: PageRequest): Promise<Page<AliasChangeRecord>> {
    const prefix = this.partitionPrefix(name, keys.historyPrefix);
    return this.queryPage<AliasChangeRecord>(['history', name, alias ?? null], page, {
      ...prefix,
      ...(alias === undefined
        ? {}
        : {
            FilterExpression: 'alias = :alias',
            ExpressionAttributeValues: { ...prefix.ExpressionAttributeValues, ':alias': alias },
          }),
      ConsistentRead: true,
      ScanIndexForward: false,
    });
  }

  private partitionPrefix(name: string, prefix: string) {
    return {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.partition(name), ':prefix': prefix } as Record<string, unknown>,
    };
  }

  private async get(key: Item): Promise<Item | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  private async queryPage<T>(scope: PageScope, page: PageRequest, input: Omit<QueryCommandInput, 'TableName'>): Promise<Page<T>> {
    const query = new QueryCommand({ ...input, TableName: this.tableName, Limit: page.limit, ExclusiveStartKey: decodePageToken(scope, page.nextToken) });
    const { Items = [], LastEvaluatedKey } = await this.db.send(query).catch((error: unknown) => {
      // A token decoded for this query can still carry a key edited by hand; DynamoDB refuses it.
      if (page.nextToken !== undefined && error instanceof Error && error.name === 'ValidationException') {
        throw ValidationError.of('nextToken', 'is not a token returned by this query');
      }
      throw error;
    });
    return { items: Items.map((item) => withoutKeys<T>(item)), nextToken: encodePageToken(scope, LastEvaluatedKey) };
  }

  /** Reads versions by key, in the order given, retrying whatever DynamoDB leaves unprocessed. */
  private async batchGetVersions(refs: readonly { name: string; version: number }[]): Promise<ModelVersionRecord[]> {
    if (refs.length === 0) return [];
    const found = new Map<string, ModelVersionRecord>();
    let pending: Item[] | undefined = refs.map(({ name, version }) => keys.version(name, version));
    while (pending && pending.length > 0) {
      const result: { Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Item[] }> } = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        const record = withoutKeys<ModelVersionRecord>(item);
        found.set(`${record.name}#${record.version}`, record);
      }
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return refs.flatMap(({ name, version }) => found.get(`${name}#${version}`) ?? []);
  }
}
