import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cancellation, DynamoTable, type Item, prefixed, userKeyed } from '../../shared/dynamo-table';
import type { Page, PageRequest } from '../../shared/page';
import type { ImageRecord, ImageVersionRecord, ModelPackageRecord } from '../core/model';
import type { BuildingChange, CommitImageOutcome, ImageStore, ImageVersionRef } from '../core/ports';
import { GSI1, imageKeys, TOKEN_TTL_DAYS } from './table-keys';

const withoutKeys = <T>({ pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, nextVersion, ...record }: Item) =>
  (nextVersion === undefined ? record : { ...record, latestVersion: nextVersion }) as T;

/** Image versions, their client tokens and the index of what they serve, in the images table. */
export class DynamoImageStore extends DynamoTable implements ImageStore {
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    super(db, tableName);
  }

  async getImage(name: string): Promise<ImageRecord | undefined> {
    const item = await this.get(imageKeys.image(name));
    return item && withoutKeys<ImageRecord>(item);
  }

  async getVersion(name: string, version: number): Promise<ImageVersionRecord | undefined> {
    const item = await this.get(imageKeys.version(name, version));
    return item && withoutKeys<ImageVersionRecord>(item);
  }

  async getToken(name: string, clientToken: string): Promise<{ version: number; fingerprint: string } | undefined> {
    const item = await this.get(imageKeys.token(name, clientToken));
    return item && { version: item.version as number, fingerprint: item.fingerprint as string };
  }

  async reserveVersion(name: string, at: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: imageKeys.image(name),
        UpdateExpression:
          'SET #name = :name, createdAt = if_not_exists(createdAt, :at), updatedAt = :at, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD nextVersion :one',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': name, ':at': at, ':one': 1, ...prefixed(imageKeys.imageIndex(name)) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes!.nextVersion as number;
  }

  async commitVersion(record: ImageVersionRecord, token?: { clientToken: string; fingerprint: string }): Promise<CommitImageOutcome> {
    const { name, version, createdAt } = record;
    const put = (item: Item, condition = true) => ({
      Put: { TableName: this.tableName, Item: item, ...(condition ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) },
    });
    const tokenItems = token
      ? [
          put({
            ...imageKeys.token(name, token.clientToken),
            version,
            fingerprint: token.fingerprint,
            expiresAt: Math.floor(Date.parse(createdAt) / 1000) + TOKEN_TTL_DAYS * 86_400,
          }),
        ]
      : [];
    const servesItems = record.models.map((model) => put({ ...imageKeys.serves(name, version, model.name, model.version), name, version }, false));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [put({ ...imageKeys.version(name, version), ...record, environment: userKeyed(record.environment) }), ...tokenItems, ...servesItems],
        }),
      );
    } catch (error) {
      if (token && cancellation(error)?.failed(1)) return { kind: 'token-taken' };
      throw error;
    }
    return { kind: 'committed' };
  }

  async updateBuilding(ref: ImageVersionRef, change: BuildingChange, at: string): Promise<boolean> {
    const fields = Object.entries({ ...change, updatedAt: at }).filter(([, value]) => value !== undefined);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKeys.version(ref.name, ref.version),
          UpdateExpression: `SET ${fields.map((_, index) => `#f${index} = :f${index}`).join(', ')}`,
          ConditionExpression: '#status = :building',
          ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(fields.map(([field], index) => [`#f${index}`, field])) },
          ExpressionAttributeValues: { ':building': 'BUILDING', ...Object.fromEntries(fields.map(([, value], index) => [`:f${index}`, value])) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async setModelPackages(ref: ImageVersionRef, packages: readonly ModelPackageRecord[], at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: imageKeys.version(ref.name, ref.version),
        UpdateExpression: 'SET modelPackages = :packages, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':packages': packages, ':at': at },
      }),
    );
  }

  listImages(page: PageRequest): Promise<Page<ImageRecord>> {
    return this.queryPage(
      ['images'],
      page,
      {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :images',
        ExpressionAttributeValues: { ':images': imageKeys.imageIndex('').gsi1pk },
      },
      (item) => withoutKeys<ImageRecord>(item),
    );
  }

  listVersions(name: string, page: PageRequest): Promise<Page<ImageVersionRecord>> {
    return this.queryPage(
      ['versions', name],
      page,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': imageKeys.partition(name), ':prefix': imageKeys.versionPrefix },
        ConsistentRead: true,
        ScanIndexForward: false,
      },
      (item) => withoutKeys<ImageVersionRecord>(item),
    );
  }

  async versionsServing(model: string, modelVersion: number): Promise<readonly ImageVersionRef[]> {
    const refs: ImageVersionRef[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :serves',
          ExpressionAttributeValues: { ':serves': imageKeys.servesIndex(model, modelVersion).gsi1pk },
          ExclusiveStartKey,
        }),
      );
      refs.push(...(result.Items ?? []).map((item) => ({ name: item.name as string, version: item.version as number })));
      ExclusiveStartKey = result.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return refs;
  }
}
