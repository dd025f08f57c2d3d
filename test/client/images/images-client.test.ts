import { createHash } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { buildProgress, ImagesClient, ImageWaitTimeoutError, parseModelReferences } from '../../../client/images/images-client';
import { ConfigurationError, NotFoundError, ValidationError } from '../../../client/shared/errors';
import type { ImageVersionRecord } from '../../../lambda/images/core/model';
import type { Clock } from '../../../lambda/shared/clock';
import { buildingImage, failedImage, imageSummary, localImageInputs, REQUIREMENTS, readyImage, SCRIPT, sha256 } from '../../cli/commands/images/image-fixtures';
import { functionError, functionResult, sentPayload } from '../shared/lambda-responses';

const lambdaClient = new LambdaClient({ region: 'us-east-1' });
const s3Client = new S3Client({ region: 'us-east-1' });
const lambda = mockClient(lambdaClient);
const s3 = mockClient(s3Client);
const functions = { registerImage: 'register-image-fn', queryImages: 'query-images-fn' };
const client = new ImagesClient({ functions, artifactBucket: 'artifacts-bucket', lambda: lambdaClient, s3: s3Client, retry: { sleep: async () => undefined } });

const invokes = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
const payloads = () => invokes().map(sentPayload) as Record<string, unknown>[];
const puts = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });
const notFound = () => new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Not Found' });

const base64Sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
const entryKey = `image-inputs/churn-scorer/${sha256(SCRIPT)}/score.py`;
const requirementsKey = `image-inputs/churn-scorer/${sha256(REQUIREMENTS)}/requirements.txt`;

const inputs = localImageInputs();

beforeEach(() => {
  lambda.reset();
  s3.reset();
});

