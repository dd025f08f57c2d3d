import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { RegistryClient } from '../../../client/registry/registry-client';
import { ValidationError } from '../../../client/shared/errors';
import { functionError, functionResult, sentPayload } from '../shared/lambda-responses';

const lambdaClient = new LambdaClient({ region: 'us-east-1' });
const s3Client = new S3Client({ region: 'us-east-1' });
const lambda = mockClient(lambdaClient);
const s3 = mockClient(s3Client);
const client = new RegistryClient({
  functions: { registerModel: 'register-fn' },
  artifactBucket: 'artifacts-bucket',
  lambda: lambdaClient,
  s3: s3Client,
  retry: { sleep: async () => undefined },
});

const content = Buffer.from('model weights');
const digest = createHash('sha256').update(content).digest('hex');
let directory: string;
let file: string;
const registerPayloads = () => lambda.commandCalls(InvokeCommand).map((call) => sentPayload(call.args[0].input) as Record<string, unknown>);
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
const socketReset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'register-from-file-'));
  file = join(directory, 'model.pkl');
  writeFileSync(file, content);
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  lambda.reset();
  s3.reset();
  s3.on(PutObjectCommand).resolves({ VersionId: 'obj-v1' });
});

describe('RegistryClient.registerModelFromFile', () => {
  it('uploads the file under the model name and registers it with the digest, object version and a generated client token', async () => {
    // Arrange
    lambda.on(InvokeCommand).resolves(functionResult({ name: 'fraud', version: 4 }));

    // Act
    const result = await client.registerModelFromFile(file, { name: 'fraud', metrics: { auc: 0.91 } });

    // Assert
    expect(result).toEqual({ name: 'fraud', version: 4 });
    const key = s3.commandCalls(PutObjectCommand)[0].args[0].input.Key;
    expect(key).toMatch(/^models\/fraud\/[0-9a-f-]{36}\/model\.pkl$/);
    const [payload] = registerPayloads();
    expect(payload.artifact).toEqual({ uri: `s3://artifacts-bucket/${key}`, versionId: 'obj-v1', sha256: digest });
    expect(payload.metrics).toEqual({ auc: 0.91 });
    expect(payload.clientToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries throttled and dropped invokes with the same client token', async () => {
    lambda
      .on(InvokeCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(socketReset())
      .resolves(functionResult({ name: 'fraud', version: 4 }));

    const result = await client.registerModelFromFile(file, { name: 'fraud' });

    expect(result.version).toBe(4);
    const tokens = registerPayloads().map((payload) => payload.clientToken);
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('keeps the caller’s client token', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ name: 'fraud', version: 4 }));

    await client.registerModelFromFile(file, { name: 'fraud', clientToken: 'pipeline-run-42' });

    expect(registerPayloads()[0].clientToken).toBe('pipeline-run-42');
  });

  it('fails without retrying when the registry refuses the request', async () => {
    lambda.on(InvokeCommand).resolves(functionError('ConflictError', 'clientToken "t" was already used for a different request'));

    await expect(client.registerModelFromFile(file, { name: 'fraud', clientToken: 't' })).rejects.toThrow('already used');
    expect(registerPayloads()).toHaveLength(1);
  });

  it('fails after the last attempt when throttling persists', async () => {
    lambda.on(InvokeCommand).rejects(throttled());

    await expect(client.registerModelFromFile(file, { name: 'fraud' })).rejects.toThrow('Rate exceeded');
    expect(registerPayloads()).toHaveLength(4);
  });

  it('fails on an invalid request before uploading anything', async () => {
    const failure = client.registerModelFromFile(file, { name: 'fraud', tags: { 'bad key!': 'x' } });

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(/^tags\.bad key!: /);
    expect(s3.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it.each(['images/victim/1/model.tar.gz', 'training-data/fraud/model.pkl', 'model.pkl'])(
    'fails before uploading anything on a key (%s) outside models/ and uploads/, where RegisterModel takes artifacts from',
    async (key) => {
      const failure = client.registerModelFromFile(file, { name: 'fraud' }, { key });

      await expect(failure).rejects.toBeInstanceOf(ValidationError);
      await expect(failure).rejects.toMatchObject({ issues: [{ path: 'key', message: expect.stringContaining('must be under "models/" or "uploads/"') }] });
      expect(s3.calls()).toHaveLength(0);
      expect(lambda.calls()).toHaveLength(0);
    },
  );
});
