import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** The files of an image on this machine: its build context and model data, read from S3. */

/** `bucket/key` (or the part of an S3 URI after `s3://`) as its bucket and key. */
export const splitS3 = (location: string) => ({ bucket: location.slice(0, location.indexOf('/')), key: location.slice(location.indexOf('/') + 1) });

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Body!.transformToByteArray();
}

/** Copies the build context at `contextUri` (`s3://bucket/prefix/`) into `directory`. */
export async function downloadContext(s3: S3Client, contextUri: string, directory: string): Promise<void> {
  const { bucket, key: prefix } = splitS3(contextUri.slice('s3://'.length));
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  if (Contents.length === 0) throw new Error(`CLIENT_ERROR: no build context at ${contextUri}`);
  mkdirSync(directory, { recursive: true });
  for (const { Key } of Contents) writeFileSync(path.join(directory, Key!.slice(prefix.length)), await readObject(s3, bucket, Key!));
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
