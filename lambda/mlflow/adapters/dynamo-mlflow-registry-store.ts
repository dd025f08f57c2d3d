import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRegistryStore } from '../../registry/adapters/dynamo-registry-store';
import { keys } from '../../registry/adapters/table-keys';
import type { AliasChangeRecord, ModelRecord, ModelVersionRecord } from '../../registry/core/model';
import { cancellation, type Item, prefixed, userKeyed } from '../../shared/dynamo-table';
import type { MlflowRegistryStore } from '../core/registry-ports';

/** MLflow's registry records on the registry's table (layout in registry/adapters/table-keys.ts). */
export class DynamoMlflowRegistryStore extends DynamoRegistryStore implements MlflowRegistryStore {
  async createModel(model: Omit<ModelRecord, 'latestVersion'>): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.model(model.name),
          // The version counter starts where `reserveVersion` starts it, or goes on for a model deleted before.
          UpdateExpression:
            'SET #name = :name, createdAt = :at, updatedAt = :at, description = :description, tags = :tags, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, ' +
            'latestVersion = if_not_exists(latestVersion, :zero), nextVersion = if_not_exists(nextVersion, :zero) REMOVE deletedAt',
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(deletedAt)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: {
            ':name': model.name,
            ':at': model.createdAt,
            ':description': model.description ?? '',
            ':tags': userKeyed(model.tags ?? {}),
            ':zero': 0,
            ...prefixed(keys.modelIndex(model.name)),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async deleteModel(name: string, at: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.model(name),
          UpdateExpression: 'SET deletedAt = :at, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  updateModel(name: string, change: Pick<ModelRecord, 'description' | 'tags'>, at: string): Promise<boolean> {
    return this.table.setIfExists(keys.model(name), { updatedAt: at, description: change.description, tags: change.tags && userKeyed(change.tags) });
  }

  async updateVersion(record: ModelVersionRecord, change: Partial<Pick<ModelVersionRecord, 'description' | 'tags' | 'stage'>>, at: string): Promise<boolean> {
    const { name, version } = record;
    const sets = ['updatedAt = :at'];
    const names: Record<string, string> = {};
    const values: Item = { ':at': at, ':tagsRead': userKeyed(record.tags) };
    const removes: string[] = [];
    for (const field of ['description', 'stage'] as const) {
      if (!Object.hasOwn(change, field)) continue;
      names[`#${field}`] = field;
      if (change[field] === undefined) {
        removes.push(`#${field}`);
        continue;
      }
      sets.push(`#${field} = :${field}`);
      values[`:${field}`] = change[field];
    }
    const indexItems = [];
    if (change.tags !== undefined) {
      sets.push('tags = :tags');
      values[':tags'] = userKeyed(change.tags);
      // The tag index follows the version's tags: changed and new keys put, removed ones deleted.
      for (const [key, value] of Object.entries(change.tags)) {
        if (record.tags[key] !== value)
          indexItems.push({ Put: { TableName: this.tableName, Item: { ...keys.tag(name, version, key, value), name, version } } });
      }
      for (const key of Object.keys(record.tags)) {
        if (!Object.hasOwn(change.tags, key)) {
          const { pk, sk } = keys.tag(name, version, key, '');
          indexItems.push({ Delete: { TableName: this.tableName, Key: { pk, sk } } });
        }
      }
    }
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.version(name, version),
                UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
                ConditionExpression: 'attribute_exists(pk) AND tags = :tagsRead',
                ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
                ExpressionAttributeValues: values,
              },
            },
            ...indexItems,
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellation(error)?.failed(0)) return false;
      throw error;
    }
  }

  async removeAlias(removal: AliasChangeRecord): Promise<boolean> {
    const { name, alias, revision, changedAt, changedBy } = removal;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.alias(name, alias),
                // Who removed it, or nobody named: the last mover's name does not stay on it.
                UpdateExpression: `SET revision = :revision, updatedAt = :at, removed = :removed${changedBy === undefined ? '' : ', updatedBy = :by'} REMOVE version${changedBy === undefined ? ', updatedBy' : ''}`,
                ConditionExpression: 'revision = :previous AND attribute_exists(version)',
                ExpressionAttributeValues: {
                  ':revision': revision,
                  ':previous': revision - 1,
                  ':at': changedAt,
                  ':removed': true,
                  ...(changedBy === undefined ? {} : { ':by': changedBy }),
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.history(name, changedAt, alias, revision), ...removal },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellation(error)) return false;
      throw error;
    }
  }

  async deleteVersion(record: ModelVersionRecord, at: string): Promise<boolean> {
    const { name, version } = record;
    const indexItems = Object.keys(record.tags).map((key) => {
      const { pk, sk } = keys.tag(name, version, key, '');
      return { Delete: { TableName: this.tableName, Key: { pk, sk } } };
    });
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.version(name, version),
                UpdateExpression: 'SET deletedAt = :at, updatedAt = :at',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
                ExpressionAttributeValues: { ':at': at },
              },
            },
            ...indexItems,
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellation(error)?.failed(0)) return false;
      throw error;
    }
  }
}
