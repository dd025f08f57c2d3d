import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_BASELINE_PROFILE_BYTES, MonitoringClient } from '../../../client/monitoring/monitoring-client';
import { ConfigurationError, ConflictError, InternalError, MlopsError, NotFoundError, ValidationError } from '../../../client/shared/errors';
import { baselineRecord, checkRecord, driftReport } from '../../support/monitoring-records';
import { functionError, functionResult, sentPayload } from '../shared/lambda-responses';

const lambdaClient = new LambdaClient({ region: 'us-east-1' });
const s3Client = new S3Client({ region: 'us-east-1' });
const lambda = mockClient(lambdaClient);
const s3 = mockClient(s3Client);
const functions = { collectData: 'collect-fn', registerBaseline: 'baseline-fn', queryMonitoring: 'query-monitoring-fn' };
const client = new MonitoringClient({
  functions,
  artifactBucket: 'artifacts-bucket',
  lambda: lambdaClient,
  s3: s3Client,
  retry: { sleep: async () => undefined },
});

const invokes = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
const payloads = () => invokes().map(sentPayload);
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });
const body = (text: string) => sdkStreamMixin(Readable.from([Buffer.from(text)]));

/** The smallest profile `mlops monitor baseline` writes: no features. */
const profile = { formatVersion: 1, createdAt: '2026-11-25T09:30:00.000Z', rows: 10, features: [] };

let directory: string;
let training: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'monitoring-client-'));
  training = join(directory, 'train.csv');
  writeFileSync(training, 'age,plan\n30,basic\n40,pro\n');
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  lambda.reset();
  s3.reset();
});

describe('MonitoringClient.collect', () => {
  it('sends the records with a generated batch id and inference time, so a retry after throttling stores them once', async () => {
    // Arrange
    const stored = { monitor: 'fraud-live', records: 2, key: 'collected/fraud-live/2026/11/25/09/b.jsonl' };
    lambda.on(InvokeCommand).rejectsOnce(throttled()).resolves(functionResult(stored));

    // Act
    const result = await client.collect({
      monitor: 'fraud-live',
      records: [
        { age: 30, plan: 'basic' },
        { age: 41, plan: null },
      ],
    });

    // Assert
    expect(result).toEqual(stored);
    expect(invokes().map((input) => input.FunctionName)).toEqual(['collect-fn', 'collect-fn']);
    const [first, retry] = payloads() as Record<string, unknown>[];
    expect(first).toEqual({
      monitor: 'fraud-live',
      records: [
        { age: 30, plan: 'basic' },
        { age: 41, plan: null },
      ],
      batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      inferenceTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(retry).toEqual(first);
  });

  it('keeps the batch id and inference time given', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({}));

    await client.collect({ monitor: 'fraud-live', records: [{ age: 30 }], batchId: 'job-7', inferenceTime: '2026-11-25T08:15:00Z' });

    expect(payloads()[0]).toMatchObject({ batchId: 'job-7', inferenceTime: '2026-11-25T08:15:00Z' });
  });

  it('fails client-side on a bad batch, naming the fields, and invokes nothing', async () => {
    const failure = client.collect({ monitor: 'fraud live', records: [{ age: Number.POSITIVE_INFINITY }] });

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(/^monitor: must start with a letter or digit.*; records\[0\]\.age: /);
    expect(invokes()).toHaveLength(0);
  });
});

