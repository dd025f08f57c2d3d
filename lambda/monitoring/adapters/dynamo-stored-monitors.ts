import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoTable, type Item } from '../../shared/dynamo-table';
import { allPages } from '../../shared/page';
import type { StoredMonitors } from '../core/ports';
import type { StoredMonitor } from '../core/stored-monitor';
import { monitoringKeys } from './table-keys';

const withoutKeys = ({ pk: _pk, sk: _sk, ...record }: Item) => record as unknown as StoredMonitor;

const conditionFailed = async <T>(write: Promise<unknown>, failed: T, succeeded: T): Promise<T> => {
  try {
    await write;
    return succeeded;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return failed;
    throw error;
  }
};

/** The stored monitors in the monitoring table, one partition: the schedule reads them all at each tick. */
export class DynamoStoredMonitors extends DynamoTable implements StoredMonitors {
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    super(db, tableName);
  }

  async getMonitor(name: string): Promise<StoredMonitor | undefined> {
    const item = await this.get(monitoringKeys.storedMonitor(name));
    return item && withoutKeys(item);
  }

  putMonitor(monitor: StoredMonitor, replace: boolean): Promise<boolean> {
    const put = this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...monitoringKeys.storedMonitor(monitor.config.monitor), ...monitor },
        ...(replace ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
      }),
    );
    return conditionFailed(put, false, true);
  }

  async deleteMonitor(name: string): Promise<StoredMonitor | undefined> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: monitoringKeys.storedMonitor(name), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes && withoutKeys(Attributes);
  }

  async listStoredMonitors(): Promise<readonly StoredMonitor[]> {
    return allPages((page) =>
      this.queryPage(
        ['stored-monitors'],
        page,
        { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': monitoringKeys.storedMonitorPartition }, ConsistentRead: true },
        withoutKeys,
      ),
    );
  }

  advanceSchedule(name: string, expected: string, next: string): Promise<boolean> {
    const update = this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: monitoringKeys.storedMonitor(name),
        UpdateExpression: 'SET nextCheckAt = :next',
        ConditionExpression: 'nextCheckAt = :expected',
        ExpressionAttributeValues: { ':next': next, ':expected': expected },
      }),
    );
    return conditionFailed(update, false, true);
  }
}
