import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../../shared/s3-uri';
import type { BuildInputs, InputRead } from '../core/ports';

/** The URIs reaching the adapter were checked by the request schema (`S3Uri`) and the core, or built by the core. */
const locationOf = (uri: string) => parseS3Uri(uri)!;

/**
 * The function may read under `image-inputs/` but list nothing, so S3 answers a missing key with
 * 403 as well as 404: both mean there is nothing the function can use.
 */
const isMissing = (error: unknown) => error instanceof Error && ['NotFound', 'NoSuchKey', 'NoSuchVersion', 'Forbidden', 'AccessDenied'].includes(error.name);

/** S3 names the single version of an object in an unversioned bucket "null". */
const versionOf = (versionId: string | undefined) => versionId ?? 'null';

/** Uploaded scripts and requirements, and the build contexts and model data the platform writes, in S3. */
export class S3BuildInputs implements BuildInputs {
  constructor(private readonly s3: S3Client) {}

  async read(uri: string, maxBytes: number, versionId?: string): Promise<InputRead> {
    const { bucket, key } = locationOf(uri);
    try {
      // "null" is the version of an object written while the bucket was unversioned: its current one.
      const pinned = versionId === 'null' ? undefined : versionId;
      const { Body, ContentLength = 0, VersionId } = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: pinned }));
      if (ContentLength > maxBytes) {
        // The body is not wanted: release the connection.
        await Body?.transformToWebStream().cancel();
        return { kind: 'too-large', sizeBytes: ContentLength };
      }
      return { kind: 'read', bytes: await Body!.transformToByteArray(), versionId: versionOf(VersionId) };
    } catch (error) {
      if (isMissing(error)) return { kind: 'missing' };
      throw error;
    }
  }

  async writeContext(contextUri: string, files: Readonly<Record<string, Uint8Array>>): Promise<Record<string, string>> {
    const { bucket, key: prefix } = locationOf(contextUri);
    const written = await Promise.all(
      Object.entries(files).map(async ([name, body]) => {
        const { VersionId } = await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: body }));
        return [name, versionOf(VersionId)] as const;
      }),
    );
    return Object.fromEntries(written);
  }

  async copyVersion(from: { readonly uri: string; readonly versionId?: string }, to: string): Promise<void> {
    const source = locationOf(from.uri);
    const target = locationOf(to);
    const versionQuery = from.versionId && from.versionId !== 'null' ? `?versionId=${encodeURIComponent(from.versionId)}` : '';
    const copySource = `${source.bucket}/${encodeURIComponent(source.key).replace(/%2F/g, '/')}${versionQuery}`;
    await this.s3.send(new CopyObjectCommand({ Bucket: target.bucket, Key: target.key, CopySource: copySource }));
  }
}
