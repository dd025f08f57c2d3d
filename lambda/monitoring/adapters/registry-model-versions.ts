import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoTable } from '../../shared/dynamo-table';
import { keys } from '../../registry/adapters/table-keys';
import type { ModelVersions } from '../core/ports';

/** Model versions and aliases, read from the registry's table. */
export class RegistryModelVersions implements ModelVersions {
  private readonly table: DynamoTable;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.table = new DynamoTable(db, tableName);
  }

  async exists(model: string, version: number): Promise<boolean> {
    return (await this.table.get(keys.version(model, version))) !== undefined;
  }

  async aliasVersion(model: string, alias: string): Promise<number | undefined> {
    const item = await this.table.get(keys.alias(model, alias));
    return item?.version as number | undefined;
  }
}
