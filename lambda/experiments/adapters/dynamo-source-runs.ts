import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SourceRun, SourceRuns } from '../../registry/core/ports';
import { fromAttributeNumber } from '../../shared/any-number';
import { DynamoTable } from '../../shared/dynamo-table';
import type { RunRecord } from '../core/model';
import { keys } from './table-keys';

/** The registry's view of tracked runs, on the tracking table. */
export class DynamoSourceRuns implements SourceRuns {
  private readonly table: DynamoTable;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.table = new DynamoTable(db, tableName);
  }

  async get(runId: string): Promise<SourceRun | undefined> {
    const item = (await this.table.get(keys.run(runId))) as RunRecord | undefined;
    if (!item) return undefined;
    // Values a number attribute cannot hold (MLflow's NaN and infinities) are stored as text.
    const finalMetrics = Object.fromEntries(Object.entries(item.metrics).map(([name, summary]) => [name, fromAttributeNumber(summary.last)]));
    const { experiment, runName, status, params, origin } = item;
    return { runId, experiment, runName, status, params, finalMetrics, ...(origin ? { origin } : {}) };
  }

  async linkVersion(runId: string, name: string, version: number): Promise<void> {
    const reference = `${name}:${version}`;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.run(runId),
          UpdateExpression: 'SET registeredVersions = list_append(registeredVersions, :reference)',
          // Linking is repeated on replays: once is enough.
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(registeredVersions, :version)',
          ExpressionAttributeValues: { ':reference': [reference], ':version': reference },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
