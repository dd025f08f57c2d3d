import { isKeyUnder, MODEL_UPLOAD_PREFIXES, outsidePrefixMessage } from '../../shared/artifact-prefixes';
import { ValidationError } from '../../shared/errors';
import { parseS3Uri } from '../../shared/s3-uri';
import type { ObjectArtifactRecord } from './model';
import type { ArtifactStore, ObjectFacts, ObjectLocation } from './ports';

/** Above this size the registry will not read an artifact back to digest it: the caller must supply a checksum. */
export const MAX_DIGESTED_ARTIFACT_BYTES = 1024 ** 3;

function base64ToHex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

const MULTIPART_SUFFIX = /-\d+$/;

/**
 * A multipart upload's SHA-256 is a checksum of the parts' checksums, not of the object. S3 says
 * so by the type or a `-<parts>` suffix; some S3 implementations only by the ETag's suffix.
 */
function isFullObjectChecksum(facts: ObjectFacts & { checksumSha256: string }): boolean {
  return facts.checksumType !== 'COMPOSITE' && !MULTIPART_SUFFIX.test(facts.checksumSha256) && !MULTIPART_SUFFIX.test(facts.etag);
}

/** The key of `uri`, refused unless it is in the platform's artifact bucket under one of `prefixes`. */
export function artifactKey(uri: string, artifactBucket: string, prefixes: readonly string[]): string {
  const parsed = parseS3Uri(uri);
  if (!parsed) throw ValidationError.of('artifact.uri', 'must be an S3 URI: s3://bucket/key');
  if (parsed.bucket !== artifactBucket) {
    throw ValidationError.of('artifact.uri', `must be in the platform's artifact bucket "${artifactBucket}", not "${parsed.bucket}"`);
  }
  // Elsewhere in the bucket are objects the platform wrote (images/, registry-manifests/) or other grants' inputs.
  if (!isKeyUnder(parsed.key, prefixes)) throw ValidationError.of('artifact.uri', outsidePrefixMessage(prefixes));
  return parsed.key;
}

export type ObjectDigest = Pick<ObjectArtifactRecord, 'sha256' | 'sha256Source'>;

/**
 * The SHA-256 of the object version `pinned`, which S3 described as `facts`: S3's own full-object
 * checksum where there is one, else the uploader's digest (`claimed`, or the object's `sha256`
 * metadata) of a multipart upload whose parts S3 checked, else the object read back if
 * `mayReadBack(its size)`; undefined when none applies.
 */
export async function objectDigest(
  artifacts: ArtifactStore,
  pinned: ObjectLocation,
  facts: ObjectFacts,
  claimed: string | undefined,
  mayReadBack: (sizeBytes: number) => boolean,
): Promise<ObjectDigest | undefined> {
  if (facts.checksumSha256 && isFullObjectChecksum({ ...facts, checksumSha256: facts.checksumSha256 })) {
    return { sha256: base64ToHex(facts.checksumSha256), sha256Source: 's3-checksum' };
  }
  // A multipart upload whose parts S3 verified against their SHA-256s: the uploader's digest of
  // the whole (in the request or the object's metadata) is as good as S3's part checks.
  const uploaders = claimed ?? facts.metadataSha256?.toLowerCase();
  if (facts.checksumSha256 && uploaders && /^[0-9a-f]{64}$/.test(uploaders)) return { sha256: uploaders, sha256Source: 'client' };
  if (!mayReadBack(facts.sizeBytes)) return undefined;
  return { sha256: await artifacts.computeSha256(pinned), sha256Source: 'computed' };
}

/**
 * Checks that the artifact exists under the model upload prefixes of the artifact bucket and pins what it is: its S3 version, size,
 * ETag and SHA-256 (`objectDigest`). A digest the caller claims is checked against S3's or the computed one.
 */
export async function resolveArtifact(
  artifacts: ArtifactStore,
  artifactBucket: string,
  request: { uri: string; versionId?: string; sha256?: string },
): Promise<ObjectArtifactRecord> {
  const key = artifactKey(request.uri, artifactBucket, MODEL_UPLOAD_PREFIXES);
  const bucket = artifactBucket;
  const facts = await artifacts.describe({ bucket, key, versionId: request.versionId });
  if (!facts) {
    const what = request.versionId ? `version ${request.versionId} of ${request.uri}` : request.uri;
    throw ValidationError.of('artifact.uri', `no object at ${what}: upload the artifact first`);
  }
  const base = { uri: request.uri, bucket, key, s3VersionId: facts.versionId, sizeBytes: facts.sizeBytes, etag: facts.etag };
  const digest = await objectDigest(
    artifacts,
    { bucket, key, versionId: facts.versionId },
    facts,
    request.sha256,
    (size) => size <= MAX_DIGESTED_ARTIFACT_BYTES,
  );
  if (!digest) {
    const tooLarge = `is over ${MAX_DIGESTED_ARTIFACT_BYTES} bytes (${facts.sizeBytes}), too large to digest here`;
    throw facts.checksumSha256
      ? ValidationError.of('artifact.sha256', `is required: the artifact was uploaded in parts and ${tooLarge}; give the digest its uploader computed`)
      : ValidationError.of('artifact.uri', `has no S3 SHA-256 checksum and ${tooLarge}: upload it with a SHA-256 checksum (the mlops client does)`);
  }
  if (digest.sha256Source !== 'client') assertMatches(request.sha256, digest.sha256);
  return { ...base, ...digest };
}

function assertMatches(claimed: string | undefined, actual: string): void {
  if (claimed !== undefined && claimed !== actual) {
    throw ValidationError.of('artifact.sha256', `does not match the object's SHA-256 (${actual})`);
  }
}
