import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cliHarness } from '../../harness';

const cli = cliHarness();
const content = Buffer.alloc(3000, 7);
const digest = createHash('sha256').update(content).digest('hex');
let directory: string;
let file: string;

const registered = (payload: Record<string, unknown>) => {
  const artifact = payload.artifact as { uri: string; versionId: string; sha256: string };
  const key = artifact.uri.replace('s3://artifacts-bucket/', '');
  return {
    name: payload.name,
    version: 4,
    createdAt: '2026-11-24T14:03:27.511Z',
    artifact: {
      uri: artifact.uri,
      bucket: 'artifacts-bucket',
      key,
      s3VersionId: artifact.versionId,
      sizeBytes: 3000,
      etag: 'e',
      sha256: artifact.sha256,
      sha256Source: 's3-checksum',
    },
  };
};

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'mlops-register-'));
  file = join(directory, 'model.tar.gz');
  writeFileSync(file, content);
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  cli.reset();
  cli.mocks.s3.on(PutObjectCommand).resolves({ VersionId: 'obj-v1' });
  cli.answer('register-fn', registered);
});

describe('mlops model register', () => {
  it('uploads the file and registers it with the parsed metrics, parameters, tags and datasets', async () => {
    // Arrange
    const args = [
      'model',
      'register',
      file,
      '--name',
      'fraud-detector',
      '--metric',
      'auc=0.9132',
      '--metric',
      'rows=120000',
      '--param',
      'max_depth=6',
      '--tag',
      'stage=gold',
      '--tag',
      'note=a=b',
      '--dataset',
      `s3://data/train.parquet#${'cd'.repeat(32)}`,
      '--dataset',
      's3://data/valid.parquet',
      '--description',
      'weekly retrain',
      '--framework',
      'xgboost-2.1',
      '--run-id',
      'run-77',
    ];

    // Act
    const { code, stdout, stderr } = await cli.run(args);

    // Assert
    expect(code).toBe(0);
    const [payload] = cli.invocations('register-fn');
    expect(payload).toMatchObject({
      name: 'fraud-detector',
      artifact: { versionId: 'obj-v1', sha256: digest },
      metrics: { auc: 0.9132, rows: 120000 },
      parameters: { max_depth: '6' },
      tags: { stage: 'gold', note: 'a=b' },
      datasets: [
        { uri: 's3://data/train.parquet', sha256: 'cd'.repeat(32), role: 'training' },
        { uri: 's3://data/valid.parquet', role: 'training' },
      ],
      description: 'weekly retrain',
      framework: 'xgboost-2.1',
      sourceRunId: 'run-77',
      actor: 'ana@laptop',
    });
    expect(payload.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    const uri = (payload.artifact as { uri: string }).uri;
    expect(uri).toMatch(/^s3:\/\/artifacts-bucket\/models\/fraud-detector\/[0-9a-f-]{36}\/model\.tar\.gz$/);
    expect(stdout).toBe(
      [
        'registered fraud-detector version 4',
        '',
        `artifact    ${uri}`,
        's3 version  obj-v1',
        'size        2.9 KiB',
        `sha256      ${digest} (s3-checksum)`,
        'created     2026-11-24 14:03',
        '',
      ].join('\n'),
    );
    expect(stderr).toBe(`uploaded model.tar.gz (2.9 KiB) to ${uri}\n`);
  });

  it('prints only the JSON result with --json when stderr is not a terminal', async () => {
    const { code, stdout, stderr } = await cli.run(['--json', 'model', 'register', file, '--name', 'fraud-detector']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'fraud-detector', version: 4, artifact: { sha256: digest } });
    expect(stderr).toBe('');
  });

  it('draws a progress bar on stderr when it is a terminal', async () => {
    const { code, stderr } = await cli.run(['model', 'register', file, '--name', 'fraud-detector'], { stderrTTY: true });

    expect(code).toBe(0);
    expect(stderr).toMatch(/^\r\x1b\[2Kuploading model\.tar\.gz \[#+\] 100% {2}2\.9 KiB \/ 2\.9 KiB\n$/);
  });

  it('uses the given client token', async () => {
    await cli.run(['model', 'register', file, '--name', 'fraud-detector', '--client-token', 'pipeline-run-77']);

    expect(cli.invocations('register-fn')[0].clientToken).toBe('pipeline-run-77');
  });

  it('fails with exit code 1 and the field named when the request is invalid, uploading nothing', async () => {
    const { code, stderr } = await cli.run(['model', 'register', file, '--name', 'fraud detector']);

    expect(code).toBe(1);
    expect(stderr).toBe('error (ValidationError): name: must start with a letter or digit and hold only letters, digits, "-", "_" and "."\n');
    expect(cli.mocks.s3.calls()).toHaveLength(0);
    expect(cli.invocations()).toHaveLength(0);
  });

  it('fails with exit code 1 when the registry refuses the artifact', async () => {
    cli.answer('register-fn', () => ({ errorType: 'ValidationError', errorMessage: 'artifact.sha256: does not match the object' }));

    const { code, stderr } = await cli.run(['model', 'register', file, '--name', 'fraud-detector']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/\nerror \(ValidationError\): artifact\.sha256: does not match the object\n$/);
  });

  it('fails with exit code 1 when the file does not exist', async () => {
    const { code, stderr } = await cli.run(['model', 'register', join(directory, 'missing.bin'), '--name', 'fraud-detector']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: ENOENT: no such file or directory/);
  });

  it.each([
    [['--metric', 'auc=high'], 'expected key=number, "high" is not a number'],
    [['--param', 'depth'], 'expected key=value'],
  ])('fails with exit code 2 on a malformed option %p', async (option, message) => {
    const { code, stderr } = await cli.run(['model', 'register', file, '--name', 'fraud-detector', ...option]);

    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(cli.mocks.s3.calls()).toHaveLength(0);
  });

  it('fails with exit code 2 when --name is missing', async () => {
    const { code, stderr } = await cli.run(['model', 'register', file]);

    expect(code).toBe(2);
    expect(stderr).toContain("required option '--name <name>' not specified");
  });
});
