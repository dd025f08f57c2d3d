import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancellation, DynamoTable, type Item } from '../../shared/dynamo-table';
import type { Page, PageRequest } from '../../shared/page';
import type { DeploymentRecord, DeploymentStateChange } from '../core/model';
import type { CreateOutcome, DeploymentStore } from '../core/ports';
import { deploymentKeys, GSI1 } from './table-keys';

const withoutKeys = ({ pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...record }: Item) => record as unknown as DeploymentRecord;

/** Deployments and their history on the deployments table (layout in `table-keys.ts`). */
export class DynamoDeploymentStore extends DynamoTable implements DeploymentStore {
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    super(db, tableName);
  }

  async getDeployment(name: string): Promise<DeploymentRecord | undefined> {
    const item = await this.get(deploymentKeys.deployment(name));
    return item && withoutKeys(item);
  }

  listDeployments(page: PageRequest): Promise<Page<DeploymentRecord>> {
    return this.queryPage(
      ['deployments'],
      page,
      {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :deployments',
        ExpressionAttributeValues: { ':deployments': deploymentKeys.deploymentIndex('').gsi1pk },
      },
      withoutKeys,
    );
  }

  history(name: string, page: PageRequest): Promise<Page<DeploymentStateChange>> {
    return this.queryPage(
      ['history', name],
      page,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': deploymentKeys.partition(name), ':prefix': deploymentKeys.historyPrefix },
        ScanIndexForward: false,
      },
      ({ pk: _pk, sk: _sk, ...change }) => change as unknown as DeploymentStateChange,
    );
  }

  async createDeployment(record: DeploymentRecord, change: DeploymentStateChange): Promise<CreateOutcome> {
    try {
      // A deleted deployment's name may be taken again; its history stays, the new one's entries after it.
      await this.write(record, change, {
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :deleted',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':deleted': 'DELETED' },
      });
      return { kind: 'created' };
    } catch (error) {
      if (!cancellation(error)?.failed(0)) throw error;
      const existing = await this.getDeployment(record.name);
      if (!existing) throw error;
      return { kind: 'name-taken', existing };
    }
  }

  async updateDeployment(record: DeploymentRecord, expected: DeploymentRecord, change: DeploymentStateChange): Promise<boolean> {
    try {
      await this.write(record, change, { ConditionExpression: 'updatedAt = :expected', ExpressionAttributeValues: { ':expected': expected.updatedAt } });
      return true;
    } catch (error) {
      if (cancellation(error)?.failed(0)) return false;
      throw error;
    }
  }

  /** The deployment and its history entry, in one transaction; the deployment put under `condition`. */
  private async write(
    record: DeploymentRecord,
    change: DeploymentStateChange,
    condition: { ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues: Item },
  ) {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...deploymentKeys.deployment(record.name), ...deploymentKeys.deploymentIndex(record.name), ...record },
              ...condition,
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...deploymentKeys.history(change.name, change.at, change.revision, change.to), ...change },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
  }
}
