import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../../lambda/registry/adapters/s3-artifact-store';
import { parseManifest } from '../../../lambda/registry/core/artifact-manifest';
import type { DirectoryArtifactRecord } from '../../../lambda/registry/core/model';
import { createRegistryFixture, type RegistryFixture } from '../../emulators/registry-fixture';

jest.setTimeout(30_000);

const sha256Hex = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MODEL_FILES = {
  MLmodel: 'artifact_path: model\nflavors:\n  python_function: {}\n',
  'model.pkl': 'pickled estimator',
  'requirements.txt': 'mlflow==3.1.0\n',
};

let registry: RegistryFixture;

beforeAll(async () => {
  registry = await createRegistryFixture({ label: 'directory-artifact' });
});

afterAll(async () => {
  await registry?.dispose();
});

async function uploadDirectory(prefix: string, files: Record<string, string>, checksum: 'SHA256' | 'none' = 'SHA256') {
  const uploaded = await Promise.all(Object.entries(files).map(([path, body]) => registry.putArtifact(`${prefix}/${path}`, body, { checksum })));
  return Object.fromEntries(uploaded.map((file) => [file.key.slice(prefix.length + 1), file]));
}

async function readManifest(artifact: DirectoryArtifactRecord) {
  const key = artifact.manifestUri.slice(`s3://${artifact.bucket}/`.length);
  const object = await registry.clients.s3.send(new GetObjectCommand({ Bucket: artifact.bucket, Key: key, VersionId: artifact.manifestVersionId }));
  return object.Body!.transformToString();
}

describe('registerModel with a directory artifact on moto', () => {
  test('pins every file of the directory by S3 version and SHA-256 and writes the manifest by its digest', async () => {
    // Arrange
    const prefix = 'mlflow/1/models/m-pinned/artifacts';
    const uploaded = await uploadDirectory(prefix, MODEL_FILES);

    // Act
    const { artifact } = await registry.call('registerModel', {
      name: 'mlflow-directory',
      artifact: { kind: 'directory', uri: `s3://${registry.artifactBucketName}/${prefix}` },
    });

    // Assert
    const directory = artifact as DirectoryArtifactRecord;
    expect(directory).toEqual({
      kind: 'directory',
      uri: `s3://${registry.artifactBucketName}/${prefix}`,
      bucket: registry.artifactBucketName,
      prefix: `${prefix}/`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      sizeBytes: Object.values(MODEL_FILES).join('').length,
      fileCount: 3,
      manifestUri: `s3://${registry.artifactBucketName}/registry-manifests/${directory.sha256}.json`,
      manifestVersionId: expect.any(String),
    });
    const text = await readManifest(directory);
    expect(sha256Hex(text)).toBe(directory.sha256);
    expect(parseManifest(text, directory.sha256)).toEqual(
      Object.entries(MODEL_FILES).map(([path, body]) => ({ path, versionId: uploaded[path].versionId, sizeBytes: body.length, sha256: sha256Hex(body) })),
    );
  });

  test('pins the version current at registration: a file written later is a new registration with another digest', async () => {
    // Arrange
    const prefix = 'mlflow/1/models/m-rewritten/artifacts';
    const first = await uploadDirectory(prefix, MODEL_FILES);
    const before = (
      await registry.call('registerModel', { name: 'mlflow-rewritten', artifact: { kind: 'directory', uri: `s3://${registry.artifactBucketName}/${prefix}` } })
    ).artifact as DirectoryArtifactRecord;

    // Act
    const second = await uploadDirectory(prefix, { 'model.pkl': 'retrained estimator' });
    const after = (
      await registry.call('registerModel', { name: 'mlflow-rewritten', artifact: { kind: 'directory', uri: `s3://${registry.artifactBucketName}/${prefix}` } })
    ).artifact as DirectoryArtifactRecord;

    // Assert
    expect(after.sha256).not.toBe(before.sha256);
    const pinnedBefore = parseManifest(await readManifest(before), before.sha256).find((file) => file.path === 'model.pkl');
    const pinnedAfter = parseManifest(await readManifest(after), after.sha256).find((file) => file.path === 'model.pkl');
    expect(pinnedBefore).toMatchObject({ versionId: first['model.pkl'].versionId, sha256: sha256Hex('pickled estimator') });
    expect(pinnedAfter).toMatchObject({ versionId: second['model.pkl'].versionId, sha256: sha256Hex('retrained estimator') });
    expect(pinnedAfter?.versionId).not.toBe(pinnedBefore?.versionId);
  });

  test('reads back files uploaded without a checksum, and writes the manifest with its own SHA-256 checksum', async () => {
    // Arrange
    const prefix = 'models/plain-directory/7c1d';
    await uploadDirectory(prefix, { 'weights.bin': 'no checksum here', 'config.json': '{}' }, 'none');

    // Act
    const { artifact } = await registry.call('registerModel', {
      name: 'plain-directory',
      artifact: { kind: 'directory', uri: `s3://${registry.artifactBucketName}/${prefix}/` },
    });

    // Assert
    const directory = artifact as DirectoryArtifactRecord;
    const files = parseManifest(await readManifest(directory), directory.sha256);
    expect(files.map((file) => [file.path, file.sha256])).toEqual([
      ['config.json', sha256Hex('{}')],
      ['weights.bin', sha256Hex('no checksum here')],
    ]);
    const head = await registry.clients.s3.send(
      new HeadObjectCommand({ Bucket: directory.bucket, Key: `registry-manifests/${directory.sha256}.json`, ChecksumMode: 'ENABLED' }),
    );
    expect(Buffer.from(head.ChecksumSHA256 ?? '', 'base64').toString('hex')).toBe(directory.sha256);
  });

  test('fails on an empty directory with a ValidationError and writes no manifest', async () => {
    // Arrange
    const store = new S3ArtifactStore(registry.clients.s3);
    const manifestsBefore = await store.list(registry.artifactBucketName, 'registry-manifests/', 1000);

    // Act
    const invocation = await registry.invoke('registerModel', {
      name: 'mlflow-empty',
      artifact: { kind: 'directory', uri: `s3://${registry.artifactBucketName}/mlflow/1/models/m-none/artifacts` },
    });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringContaining('artifact.uri: holds no files') });
    expect(await store.list(registry.artifactBucketName, 'registry-manifests/', 1000)).toEqual(manifestsBefore);
  });
});

describe('S3ArtifactStore.list on moto', () => {
  test('lists the current objects under a prefix in key order, and stops at the limit', async () => {
    // Arrange
    const prefix = 'mlflow/2/runs-listed/artifacts';
    await uploadDirectory(prefix, { b: 'bb', a: 'a', 'c/d': 'ddd' });
    await registry.putArtifact(`${prefix}-not-under/x`, 'x');
    const store = new S3ArtifactStore(registry.clients.s3);

    // Act
    const all = await store.list(registry.artifactBucketName, `${prefix}/`, 10);
    const limited = await store.list(registry.artifactBucketName, `${prefix}/`, 2);

    // Assert
    expect(all).toEqual([
      { key: `${prefix}/a`, sizeBytes: 1 },
      { key: `${prefix}/b`, sizeBytes: 2 },
      { key: `${prefix}/c/d`, sizeBytes: 3 },
    ]);
    expect(limited).toEqual(all.slice(0, 2));
  });
});
