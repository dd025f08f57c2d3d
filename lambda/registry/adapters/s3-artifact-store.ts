import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand, paginateListObjectsV2, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { ArtifactStore, ListedObject, ObjectFacts, ObjectLocation } from '../core/ports';

/** The user metadata key where the platform's client stores a multipart upload's full SHA-256. */
export const SHA256_METADATA_KEY = 'sha256';

function isMissing(error: unknown): boolean {
  return (
    error instanceof NotFound ||
    (error instanceof S3ServiceException && [404, 400].includes(error.$metadata.httpStatusCode ?? 0) && error.name !== 'AccessDenied')
  );
}

export class S3ArtifactStore implements ArtifactStore {
  constructor(private readonly s3: S3Client) {}

  async describe({ bucket, key, versionId }: ObjectLocation): Promise<ObjectFacts | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ChecksumMode: 'ENABLED' }));
      return {
        sizeBytes: head.ContentLength ?? 0,
        etag: (head.ETag ?? '').replace(/"/g, ''),
        versionId: head.VersionId,
        checksumSha256: head.ChecksumSHA256,
        checksumType: head.ChecksumType,
        metadataSha256: head.Metadata?.[SHA256_METADATA_KEY],
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async computeSha256({ bucket, key, versionId }: ObjectLocation): Promise<string> {
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    const hash = createHash('sha256');
    for await (const chunk of Body as Readable) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  /**
   * ListObjectsV2, a page of up to 1,000 keys per call. No listing call returns checksum values (only
   * their algorithm), so each file's version and checksum come from `describe` (HeadObject) anyway;
   * ListObjectVersions would add every noncurrent version and delete marker to the pages.
   */
  async list(bucket: string, prefix: string, limit: number): Promise<readonly ListedObject[]> {
    const listed: ListedObject[] = [];
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        listed.push({ key: object.Key!, sizeBytes: object.Size ?? 0 });
        if (listed.length >= limit) return listed;
      }
    }
    return listed;
  }

  async putJson({ bucket, key }: Omit<ObjectLocation, 'versionId'>, text: string): Promise<string | undefined> {
    const { VersionId } = await this.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json', ChecksumAlgorithm: 'SHA256' }),
    );
    return VersionId;
  }
}
