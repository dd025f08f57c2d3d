import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isKeyUnder, outsidePrefixMessage, UPLOADS_PREFIX } from '../../lambda/shared/artifact-prefixes';
import { MlopsError, ValidationError } from './errors';

export interface UploadProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

export interface UploadArtifactOptions {
  /** The object key in the artifact bucket, under the prefix the upload's function reads. @default - `uploads/<uuid>/<file name>` */
  readonly key?: string;
  /** Called as parts reach S3. */
  readonly onProgress?: (progress: UploadProgress) => void;
}

export interface UploadSettings {
  /** Files up to this size go up in one PUT; larger ones in parts of this size (at least 5 MiB). @default 16 MiB */
  readonly partSizeBytes?: number;
  /** Parts in flight at once. @default 4 */
  readonly concurrentParts?: number;
}

export interface UploadedArtifact {
  readonly uri: string;
  /** The file's SHA-256 in hex, computed while it was read for the upload. */
  readonly sha256: string;
  readonly sizeBytes: number;
  /** The S3 object version, when the bucket is versioned. */
  readonly versionId?: string;
}

export const DEFAULT_PART_SIZE_BYTES = 16 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** Refuses, before anything is uploaded, a key the function it is meant for would not read. */
export function requireKeyUnder(key: string, prefixes: string | readonly string[]): void {
  if (!isKeyUnder(key, prefixes)) {
    const message = outsidePrefixMessage(prefixes);
    throw new ValidationError(`key: ${message}`, [{ path: 'key', message }]);
  }
}

/** S3's checksum of a single PUT is a full-object SHA-256; a multipart one is `<digest>-<parts>`. */
function fullObjectChecksumHex(checksum: string | undefined): string | undefined {
  return checksum && !/-\d+$/.test(checksum) ? Buffer.from(checksum, 'base64').toString('hex') : undefined;
}

/**
 * Uploads a local file to the artifact bucket, reading it once: the same bytes feed the SHA-256
 * and the upload. Every request carries a SHA-256 checksum that S3 verifies: the whole object for
 * a single PUT (S3 then keeps a full-object checksum the registry reads), each part for a
 * multipart upload. A multipart object's full digest is known only once the last part is read,
 * after S3 has fixed the object's metadata, so it is returned here for the register call
 * (`artifact.sha256`) rather than stored on the object.
 */
export async function uploadArtifact(
  s3: S3Client,
  bucket: string,
  file: string,
  options: UploadArtifactOptions & UploadSettings = {},
): Promise<UploadedArtifact> {
  const { size } = await stat(file);
  const key = options.key ?? `${UPLOADS_PREFIX}${randomUUID()}/${basename(file)}`;
  const partSize = Math.max(options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES, Math.ceil(size / MAX_PARTS));

  const hash = createHash('sha256');
  let hashedBytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      hashedBytes += chunk.length;
      done(null, chunk);
    },
  });
  const body = pipeline(createReadStream(file), hashing, () => undefined);

  const upload = new Upload({
    client: s3,
    partSize,
    queueSize: options.concurrentParts ?? 4,
    params: { Bucket: bucket, Key: key, Body: body, ContentLength: size, ChecksumAlgorithm: 'SHA256' },
  });
  const { onProgress } = options;
  if (onProgress) upload.on('httpUploadProgress', (event) => onProgress({ loadedBytes: event.loaded ?? 0, totalBytes: event.total ?? size }));

  let result: Awaited<ReturnType<Upload['done']>>;
  try {
    result = await upload.done();
  } finally {
    body.destroy();
  }
  const sha256 = hash.digest('hex');
  if (hashedBytes !== size) {
    throw new MlopsError('UploadError', `${file} changed while it was uploaded (${hashedBytes} bytes read, ${size} expected)`);
  }
  // Only a single PUT has a full-object checksum to compare (a multipart one covers the parts).
  const s3Sha256 = size <= partSize ? fullObjectChecksumHex(result.ChecksumSHA256) : undefined;
  if (s3Sha256 !== undefined && s3Sha256 !== sha256) {
    throw new MlopsError('UploadError', `S3 stored SHA-256 ${s3Sha256} for ${file}, whose digest is ${sha256}`);
  }
  return { uri: `s3://${bucket}/${key}`, sha256, sizeBytes: size, versionId: result.VersionId };
}
