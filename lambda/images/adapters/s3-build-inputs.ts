import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BuildInputs } from '../core/ports';

const parseS3Uri = (uri: string) => {
  const path = uri.slice('s3://'.length);
  return { bucket: path.slice(0, path.indexOf('/')), key: path.slice(path.indexOf('/') + 1) };
};

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
      await this.s3.send(new HeadObjectCommand({ Bucket: parseS3Uri(uri).bucket, Key: parseS3Uri(uri).key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async readText(uri: string): Promise<string | undefined> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await Body!.transformToString('utf-8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async writeContext(contextUri: string, files: Readonly<Record<string, string>>, copies: Readonly<Record<string, string>>): Promise<void> {
    const { bucket, key: prefix } = parseS3Uri(contextUri);
    await Promise.all([
      ...Object.entries(files).map(([name, body]) => this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: body }))),
      ...Object.entries(copies).map(([name, from]) => {
        const source = parseS3Uri(from);
        return this.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, CopySource: `${source.bucket}/${encodeURIComponent(source.key).replace(/%2F/g, '/')}` }));
      }),
    ]);
  }
}
