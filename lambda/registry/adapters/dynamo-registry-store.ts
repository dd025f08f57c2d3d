import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, type QueryCommandInput, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cancellation, DynamoTable, type Item, prefixed, userKeyed } from '../../shared/dynamo-table';
import type { Page, PageRequest } from '../../shared/page';
import type { PageScope } from '../../shared/page-token';
import { type AliasChangeRecord, type AliasMove, type AliasRecord, type AliasState, isLive, type ModelRecord, type ModelVersionRecord } from '../core/model';
import type { CommitAliasOutcome, CommitVersionOutcome, RegistryStore, TokenRecord } from '../core/ports';
import { GSI1, keys, TOKEN_TTL_DAYS } from './table-keys';

/** Attributes that exist for storage (keys, TTL, the version counter), not for callers. */
const STORAGE_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt', 'nextVersion']);

export function withoutKeys<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.has(name))) as T;
}

/** The registry's storage on one DynamoDB table (layout in `table-keys.ts`). */
export class DynamoRegistryStore implements RegistryStore {
  protected readonly table: DynamoTable;

  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {
    this.table = new DynamoTable(db, tableName);
  }

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
    const { items } = await this.queryPage<ModelVersionRecord>(
      ['latest', name],
      { limit: 1 },
      {
        ...this.partitionPrefix(name, keys.versionPrefix),
        ConsistentRead: true,
        ScanIndexForward: false,
      },
    );
    return items[0];
  }

  async reserveVersion(name: string, at: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.model(name),
        UpdateExpression:
          'SET #name = :name, createdAt = if_not_exists(createdAt, :at), updatedAt = if_not_exists(updatedAt, :at), ' +
          'latestVersion = if_not_exists(latestVersion, :none), gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD nextVersion :one ' +
          // A model deleted through MLflow's API comes back with its next version; its numbers go on.
          'REMOVE deletedAt',
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
                Item: {
                  ...keys.version(name, version),
                  ...record,
                  metrics: userKeyed(record.metrics),
                  parameters: userKeyed(record.parameters),
                  tags: userKeyed(record.tags),
                  properties: userKeyed(record.properties),
                },
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

  async getAlias(name: string, alias: string): Promise<AliasState | undefined> {
    const item = await this.get(keys.alias(name, alias));
    return item && withoutKeys<AliasState>(item);
  }

  async listAliases(name: string): Promise<readonly AliasRecord[]> {
    const aliases: AliasRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.queryPage<AliasRecord>(
        ['aliases', name],
        { limit: 100, nextToken },
        {
          ...this.partitionPrefix(name, keys.aliasPrefix),
          ConsistentRead: true,
        },
      );
      // A removed alias keeps its item (and revision) but is no alias of the model.
      aliases.push(...page.items.filter((alias) => isLive(alias)));
      nextToken = page.nextToken;
    } while (nextToken);
    return aliases;
  }

  async commitAlias(change: AliasMove): Promise<CommitAliasOutcome> {
    const { name, alias, revision, toVersion, changedAt, changedBy } = change;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.version(name, toVersion),
                // A version deleted through MLflow's API takes no alias.
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
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

  private get(key: Item): Promise<Item | undefined> {
    return this.table.get(key);
  }

  private queryPage<T>(scope: PageScope, page: PageRequest, input: Omit<QueryCommandInput, 'TableName'>): Promise<Page<T>> {
    return this.table.queryPage(scope, page, input, (item) => withoutKeys<T>(item));
  }

  /** Reads versions by key, in the order given, retrying whatever DynamoDB leaves unprocessed. */
  private async batchGetVersions(refs: readonly { name: string; version: number }[]): Promise<ModelVersionRecord[]> {
    const found = new Map<string, ModelVersionRecord>();
    for (const item of await this.table.batchGet(refs.map(({ name, version }) => keys.version(name, version)))) {
      const record = withoutKeys<ModelVersionRecord>(item);
      found.set(`${record.name}#${record.version}`, record);
    }
    return refs.flatMap(({ name, version }) => found.get(`${name}#${version}`) ?? []);
  }
}
