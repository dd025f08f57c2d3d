import { DIRECTORY_ARTIFACT_PREFIXES, REGISTRY_MANIFESTS_PREFIX } from '../../shared/artifact-prefixes';
import { ValidationError } from '../../shared/errors';
import { excerpt } from '../../shared/excerpt';
import { mapConcurrently } from '../../shared/map-concurrently';
import { artifactKey, MAX_DIGESTED_ARTIFACT_BYTES, objectDigest } from './artifact';
import { buildManifest, type Manifest, type ManifestFile } from './artifact-manifest';
import type { DirectoryArtifactRecord } from './model';
import type { ArtifactStore } from './ports';

/** A directory with more files is refused: each costs a HeadObject at registration, and the manifest grows with them. */
export const MAX_DIRECTORY_FILES = 10_000;
/** A directory larger than this in total is refused (a model that large belongs in a single archive). */
export const MAX_DIRECTORY_BYTES = 50 * 1024 ** 3;
/** Files described at once; S3 takes thousands of requests a second per prefix. */
const DESCRIBE_CONCURRENCY = 16;

/** A directory pinned, its manifest not yet written. */
export interface PinnedDirectory {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly manifest: Manifest;
}

/** A key relative to the directory is a file path only if no segment is empty, `.` or `..`: a build unpacks it under the model's folder. */
const isRelativeFilePath = (path: string) => path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');

/**
 * Pins every file under the directory `request.uri` (an S3 prefix under `DIRECTORY_ARTIFACT_PREFIXES` of
 * the artifact bucket): each to its current S3 version, size and SHA-256 by the single-object rules
 * (`objectDigest`; at most `MAX_DIGESTED_ARTIFACT_BYTES` read back for the whole directory), in a
 * manifest whose digest a claimed `sha256` must match. Zero-byte "folder" objects (keys ending in
 * "/", as the S3 console makes) are not files and are left out. Writes nothing.
 */
export async function pinDirectory(
  artifacts: ArtifactStore,
  artifactBucket: string,
  request: { uri: string; versionId?: string; sha256?: string },
): Promise<PinnedDirectory> {
  const key = artifactKey(request.uri, artifactBucket, DIRECTORY_ARTIFACT_PREFIXES);
  if (request.versionId !== undefined) {
    throw ValidationError.of('artifact.versionId', 'is not accepted for a directory: each of its files is pinned to its current S3 version');
  }
  const prefix = key.endsWith('/') ? key : `${key}/`;
  // Counted before folder objects are left out: a listing cut at the limit must never pass for the whole directory.
  const keys = await artifacts.list(artifactBucket, prefix, MAX_DIRECTORY_FILES + 1);
  if (keys.length > MAX_DIRECTORY_FILES)
    throw ValidationError.of('artifact.uri', `holds over ${MAX_DIRECTORY_FILES} objects, more than a directory artifact may`);
  const listed = keys.filter((object) => !(object.key.endsWith('/') && object.sizeBytes === 0));
  if (listed.length === 0)
    throw ValidationError.of('artifact.uri', `holds no files (nothing under s3://${artifactBucket}/${prefix}): upload the directory first`);
  const oddKey = listed.find((object) => !isRelativeFilePath(object.key.slice(prefix.length)));
  if (oddKey) throw ValidationError.of('artifact.uri', `holds "${excerpt(oddKey.key)}", whose key is not a file path under the directory`);
  const listedBytes = listed.reduce((total, object) => total + object.sizeBytes, 0);
  if (listedBytes > MAX_DIRECTORY_BYTES) {
    throw ValidationError.of('artifact.uri', `holds ${listedBytes} bytes, over the ${MAX_DIRECTORY_BYTES} a directory artifact may`);
  }

  let readBack = 0;
  // Synchronous, so concurrent files cannot both take the last of the allowance.
  const mayReadBack = (sizeBytes: number) => (readBack += sizeBytes) <= MAX_DIGESTED_ARTIFACT_BYTES;
  const files = await mapConcurrently(listed, DESCRIBE_CONCURRENCY, async ({ key: fileKey }): Promise<ManifestFile> => {
    const path = fileKey.slice(prefix.length);
    const facts = await artifacts.describe({ bucket: artifactBucket, key: fileKey });
    if (!facts) throw ValidationError.of('artifact.uri', `file "${excerpt(path)}" was deleted while the directory was pinned: register it again`);
    const digest = await objectDigest(artifacts, { bucket: artifactBucket, key: fileKey, versionId: facts.versionId }, facts, undefined, mayReadBack);
    if (!digest) {
      throw ValidationError.of(
        'artifact.uri',
        `file "${excerpt(path)}" has no full-object S3 SHA-256 checksum, and reading back such files would exceed ${MAX_DIGESTED_ARTIFACT_BYTES} bytes: upload them with SHA-256 checksums`,
      );
    }
    // S3 names the single version of an object in an unversioned bucket "null".
    return { path, versionId: facts.versionId ?? 'null', sizeBytes: facts.sizeBytes, sha256: digest.sha256 };
  });
  const manifest = buildManifest(files);
  if (request.sha256 !== undefined && request.sha256 !== manifest.sha256) {
    throw ValidationError.of('artifact.sha256', `does not match the SHA-256 of the directory's manifest (${manifest.sha256})`);
  }
  return { uri: request.uri, bucket: artifactBucket, prefix, manifest };
}

/** The version's artifact record of a pinned directory whose manifest was written as `manifestVersionId`. */
export function directoryRecord(pinned: PinnedDirectory, manifestVersionId?: string): DirectoryArtifactRecord {
  const { bucket, manifest } = pinned;
  return {
    kind: 'directory',
    uri: pinned.uri,
    bucket,
    prefix: pinned.prefix,
    sha256: manifest.sha256,
    sizeBytes: manifest.sizeBytes,
    fileCount: manifest.files.length,
    manifestUri: `s3://${bucket}/${manifestKey(manifest.sha256)}`,
    ...(manifestVersionId ? { manifestVersionId } : {}),
  };
}

const manifestKey = (sha256: string) => `${REGISTRY_MANIFESTS_PREFIX}${sha256}.json`;

/** Writes the manifest, content-addressed under `registry-manifests/`, and returns the version's artifact record. */
export async function saveDirectory(artifacts: ArtifactStore, pinned: PinnedDirectory): Promise<DirectoryArtifactRecord> {
  const manifestVersionId = await artifacts.putJson({ bucket: pinned.bucket, key: manifestKey(pinned.manifest.sha256) }, pinned.manifest.text);
  return directoryRecord(pinned, manifestVersionId);
}
