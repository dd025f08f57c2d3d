import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
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

/** Copies the build context at `contextUri` (`s3://bucket/prefix/`) into `directory`. */
export async function downloadContext(s3: S3Client, contextUri: string, directory: string): Promise<void> {
  const { bucket, key: prefix } = s3Location(contextUri);
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  if (Contents.length === 0) throw new Error(`CLIENT_ERROR: no build context at ${contextUri}`);
  mkdirSync(directory, { recursive: true });
  for (const { Key } of Contents) writeFileSync(path.join(directory, Key!.slice(prefix.length)), await readObject(s3, `s3://${bucket}/${Key}`));
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
