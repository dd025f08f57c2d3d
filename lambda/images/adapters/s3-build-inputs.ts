import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../../shared/s3-uri';
import type { BuildInputs } from '../core/ports';

/** The URIs reaching the adapter were checked by the request schema (`S3Uri`) or built by the core. */
const locationOf = (uri: string) => parseS3Uri(uri)!;

/**
 * The function may read any key of the artifact bucket but list none, so S3 answers a missing key
 * with 403 as well as 404: both mean there is nothing the function can use.
 */
const isMissing = (error: unknown) => error instanceof Error && ['NotFound', 'NoSuchKey', 'Forbidden', 'AccessDenied'].includes(error.name);

/** Uploaded scripts and requirements, and the build contexts written beside them, in S3. */
export class S3BuildInputs implements BuildInputs {
  constructor(private readonly s3: S3Client) {}

  async exists(uri: string): Promise<boolean> {
    try {
      const { bucket, key } = locationOf(uri);
      await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async readText(uri: string): Promise<string | undefined> {
    const { bucket, key } = locationOf(uri);
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await Body!.transformToString('utf-8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async writeContext(contextUri: string, files: Readonly<Record<string, string>>, copies: Readonly<Record<string, string>>): Promise<void> {
    const { bucket, key: prefix } = locationOf(contextUri);
    await Promise.all([
      ...Object.entries(files).map(([name, body]) => this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: body }))),
      ...Object.entries(copies).map(([name, from]) => {
        const source = locationOf(from);
        return this.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, CopySource: `${source.bucket}/${encodeURIComponent(source.key).replace(/%2F/g, '/')}` }));
      }),
    ]);
  }
}
