import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { hourFolders, isYearFolder } from '../core/capture/hour-folders';
import type { CaptureObject, CaptureStore } from '../core/ports';

/**
 * Capture files in S3. SageMaker writes `<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`
 * and `CollectData` `collected/<monitor>/yyyy/mm/dd/hh/*.jsonl`: a monitor's prefix holds either
 * hour folders or variant folders of them, and a window lists only the hours it overlaps.
 */
export class S3CaptureStore implements CaptureStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucketName: string,
  ) {}

  async list(location: { bucket: string; prefix: string }, start: number, end: number): Promise<CaptureObject[] | undefined> {
    const folders = await this.subfolders(location.bucket, location.prefix).catch((error: unknown) => {
      if ((error as Error).name === 'NoSuchBucket') return undefined;
      throw error;
    });
    if (!folders) return undefined;
    const roots = folders.length === 0 || folders.some(isYearFolder) ? [location.prefix] : folders.map((folder) => location.prefix + folder);
    const objects: CaptureObject[] = [];
    for (const root of roots) {
      for (const hour of hourFolders(start, end)) objects.push(...(await this.objectsUnder(location.bucket, root + hour)));
    }
    return objects;
  }

  async read(object: { bucket: string; key: string }): Promise<string | undefined> {
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
      return await Body!.transformToString('utf8');
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey' || (error as Error).name === 'NoSuchBucket') return undefined;
      throw error;
    }
  }

  async create(key: string, body: string): Promise<boolean> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: body, ContentType: 'application/jsonlines', IfNoneMatch: '*' }));
      return true;
    } catch (error) {
      // 412: the object exists. 409: a concurrent conditional write of it is in flight.
      if ((error as Error).name === 'PreconditionFailed' || (error as Error).name === 'ConditionalRequestConflict') return false;
      throw error;
    }
  }

  /** The folder names right under `prefix`, e.g. `2026/` or `AllTraffic/`. */
  private async subfolders(bucket: string, prefix: string): Promise<string[]> {
    const folders: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      folders.push(...(page.CommonPrefixes ?? []).map((common) => common.Prefix!.slice(prefix.length)));
      token = page.NextContinuationToken;
    } while (token);
    return folders;
  }

  private async objectsUnder(bucket: string, prefix: string): Promise<CaptureObject[]> {
    const objects: CaptureObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      objects.push(...(page.Contents ?? []).map((object) => ({ bucket, key: object.Key!, size: object.Size ?? 0 })));
      token = page.NextContinuationToken;
    } while (token);
    return objects;
  }
}
