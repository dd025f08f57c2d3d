import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoTable, type Item } from '../../shared/dynamo-table';
import type { Page, PageRequest } from '../../shared/page';
import type { BaselineRecord, CheckRecord } from '../core/model';
import type { MonitoringStore } from '../core/ports';
import { CHECK_TTL_DAYS, monitoringKeys } from './table-keys';

const withoutKeys = <T>({ pk: _pk, sk: _sk, expiresAt: _expiresAt, ...record }: Item) => record as T;

/** Checks, monitors' latest checks, baselines and retrain gates in the monitoring table. */
export class DynamoMonitoringStore extends DynamoTable implements MonitoringStore {
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    super(db, tableName);
  }

  /** Both writes are idempotent, so a retried check converges; the latest only moves forward in time. */
  async recordCheck(record: CheckRecord): Promise<void> {
    const expiresAt = Math.floor(Date.parse(record.checkedAt) / 1000) + CHECK_TTL_DAYS * 86_400;
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...monitoringKeys.check(record.monitor, record.checkId), ...record, expiresAt } }));
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...monitoringKeys.latest(record.monitor), ...record },
          ConditionExpression: 'attribute_not_exists(pk) OR windowEnd <= :windowEnd',
          ExpressionAttributeValues: { ':windowEnd': record.windowEnd },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async getCheck(monitor: string, checkId: string): Promise<CheckRecord | undefined> {
    const item = await this.get(monitoringKeys.check(monitor, checkId));
    return item && withoutKeys<CheckRecord>(item);
  }

  async latestCheck(monitor: string): Promise<CheckRecord | undefined> {
    const item = await this.get(monitoringKeys.latest(monitor));
    return item && withoutKeys<CheckRecord>(item);
  }

  listChecks(monitor: string, page: PageRequest): Promise<Page<CheckRecord>> {
    return this.queryPage(
      ['checks', monitor],
      page,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': monitoringKeys.monitorPartition(monitor), ':prefix': monitoringKeys.checkPrefix },
        ScanIndexForward: false,
      },
      withoutKeys<CheckRecord>,
    );
  }

  async listMonitors(): Promise<readonly CheckRecord[]> {
    const monitors: CheckRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': monitoringKeys.latestPartition },
          ExclusiveStartKey: start,
        }),
      );
      monitors.push(...(page.Items ?? []).map(withoutKeys<CheckRecord>));
      start = page.LastEvaluatedKey;
    } while (start);
    return monitors;
  }

  async putBaseline(record: BaselineRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...monitoringKeys.baseline(record.model, record.version), ...record } }));
  }

  async getBaseline(model: string, version: number): Promise<BaselineRecord | undefined> {
    const item = await this.get(monitoringKeys.baseline(model, version));
    return item && withoutKeys<BaselineRecord>(item);
  }

  async openRetrainGate(monitor: string, at: string, cooldownMs: number): Promise<boolean> {
    const openedAt = new Date(at).toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: monitoringKeys.gate(monitor),
          UpdateExpression: 'SET openedAt = :at',
          // The same alarm again is a retry of a call whose event may not have gone out: let it through
          // (a retrain request is delivered at least once; consumers key on monitor and alarm time).
          ConditionExpression: 'attribute_not_exists(openedAt) OR openedAt <= :cutoff OR openedAt = :at',
          ExpressionAttributeValues: { ':at': openedAt, ':cutoff': new Date(Date.parse(openedAt) - cooldownMs).toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