describe('MonitoringClient.registerBaseline', () => {
  it('registers a profile and returns the baseline record', async () => {
    // Arrange
    lambda.on(InvokeCommand).resolves(functionResult(baselineRecord()));

    // Act
    const baseline = await client.registerBaseline({ model: 'fraud-detector', version: 12, profile });

    // Assert
    expect(baseline).toEqual(baselineRecord());
    expect(invokes()[0].FunctionName).toBe('baseline-fn');
    expect(payloads()).toEqual([{ model: 'fraud-detector', version: 12, profile, replace: false }]);
  });

  it("asks for a version's baseline to be replaced only with replace: true", async () => {
    lambda.on(InvokeCommand).resolves(functionResult(baselineRecord()));

    await client.registerBaseline({ model: 'fraud-detector', version: 12, profile, replace: true });

    expect(payloads()).toEqual([{ model: 'fraud-detector', version: 12, profile, replace: true }]);
  });

  it('sends a training-data source with the schema defaults filled, and does not retry it', async () => {
    lambda.on(InvokeCommand).rejects(throttled());

    const failure = client.registerBaseline({ model: 'fraud-detector', version: 12, source: { uri: 's3://artifacts-bucket/training-data/train.csv' } });

    await expect(failure).rejects.toThrow('Rate exceeded');
    expect(payloads()).toEqual([
      {
        model: 'fraud-detector',
        version: 12,
        source: { uri: 's3://artifacts-bucket/training-data/train.csv', format: 'csv', exclude: [], categorical: [] },
        replace: false,
      },
    ]);
  });

  it('fails client-side unless exactly one of profile and source is given', async () => {
    await expect(client.registerBaseline({ model: 'fraud-detector', version: 12 })).rejects.toThrow('must give exactly one of profile and source');
    expect(invokes()).toHaveLength(0);
  });

  it('fails client-side on a profile too large for one Lambda request, saying to give the training data instead', async () => {
    // Arrange
    const large = { ...profile, source: 'x'.repeat(MAX_BASELINE_PROFILE_BYTES) };

    // Act
    const failure = client.registerBaseline({ model: 'fraud-detector', version: 12, profile: large });

    // Assert
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(/^profile: is \d+ bytes, more than the 6287360 one Lambda request takes: give the training data as source instead/);
    await expect(failure).rejects.toMatchObject({ issues: [{ path: 'profile' }] });
    expect(invokes()).toHaveLength(0);
  });

  it('uploads a training file to the artifact bucket and registers it as the source', async () => {
    // Arrange
    s3.on(PutObjectCommand).resolves({ VersionId: 'obj-1' });
    lambda.on(InvokeCommand).resolves(functionResult(baselineRecord()));
    const uploaded: string[] = [];

    // Act
    const baseline = await client.registerBaselineFromFile(
      training,
      { model: 'fraud-detector', version: 12, exclude: ['label'], replace: true },
      { onUploaded: (file) => uploaded.push(file.uri) },
    );

    // Assert
    expect(baseline).toEqual(baselineRecord());
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put.Bucket).toBe('artifacts-bucket');
    expect(put.Key).toMatch(/^training-data\/fraud-detector\/12\/[0-9a-f-]{36}\/train\.csv$/);
    expect(uploaded).toEqual([`s3://artifacts-bucket/${put.Key}`]);
    expect(payloads()).toEqual([
      {
        model: 'fraud-detector',
        version: 12,
        source: { uri: `s3://artifacts-bucket/${put.Key}`, format: 'csv', exclude: ['label'], categorical: [] },
        replace: true,
      },
    ]);
  });

  it('fails before uploading anything on a key outside training-data/, the one prefix the function profiles', async () => {
    const failure = client.registerBaselineFromFile(training, { model: 'fraud-detector', version: 12 }, { key: 'images/victim/1/context/score.py' });

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toMatchObject({ issues: [{ path: 'key', message: expect.stringContaining('must be under "training-data/"') }] });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(invokes()).toHaveLength(0);
  });

  it('fails before uploading anything when the request is bad or the client cannot register', async () => {
    const noRegister = new MonitoringClient({ functions: { queryMonitoring: 'q' }, artifactBucket: 'artifacts-bucket', lambda: lambdaClient, s3: s3Client });
    const noBucket = new MonitoringClient({ functions, lambda: lambdaClient, s3: s3Client });

    await expect(client.registerBaselineFromFile(training, { model: '-bad', version: 0 })).rejects.toThrow(
      /^model: must start with a letter or digit.*; version: /,
    );
    await expect(noRegister.registerBaselineFromFile(training, { model: 'fraud-detector', version: 12 })).rejects.toThrow(
      'no registerBaseline function configured',
    );
    await expect(noBucket.registerBaselineFromFile(training, { model: 'fraud-detector', version: 12 })).rejects.toThrow('no artifact bucket configured');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(invokes()).toHaveLength(0);
  });
});

