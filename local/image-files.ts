import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ContextFile } from '../lambda/images/core/model';
import { parseS3Uri, type S3Location } from '../lambda/shared/s3-uri';

/** The files of an image on this machine: its build context and model data, read from S3. */

/** The bytes of the object at `uri` (`s3://bucket/key`). */
export async function readObject(s3: S3Client, uri: string): Promise<Uint8Array> {
  const { bucket, key } = s3Location(uri);
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Body!.transformToByteArray();
}

export function s3Location(uri: string): S3Location {
  const location = parseS3Uri(uri);
  if (!location) throw new Error(`not an S3 URI: ${uri}`);
  return location;
}

/**
 * The bytes of one version of an object, refused unless their SHA-256 is `sha256`: what the
 * buildspec's `fetch` does (`s3api get-object --version-id`, then `sha256sum`).
 */
export async function readPinnedObject(s3: S3Client, uri: string, versionId: string, sha256: string): Promise<Uint8Array> {
  const { bucket, key } = s3Location(uri);
  const refused = `${uri} version ${versionId} is not what was registered`;
  let bytes: Uint8Array;
  try {
    // "null" is the version of an object written while the bucket was unversioned: its current one.
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId === 'null' ? undefined : versionId }));
    bytes = await Body!.transformToByteArray();
  } catch (error) {
    throw new Error(`${refused}: it cannot be read (${(error as Error).name})`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new Error(`${refused}: its SHA-256 is ${actual}, not ${sha256}`);
  return bytes;
}

/** Copies the pinned files of the build context at `contextUri` (`s3://bucket/prefix/`) into `directory`, each checked. */
export async function downloadContext(s3: S3Client, contextUri: string, files: readonly ContextFile[], directory: string): Promise<void> {
  if (files.length === 0) throw new Error(`CLIENT_ERROR: no pinned files of the build context at ${contextUri}`);
  mkdirSync(directory, { recursive: true });
  for (const file of files)
    writeFileSync(path.join(directory, file.name), await readPinnedObject(s3, `${contextUri}${file.name}`, file.versionId, file.sha256));
}

/** The entry script's file name, as the context's Dockerfile sets it. */
export function entryFileOf(contextDirectory: string): string {
  const entry = /MLOPS_ENTRY_SCRIPT="[^"]*\/([^"/]+)"/.exec(readFileSync(path.join(contextDirectory, 'Dockerfile'), 'utf8'))?.[1];
  if (!entry) throw new Error('the Dockerfile names no entry script');
  return entry;
}

/** Runs the machine's `tar` (model data is a gzipped tar, as SageMaker takes it). */
export function runTar(args: readonly string[]): void {
  const tar = spawnSync('tar', args, { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${tar.stderr || tar.error?.message}`);
}
