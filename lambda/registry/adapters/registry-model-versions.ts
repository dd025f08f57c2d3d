import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoTable } from '../../shared/dynamo-table';
import { keys } from './table-keys';

/** Model versions and aliases, read from the registry's table by the capabilities that refer to them. */
export class RegistryModelVersions {
  private readonly table: DynamoTable;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.table = new DynamoTable(db, tableName);
  }

  async exists(model: string, version: number): Promise<boolean> {
    return (await this.table.get(keys.version(model, version))) !== undefined;
  }

  /** The URI of the version's artifact, or undefined when the model has no such version. */
  async artifactUri(model: string, version: number): Promise<string | undefined> {
    const item = await this.table.get(keys.version(model, version));
    return (item?.artifact as { uri?: string } | undefined)?.uri;
  }

  async aliasVersion(model: string, alias: string): Promise<number | undefined> {
    const item = await this.table.get(keys.alias(model, alias));
    return item?.version as number | undefined;
  }
}