describe('MonitoringClient queries', () => {
  it('lists every checked monitor with its latest check', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ monitors: [checkRecord()] }));

    const monitors = await client.listMonitors();

    expect(monitors).toEqual([checkRecord()]);
    expect(invokes()[0].FunctionName).toBe('query-monitoring-fn');
    expect(payloads()).toEqual([{ query: 'listMonitors' }]);
  });

  it('lists one page of checks with the paging given, and the default page size otherwise', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ items: [checkRecord()], nextToken: 'next' }));

    const page = await client.listChecks('fraud-live', { limit: 5, nextToken: 'token-1' });
    await client.listChecks('fraud-live');

    expect(page).toEqual({ items: [checkRecord()], nextToken: 'next' });
    expect(payloads()).toEqual([
      { query: 'listChecks', monitor: 'fraud-live', limit: 5, nextToken: 'token-1' },
      { query: 'listChecks', monitor: 'fraud-live', limit: 25 },
    ]);
  });

  it('iterates over every check, page after page', async () => {
    const [newer, older, oldest] = ['2026-11-25T09:00:00.000Z', '2026-11-25T08:00:00.000Z', '2026-11-25T07:00:00.000Z'].map((end) => checkRecord(end));
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult({ items: [newer, older], nextToken: 'page-2' }))
      .resolvesOnce(functionResult({ items: [oldest] }));

    const ids: string[] = [];
    for await (const check of client.iterateChecks('fraud-live')) ids.push(check.checkId);

    expect(ids).toEqual(['20261125T090000Z', '20261125T080000Z', '20261125T070000Z']);
    expect(payloads()).toEqual([
      { query: 'listChecks', monitor: 'fraud-live', limit: 100 },
      { query: 'listChecks', monitor: 'fraud-live', limit: 100, nextToken: 'page-2' },
    ]);
  });

  it('gets a check, a report and a baseline, by id or the latest', async () => {
    const check = checkRecord();
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult(check))
      .resolvesOnce(functionResult(check))
      .resolvesOnce(functionResult(driftReport(check)))
      .resolvesOnce(functionResult(baselineRecord()));

    expect(await client.getCheck('fraud-live')).toEqual(check);
    expect(await client.getCheck('fraud-live', check.checkId)).toEqual(check);
    expect(await client.getReport('fraud-live', check.checkId)).toEqual(driftReport(check));
    expect(await client.getBaseline('fraud-detector', 12)).toEqual(baselineRecord());
    expect(payloads()).toEqual([
      { query: 'getCheck', monitor: 'fraud-live' },
      { query: 'getCheck', monitor: 'fraud-live', checkId: '20261125T090000Z' },
      { query: 'getReport', monitor: 'fraud-live', checkId: '20261125T090000Z' },
      { query: 'getBaseline', model: 'fraud-detector', version: 12 },
    ]);
  });

  it('retries a query after throttling', async () => {
    lambda
      .on(InvokeCommand)
      .rejectsOnce(throttled())
      .resolves(functionResult({ monitors: [] }));

    await client.listMonitors();

    expect(invokes()).toHaveLength(2);
  });

  it('fails client-side on a bad check id', async () => {
    await expect(client.getReport('fraud-live', 'check/1')).rejects.toThrow('checkId: must hold only letters, digits and "._:-"');
    expect(invokes()).toHaveLength(0);
  });

  it("reads a check's HTML report from its S3 URI", async () => {
    s3.on(GetObjectCommand, { Bucket: 'monitoring-bucket', Key: 'reports/fraud-live/20261125T090000Z.html' }).resolves({ Body: body('<html>drift</html>') });

    expect(await client.getHtmlReport(checkRecord())).toBe('<html>drift</html>');
  });

  it('fails with a not-found error when the HTML report is gone', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

    const failure = client.getHtmlReport(checkRecord());

    await expect(failure).rejects.toBeInstanceOf(NotFoundError);
    await expect(failure).rejects.toThrow('no HTML report at s3://monitoring-bucket/reports/fraud-live/20261125T090000Z.html');
  });
});

describe('MonitoringClient errors', () => {
  it.each([
    ['ValidationError', ValidationError],
    ['NotFoundError', NotFoundError],
    ['ConflictError', ConflictError],
    ['InternalError', InternalError],
  ] as const)('fails with the typed error for a function %s, keeping its message', async (errorType, errorClass) => {
    lambda.on(InvokeCommand).resolves(functionError(errorType, 'what went wrong'));

    const failure = client.getCheck('fraud-live');

    await expect(failure).rejects.toBeInstanceOf(errorClass);
    await expect(failure).rejects.toMatchObject({ errorType, message: 'what went wrong' });
  });

  it('fails with a MlopsError carrying the runtime error type when the function did not answer', async () => {
    lambda.on(InvokeCommand).resolves(functionError('Runtime.ImportModuleError', 'cannot find module'));

    const failure = client.registerBaseline({ model: 'fraud-detector', version: 12, profile });

    await expect(failure).rejects.toBeInstanceOf(MlopsError);
    await expect(failure).rejects.toMatchObject({ errorType: 'Runtime.ImportModuleError' });
  });

  it('fails with a configuration error when the needed function is not configured', async () => {
    const readOnly = new MonitoringClient({ functions: { queryMonitoring: 'query-monitoring-fn' }, lambda: lambdaClient });

    await expect(readOnly.collect({ monitor: 'fraud-live', records: [{ age: 1 }] })).rejects.toThrow(
      'no collectData function configured: pass functions.collectData',
    );
    await expect(readOnly.registerBaseline({ model: 'fraud-detector', version: 1, profile })).rejects.toBeInstanceOf(ConfigurationError);
    expect(invokes()).toHaveLength(0);
  });
});