describe('ImagesClient.register', () => {
  it('uploads the script and requirements under keys named by their content, then registers a build from them', async () => {
    // Arrange
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({});
    lambda.on(InvokeCommand).resolves(functionResult(buildingImage()));
    const staged: unknown[] = [];

    // Act
    const image = await client.register(
      {
        name: 'churn-scorer',
        models: ['churn@production', 'fraud-detector:12', { name: 'ltv', version: 2 }],
        entry: inputs.entry,
        requirements: inputs.requirements,
        environment: { LOG_LEVEL: 'debug' },
        registeredBy: 'ana@laptop',
      },
      { onStaged: (file) => staged.push(file) },
    );

    // Assert
    expect(image).toEqual(buildingImage());
    expect(puts().map((put) => [put.Bucket, put.Key])).toEqual([
      ['artifacts-bucket', entryKey],
      ['artifacts-bucket', requirementsKey],
    ]);
    expect(staged).toEqual([
      expect.objectContaining({
        file: inputs.entry,
        uri: `s3://artifacts-bucket/${entryKey}`,
        sha256: sha256(SCRIPT),
        sizeBytes: SCRIPT.length,
        reused: false,
      }),
      expect.objectContaining({ file: inputs.requirements, uri: `s3://artifacts-bucket/${requirementsKey}`, reused: false }),
    ]);
    expect(invokes()[0].FunctionName).toBe('register-image-fn');
    expect(payloads()).toEqual([
      {
        name: 'churn-scorer',
        models: [
          { name: 'churn', alias: 'production' },
          { name: 'fraud-detector', version: 12 },
          { name: 'ltv', version: 2 },
        ],
        source: {
          type: 'build',
          entry: `s3://artifacts-bucket/${entryKey}`,
          requirements: `s3://artifacts-bucket/${requirementsKey}`,
          baseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
        },
        environment: { LOG_LEVEL: 'debug' },
        allowCriticalFindings: false,
        clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
        registeredBy: 'ana@laptop',
      },
    ]);
  });

  it('does not upload a file whose content is already in the bucket with the same checksum', async () => {
    // Arrange
    s3.on(HeadObjectCommand, { Key: entryKey }).resolves({ ChecksumSHA256: base64Sha256(SCRIPT), ContentLength: SCRIPT.length });
    s3.on(HeadObjectCommand, { Key: requirementsKey }).resolves({ ChecksumSHA256: base64Sha256('something else') });
    s3.on(PutObjectCommand).resolves({});
    lambda.on(InvokeCommand).resolves(functionResult(buildingImage()));
    const reused: boolean[] = [];

    // Act
    await client.register(
      { name: 'churn-scorer', models: ['churn:3'], entry: inputs.entry, requirements: inputs.requirements },
      { onStaged: (file) => reused.push(file.reused) },
    );

    // Assert
    expect(reused).toEqual([true, false]);
    expect(puts().map((put) => put.Key)).toEqual([requirementsKey]);
    expect(s3.commandCalls(HeadObjectCommand)[0].args[0].input).toEqual({ Bucket: 'artifacts-bucket', Key: entryKey, ChecksumMode: 'ENABLED' });
  });

  it('retries a throttled registration with the same client token, and keeps a token given', async () => {
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({});
    lambda.on(InvokeCommand).rejectsOnce(throttled()).resolves(functionResult(buildingImage()));

    await client.register({ name: 'churn-scorer', models: ['churn:3'], entry: inputs.entry, clientToken: 'ci-build-881' });

    expect(payloads().map((payload) => payload.clientToken)).toEqual(['ci-build-881', 'ci-build-881']);
  });

  it('registers an external image without uploading anything', async () => {
    const imageUri = '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/scorer:1.4.0';
    lambda.on(InvokeCommand).resolves(functionResult(readyImage()));

    await client.register({ name: 'churn-scorer', models: ['churn:3'], imageUri, allowCriticalFindings: true });

    expect(s3.calls()).toHaveLength(0);
    expect(payloads()[0]).toMatchObject({ source: { type: 'external', imageUri }, allowCriticalFindings: true, models: [{ name: 'churn', version: 3 }] });
  });

  it('fails client-side on bad model references, naming each, and uploads and invokes nothing', async () => {
    const failure = client.register({ name: 'churn-scorer', models: ['churn', 'fraud:latest', 'ok:1', 'x@'], entry: inputs.entry });

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(
      'models[0]: expected NAME:VERSION (a version number) or NAME@ALIAS, got "churn"; models[1]: expected NAME:VERSION (a version number) or NAME@ALIAS, got "fraud:latest"; ' +
        'models[3]: expected NAME:VERSION (a version number) or NAME@ALIAS, got "x@"',
    );
    await expect(failure).rejects.toMatchObject({ issues: [{ path: 'models[0]' }, { path: 'models[1]' }, { path: 'models[3]' }] });
    expect(s3.calls()).toHaveLength(0);
    expect(invokes()).toHaveLength(0);
  });

  it("fails client-side with the schema's message on a bad request, before uploading", async () => {
    const failure = client.register({ name: 'Churn_Scorer', models: ['churn@Production'], entry: inputs.entry, environment: { MLOPS_PORT: '1' } });

    await expect(failure).rejects.toThrow(
      /^name: must hold only lowercase letters.*; models\[0\]\.alias: must hold only lowercase letters.*; environment\.MLOPS_PORT: /,
    );
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails with both entry and imageUri, with build fields beside an imageUri, or with requirements but no entry', async () => {
    const both = client.register({ name: 'churn-scorer', models: ['churn:3'], entry: inputs.entry, imageUri: 'x' } as never);
    const mixed = client.register({ name: 'churn-scorer', models: ['churn:3'], imageUri: 'x', requirements: 'r.txt' } as never);
    const requirementsAlone = client.register({ name: 'churn-scorer', models: ['churn:3'], requirements: inputs.requirements });

    await expect(both).rejects.toThrow('source: give at most one of entry (a script for the platform to build) and imageUri (an image in ECR)');
    await expect(mixed).rejects.toThrow('source: requirements and baseImage describe a build: leave them out with imageUri');
    await expect(requirementsAlone).rejects.toMatchObject({ issues: [{ path: 'source.requirements' }] });
    expect(invokes()).toHaveLength(0);
  });

  it("registers a build of the platform's MLflow entry when neither entry nor imageUri is given, uploading nothing", async () => {
    lambda.on(InvokeCommand).resolves(functionResult(buildingImage()));
    const noBucket = new ImagesClient({ functions, lambda: lambdaClient, s3: s3Client });

    await noBucket.register({ name: 'churn-scorer', models: ['churn@champion'], baseImage: 'public.ecr.aws/docker/library/python:3.11-slim' });

    expect(s3.calls()).toHaveLength(0);
    expect(payloads()[0]).toMatchObject({
      source: { type: 'build', baseImage: 'public.ecr.aws/docker/library/python:3.11-slim' },
      models: [{ name: 'churn', alias: 'champion' }],
    });
    expect(payloads()[0].source).not.toHaveProperty('entry');
  });

  it('fails before uploading when the client has no bucket or no register function', async () => {
    const noBucket = new ImagesClient({ functions, lambda: lambdaClient, s3: s3Client });
    const noRegister = new ImagesClient({ functions: { queryImages: 'q' }, artifactBucket: 'artifacts-bucket', lambda: lambdaClient, s3: s3Client });

    await expect(noBucket.register({ name: 'churn-scorer', models: ['churn:3'], entry: inputs.entry })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(noRegister.register({ name: 'churn-scorer', models: ['churn:3'], entry: inputs.entry })).rejects.toThrow(
      'no registerImage function configured',
    );
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('parseModelReferences', () => {
  it('reads versions (with or without v) and aliases, and passes objects through', () => {
    expect(parseModelReferences(['churn:3', 'churn:v4', 'fraud.v2@production', { name: 'x', alias: 'staging' }])).toEqual([
      { name: 'churn', version: 3 },
      { name: 'churn', version: 4 },
      { name: 'fraud.v2', alias: 'production' },
      { name: 'x', alias: 'staging' },
    ]);
  });
});

describe('ImagesClient queries', () => {
  it('gets the newest version, or the version given', async () => {
    lambda.on(InvokeCommand).resolves(functionResult(readyImage()));

    await client.getImage('churn-scorer');
    const image = await client.getImage('churn-scorer', 4);

    expect(image).toEqual(readyImage());
    expect(invokes()[0].FunctionName).toBe('query-images-fn');
    expect(payloads()).toEqual([
      { query: 'getImage', name: 'churn-scorer' },
      { query: 'getImage', name: 'churn-scorer', version: 4 },
    ]);
  });

  it('lists one page of images or versions with the default page size, and iterates over every page', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult({ items: [imageSummary(readyImage())] }))
      .resolvesOnce(functionResult({ items: [readyImage()], nextToken: 'page-2' }))
      .resolvesOnce(functionResult({ items: [failedImage({ version: 3 })] }));

    await client.listImages();
    const versions: number[] = [];
    for await (const version of client.iterateImageVersions('churn-scorer')) versions.push(version.version);

    expect(versions).toEqual([4, 3]);
    expect(payloads()).toEqual([
      { query: 'listImages', limit: 25 },
      { query: 'listImageVersions', name: 'churn-scorer', limit: 100 },
      { query: 'listImageVersions', name: 'churn-scorer', limit: 100, nextToken: 'page-2' },
    ]);
  });

  it("passes the function's not-found error on as a typed error", async () => {
    lambda.on(InvokeCommand).resolves(functionError('NotFoundError', 'image churn-scorer has no version 9'));

    await expect(client.getImage('churn-scorer', 9)).rejects.toBeInstanceOf(NotFoundError);
  });
});

/** A clock that moves only when slept on. */
function fakeClock(start = Date.parse('2026-11-25T10:00:30.000Z')) {
  let now = start;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => new Date(now),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { clock, sleeps };
}

describe('ImagesClient.waitForImage', () => {
  const answer = (...records: ImageVersionRecord[]) => records.reduce((mock, record) => mock.resolvesOnce(functionResult(record)), lambda.on(InvokeCommand));

  it('polls until the version is READY, reporting each poll', async () => {
    // Arrange
    answer(buildingImage({ build: { id: 'b', phase: 'PROVISIONING' } }), buildingImage(), readyImage());
    const { clock, sleeps } = fakeClock();
    const seen: string[] = [];

    // Act
    const image = await client.waitForImage('churn-scorer', 4, {
      clock,
      pollIntervalMs: 2000,
      onProgress: (record) => seen.push(`${record.status} ${record.build?.phase}`),
    });

    // Assert
    expect(image).toEqual(readyImage());
    expect(seen).toEqual(['BUILDING PROVISIONING', 'BUILDING PRE_BUILD', 'READY COMPLETED']);
    expect(sleeps).toEqual([2000, 2000]);
    expect(payloads().every((payload) => payload.query === 'getImage' && payload.version === 4)).toBe(true);
  });

  it('returns a FAILED version as the answer', async () => {
    answer(buildingImage(), failedImage());

    const image = await client.waitForImage('churn-scorer', 4, { clock: fakeClock().clock });

    expect(image.status).toBe('FAILED');
  });

  it('fails with the last record read when the build has not ended by the timeout, never sleeping past it', async () => {
    // Arrange
    lambda.on(InvokeCommand).resolves(functionResult(buildingImage()));
    const { clock, sleeps } = fakeClock();

    // Act
    const failure = client.waitForImage('churn-scorer', 4, { clock, pollIntervalMs: 4000, timeoutMs: 10_000 });

    // Assert
    await expect(failure).rejects.toBeInstanceOf(ImageWaitTimeoutError);
    await expect(failure).rejects.toThrow('image churn-scorer version 4 is still BUILDING (phase PRE_BUILD) after 10 s of waiting');
    await expect(failure).rejects.toMatchObject({ errorType: 'Timeout', image: buildingImage() });
    expect(sleeps).toEqual([4000, 4000, 2000]);
  });
});

describe('buildProgress', () => {
  it("places the phase among CodeBuild's eleven", () => {
    expect(buildProgress(buildingImage())).toEqual({ phase: 'PRE_BUILD', step: 6, phases: 11 });
    expect(buildProgress(buildingImage({ build: undefined }))).toBeUndefined();
  });
});
