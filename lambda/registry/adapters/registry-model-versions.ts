import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoTable } from '../../shared/dynamo-table';
import type { ArtifactRecord } from '../core/model';
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

  /**
   * The version's artifact as the registry pinned it (URI, S3 version, SHA-256; a directory's manifest), or
   * undefined when the model has no such version.
   */
  async artifact(
    model: string,
    version: number,
  ): Promise<{ uri: string; versionId?: string; sha256: string; manifest?: { uri: string; versionId?: string } } | undefined> {
    const item = await this.table.get(keys.version(model, version));
    // A version deleted through MLflow's API is served by the images built before, but by no new one.
    const artifact = item?.deletedAt === undefined ? (item?.artifact as ArtifactRecord | undefined) : undefined;
    if (artifact?.kind === 'directory') {
      return { uri: artifact.uri, sha256: artifact.sha256, manifest: { uri: artifact.manifestUri, versionId: artifact.manifestVersionId } };
    }
    return artifact && { uri: artifact.uri, versionId: artifact.s3VersionId, sha256: artifact.sha256 };
  }

  async aliasVersion(model: string, alias: string): Promise<number | undefined> {
    const item = await this.table.get(keys.alias(model, alias));
    return item?.version as number | undefined;
  }
}
