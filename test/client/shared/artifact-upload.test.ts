import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type UploadProgress, uploadArtifact } from '../../../client/shared/artifact-upload';

const MiB = 1024 * 1024;
const s3Client = new S3Client({ region: 'us-east-1' });
const s3 = mockClient(s3Client);
let directory: string;

function writeRandomFile(name: string, bytes: number): { path: string; sha256: string } {
  const content = randomBytes(bytes);
  const path = join(directory, name);
  writeFileSync(path, content);
  return { path, sha256: createHash('sha256').update(content).digest('hex') };
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'artifact-upload-'));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  s3.reset();
});

describe('uploadArtifact', () => {
  it('puts a small file in one request that asks S3 for a SHA-256 checksum', async () => {
    // Arrange
    const file = writeRandomFile('small.bin', 1000);
    const checksum = Buffer.from(file.sha256, 'hex').toString('base64');
    s3.on(PutObjectCommand).resolves({ VersionId: 'v-1', ChecksumSHA256: checksum, ETag: '"e"' });

    // Act
    const uploaded = await uploadArtifact(s3Client, 'artifacts-bucket', file.path, { key: 'models/small.bin' });

    // Assert
    expect(uploaded).toEqual({ uri: 's3://artifacts-bucket/models/small.bin', sha256: file.sha256, sizeBytes: 1000, versionId: 'v-1' });
    const [put] = s3.commandCalls(PutObjectCommand);
    expect(put.args[0].input).toMatchObject({ Bucket: 'artifacts-bucket', Key: 'models/small.bin', ChecksumAlgorithm: 'SHA256', ContentLength: 1000 });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('uploads a file bigger than the part size in parts that each carry a SHA-256 checksum, returning the whole file digest', async () => {
    // Arrange
    const file = writeRandomFile('large.bin', 11 * MiB + 123);
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `"part-${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'v-2', ChecksumSHA256: 'Y29tcG9zaXRl-3' });
    const progress: UploadProgress[] = [];

    // Act
    const uploaded = await uploadArtifact(s3Client, 'artifacts-bucket', file.path, {
      key: 'models/large.bin',
      partSizeBytes: 5 * MiB,
      onProgress: (event) => progress.push(event),
    });

    // Assert
    expect(uploaded).toEqual({ uri: 's3://artifacts-bucket/models/large.bin', sha256: file.sha256, sizeBytes: 11 * MiB + 123, versionId: 'v-2' });
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input).toMatchObject({ Key: 'models/large.bin', ChecksumAlgorithm: 'SHA256' });
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.map((part) => part.PartNumber).sort()).toEqual([1, 2, 3]);
    expect(parts.every((part) => part.ChecksumAlgorithm === 'SHA256' && part.UploadId === 'upload-1')).toBe(true);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input.MultipartUpload?.Parts).toHaveLength(3);
    expect(progress.at(-1)).toEqual({ loadedBytes: 11 * MiB + 123, totalBytes: 11 * MiB + 123 });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('names the object after the file under a fresh prefix when no key is given', async () => {
    const file = writeRandomFile('model.onnx', 10);
    s3.on(PutObjectCommand).resolves({});

    const uploaded = await uploadArtifact(s3Client, 'artifacts-bucket', file.path);

    expect(uploaded.uri).toMatch(/^s3:\/\/artifacts-bucket\/uploads\/[0-9a-f-]{36}\/model\.onnx$/);
    expect(uploaded.versionId).toBeUndefined();
  });

  it('fails when the checksum S3 stored differs from the file digest', async () => {
    const file = writeRandomFile('tampered.bin', 100);
    s3.on(PutObjectCommand).resolves({ ChecksumSHA256: Buffer.alloc(32).toString('base64') });

    await expect(uploadArtifact(s3Client, 'artifacts-bucket', file.path)).rejects.toThrow(/S3 stored SHA-256 0{64}/);
  });

  it('fails when the file does not exist, sending nothing', async () => {
    await expect(uploadArtifact(s3Client, 'artifacts-bucket', join(directory, 'missing.bin'))).rejects.toThrow(/ENOENT/);
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails and aborts the multipart upload when a part is refused', async () => {
    const file = writeRandomFile('refused.bin', 6 * MiB);
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-2' });
    s3.on(UploadPartCommand).rejects(new Error('part refused'));

    await expect(uploadArtifact(s3Client, 'artifacts-bucket', file.path, { partSizeBytes: 5 * MiB })).rejects.toThrow('part refused');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0].args[0].input).toMatchObject({ UploadId: 'upload-2' });
  });
});
