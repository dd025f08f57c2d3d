import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRegistryStore } from '../../registry/adapters/dynamo-registry-store';
import { keys } from '../../registry/adapters/table-keys';
import type { ModelRecord } from '../../registry/core/model';
import { type Item, userKeyed } from '../../shared/dynamo-table';
import type { MlflowRegistryStore } from '../core/registry-ports';

/** MLflow's registry records on the registry's table (layout in registry/adapters/table-keys.ts). */
export class DynamoMlflowRegistryStore extends DynamoRegistryStore implements MlflowRegistryStore {
  async createModel(model: Omit<ModelRecord, 'latestVersion'>): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          // The version counter starts where `reserveVersion` would start it.
          Item: { ...keys.model(model.name), ...keys.modelIndex(model.name), ...model, tags: userKeyed(model.tags ?? {}), latestVersion: 0, nextVersion: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async updateModel(name: string, change: Pick<ModelRecord, 'description' | 'tags'>, at: string): Promise<boolean> {
    const sets = ['updatedAt = :at'];
    const values: Item = { ':at': at };
    if (change.description !== undefined) {
      sets.push('description = :description');
      values[':description'] = change.description;
    }
    if (change.tags !== undefined) {
      sets.push('tags = :tags');
      values[':tags'] = userKeyed(change.tags);
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.model(name),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
