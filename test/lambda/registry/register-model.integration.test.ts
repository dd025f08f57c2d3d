import { createHash } from 'node:crypto';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createRegistryFixture, emptyAndDeleteBucket, type InvocationError, type RegistryFixture } from '../../emulators/registry-fixture';

jest.setTimeout(30_000);

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const sha256Hex = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let registry: RegistryFixture;

beforeAll(async () => {
  registry = await createRegistryFixture({ label: 'register-model' });
});

afterAll(async () => {
  await registry?.dispose();
});

describe('registerModel', () => {
  test('registers version 1 of a new model, pinning the artifact with the SHA-256 S3 holds for it', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/fraud-detector/model.tar.gz', 'gradient boosted trees, version 1');

    // Act
    const invocation = await registry.invoke('registerModel', {
      name: 'fraud-detector',
      artifact: { uri: artifact.uri },
      framework: 'xgboost',
      metrics: { auc: 0.91 },
      tags: { team: 'risk' },
      actor: 'alice@example.com',
    });

    // Assert
    expect(invocation).toEqual({
      result: {
        name: 'fraud-detector',
        version: 1,
        artifact: {
          uri: artifact.uri,
          bucket: registry.artifactBucketName,
          key: 'models/fraud-detector/model.tar.gz',
          s3VersionId: artifact.versionId,
          sizeBytes: artifact.sizeBytes,
          etag: expect.stringMatching(/^[0-9a-f]{32}$/),
          sha256: sha256Hex('gradient boosted trees, version 1'),
          sha256Source: 's3-checksum',
        },
        createdAt: expect.stringMatching(ISO_TIMESTAMP),
      },
    });
    expect(artifact.versionId).toBeDefined();
  });

  test('keeps the whole request in the version record', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/recorded/model.bin', 'weights');

    // Act
    const registered = await registry.call('registerModel', {
      name: 'recorded',
      artifact: { uri: artifact.uri },
      description: 'baseline',
      framework: 'pytorch',
      metrics: { auc: 0.8, loss: 0.25 },
      parameters: { epochs: '10' },
      tags: { team: 'growth' },
      properties: { owner: 'ml-team' },
      datasets: [{ uri: 's3://data/train.parquet', role: 'training' }],
      sourceRunId: 'run-42',
      actor: 'pipeline',
    });
    const stored = await registry.call('queryRegistry', { query: 'getVersion', name: 'recorded', version: registered.version });

    // Assert
    expect(stored).toEqual({
      name: 'recorded',
      version: 1,
      createdAt: registered.createdAt,
      createdBy: 'pipeline',
      description: 'baseline',
      framework: 'pytorch',
      artifact: registered.artifact,
      metrics: { auc: 0.8, loss: 0.25 },
      parameters: { epochs: '10' },
      tags: { team: 'growth' },
      properties: { owner: 'ml-team' },
      datasets: [{ uri: 's3://data/train.parquet', role: 'training' }],
      sourceRunId: 'run-42',
    });
  });

  test('numbers each new version of a model one above the latest', async () => {
    // Arrange
    await registry.registerVersion('numbered');
    await registry.registerVersion('numbered');

    // Act
    const third = await registry.registerVersion('numbered');

    // Assert
    expect(third.version).toBe(3);
    await expect(registry.call('queryRegistry', { query: 'getModel', name: 'numbered' })).resolves.toMatchObject({ latestVersion: 3 });
  });

  test('computes the SHA-256 by reading the artifact back when S3 holds no checksum for it', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/unchecked/model.bin', 'uploaded by an old client', { checksum: 'none' });

    // Act
    const registered = await registry.call('registerModel', { name: 'unchecked', artifact: { uri: artifact.uri } });

    // Assert
    expect(registered.artifact).toMatchObject({ sha256: sha256Hex('uploaded by an old client'), sha256Source: 'computed', sizeBytes: artifact.sizeBytes });
  });

  test('accepts a claimed SHA-256 that matches the S3 checksum, whatever its letter case', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/claimed/model.bin', 'claimed weights');

    // Act
    const invocation = await registry.invoke('registerModel', {
      name: 'claimed',
      artifact: { uri: artifact.uri, sha256: artifact.sha256.toUpperCase() },
    });

    // Assert
    expect(invocation).toMatchObject({ result: { version: 1, artifact: { sha256: artifact.sha256, sha256Source: 's3-checksum' } } });
  });

  test('pins the S3 object version named in the request, not the current one', async () => {
    // Arrange
    const first = await registry.putArtifact('models/pinned/model.bin', 'first upload');
    await registry.putArtifact('models/pinned/model.bin', 'second upload');

    // Act
    const registered = await registry.call('registerModel', { name: 'pinned', artifact: { uri: first.uri, versionId: first.versionId } });

    // Assert
    expect(registered.artifact).toMatchObject({ s3VersionId: first.versionId, sha256: sha256Hex('first upload'), sizeBytes: first.sizeBytes });
  });

  test('records the current S3 object version when the request names none', async () => {
    // Arrange
    await registry.putArtifact('models/current/model.bin', 'first upload');
    const second = await registry.putArtifact('models/current/model.bin', 'second upload');

    // Act
    const registered = await registry.call('registerModel', { name: 'current', artifact: { uri: second.uri } });

    // Assert
    expect(registered.artifact).toMatchObject({ s3VersionId: second.versionId, sha256: sha256Hex('second upload') });
  });

  test("takes a multipart artifact's SHA-256 from the uploader's metadata, as S3 only holds a composite checksum", async () => {
    // Arrange: two parts (S3's minimum part size is 5 MiB), each checksummed by S3.
    const parts = [Buffer.alloc(5 * 1024 * 1024, 'a'), Buffer.from('tail of the model')];
    const whole = Buffer.concat(parts);
    const key = 'models/multipart/model.bin';
    const s3 = registry.clients.s3;
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: registry.artifactBucketName,
        Key: key,
        ChecksumAlgorithm: 'SHA256',
        Metadata: { sha256: sha256Hex(whole) },
      }),
    );
    const uploaded = await Promise.all(
      parts.map(async (body, index) => {
        const part = await s3.send(
          new UploadPartCommand({ Bucket: registry.artifactBucketName, Key: key, UploadId, PartNumber: index + 1, Body: body, ChecksumAlgorithm: 'SHA256' }),
        );
        return { PartNumber: index + 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 };
      }),
    );
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: registry.artifactBucketName, Key: key, UploadId, MultipartUpload: { Parts: uploaded } }));

    // Act
    const registered = await registry.call('registerModel', { name: 'multipart', artifact: { uri: `s3://${registry.artifactBucketName}/${key}` } });

    // Assert
    expect(registered.artifact).toMatchObject({ sha256: sha256Hex(whole), sha256Source: 'client', sizeBytes: whole.byteLength });
  });

  test('fails with ValidationError naming artifact.sha256 when the claimed digest differs from the S3 checksum, and writes nothing', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/mismatch/model.bin', 'the real weights');
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('registerModel', {
      name: 'mismatch',
      artifact: { uri: artifact.uri, sha256: sha256Hex('other weights') },
    });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringMatching(/^artifact\.sha256: /) });
    expect(await registry.tableItems()).toEqual(before);
  });

  test('fails with ValidationError naming artifact.sha256 when the claimed digest differs from an artifact uploaded without a checksum', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/mismatch-unchecked/model.bin', 'the real weights', { checksum: 'none' });

    // Act
    const invocation = await registry.invoke('registerModel', {
      name: 'mismatch-unchecked',
      artifact: { uri: artifact.uri, sha256: sha256Hex('other weights') },
    });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringMatching(/^artifact\.sha256: /) });
  });

  test('fails with ValidationError naming artifact.uri when no object is there, and writes nothing', async () => {
    // Arrange
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('registerModel', {
      name: 'never-uploaded',
      artifact: { uri: `s3://${registry.artifactBucketName}/models/never-uploaded/model.bin` },
    });

    // Assert
    expect(invocation).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: expect.stringMatching(/^artifact\.uri: no object at s3:\/\/.+never-uploaded\/model\.bin/),
    });
    expect(await registry.tableItems()).toEqual(before);
  });

  test('fails with ValidationError naming artifact.uri when the named S3 version does not exist, and writes nothing', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/missing-version/model.bin', 'weights');
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('registerModel', {
      name: 'missing-version',
      artifact: { uri: artifact.uri, versionId: 'no-such-version' },
    });

    // Assert
    expect(invocation).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: expect.stringMatching(/^artifact\.uri: no object at version no-such-version/),
    });
    expect(await registry.tableItems()).toEqual(before);
  });

  test("fails with ValidationError naming artifact.uri when the artifact is outside the platform's bucket, and writes nothing", async () => {
    // Arrange: the object exists, so only its bucket can be the reason.
    const otherBucket = `${registry.artifactBucketName}-other`;
    await registry.clients.s3.send(new CreateBucketCommand({ Bucket: otherBucket }));
    try {
      const artifact = await registry.putArtifact('models/elsewhere/model.bin', 'weights', { bucket: otherBucket });
      const before = await registry.tableItems();

      // Act
      const invocation = await registry.invoke('registerModel', { name: 'elsewhere', artifact: { uri: artifact.uri } });

      // Assert
      expect(invocation).toMatchObject({
        errorType: 'ValidationError',
        errorMessage: expect.stringMatching(new RegExp(`^artifact\\.uri: must be in the platform's artifact bucket "${registry.artifactBucketName}"`)),
      });
      expect(await registry.tableItems()).toEqual(before);
    } finally {
      await emptyAndDeleteBucket(registry.clients.s3, otherBucket);
    }
  });

  test('fails with ValidationError naming each bad field of a malformed request, on one line', async () => {
    // Arrange
    const malformed = { name: '-bad name', artifact: { uri: 'https://example.com/model.bin' }, metrics: { auc: 'high' }, colour: 'blue' };

    // Act
    const invocation = await registry.invoke('registerModel', malformed as never);

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError' });
    const { errorMessage, trace } = invocation as InvocationError;
    for (const path of ['name', 'artifact.uri', 'metrics.auc', 'colour']) expect(errorMessage).toContain(`${path}: `);
    expect(trace).toEqual([`ValidationError: ${errorMessage}`]);
  });

  describe('with a clientToken', () => {
    test('returns the same version for a retried request and writes nothing new', async () => {
      // Arrange
      const artifact = await registry.putArtifact('models/retried/model.bin', 'weights');
      const request = { name: 'retried', artifact: { uri: artifact.uri }, tags: { stage: 'dev' }, clientToken: 'pipeline-run-7' };
      const first = await registry.call('registerModel', request);
      const before = await registry.tableItems();

      // Act
      const retry = await registry.invoke('registerModel', { ...request });

      // Assert
      expect(retry).toEqual({ result: first });
      expect(await registry.tableItems()).toEqual(before);
    });

    test('recognises a retry whose fields come in another order', async () => {
      // Arrange
      const artifact = await registry.putArtifact('models/reordered/model.bin', 'weights');
      const first = await registry.call('registerModel', {
        name: 'reordered',
        artifact: { uri: artifact.uri },
        metrics: { auc: 0.9, loss: 0.1 },
        clientToken: 'token-1',
      });

      // Act
      const retry = await registry.invoke('registerModel', {
        clientToken: 'token-1',
        metrics: { loss: 0.1, auc: 0.9 },
        artifact: { uri: artifact.uri },
        name: 'reordered',
      });

      // Assert
      expect(retry).toEqual({ result: first });
    });

    test('fails with ConflictError when the token is reused for a different request, and writes nothing', async () => {
      // Arrange
      const artifact = await registry.putArtifact('models/reused-token/model.bin', 'weights');
      await registry.call('registerModel', { name: 'reused-token', artifact: { uri: artifact.uri }, clientToken: 'token-a' });
      const before = await registry.tableItems();

      // Act
      const invocation = await registry.invoke('registerModel', {
        name: 'reused-token',
        artifact: { uri: artifact.uri },
        description: 'something else',
        clientToken: 'token-a',
      });

      // Assert
      expect(invocation).toMatchObject({ errorType: 'ConflictError', errorMessage: expect.stringContaining('clientToken "token-a"') });
      expect(await registry.tableItems()).toEqual(before);
    });

    test('gives concurrent retries of one request the same single version', async () => {
      // Arrange
      const artifact = await registry.putArtifact('models/racing-retries/model.bin', 'weights');
      const request = { name: 'racing-retries', artifact: { uri: artifact.uri }, clientToken: 'token-race' };

      // Act
      const invocations = await Promise.all(Array.from({ length: 10 }, () => registry.invoke('registerModel', request)));

      // Assert
      // Each racer reserves a number before the commit; whichever commits first wins, so the one version
      // may be any of them (the numbers the others reserved stay unused), never two versions.
      const versions = invocations.map((invocation) => ('result' in invocation ? invocation.result.version : invocation.errorType));
      expect(typeof versions[0]).toBe('number');
      expect(versions).toEqual(Array(10).fill(versions[0]));
      const listed = await registry.call('queryRegistry', { query: 'listVersions', name: 'racing-retries' });
      expect(listed).toMatchObject({ items: [{ version: versions[0] }] });
      expect((listed as { items: unknown[] }).items).toHaveLength(1);
    });
  });
});
