import { PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { MAX_COLLECTED_BYTES, MAX_COLLECTED_RECORDS } from '../../../../lambda/monitoring/core/schemas';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import {
  FUNCTION_ENVIRONMENT,
  inputsOf,
  invoke,
  type PlatformFakes,
  REQUEST_ID,
  resetSdkMocks,
  s3Mock,
  sentCommands,
  thrownBy,
} from '../../handler-support/sdk-mocks';
import { collectDataScenarios, freezeDate, INFERENCE_TIME, MONITOR, MONITORING_BUCKET, STABLE, storedState } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(collectDataScenarios, name);

const BATCH_KEY = `collected/${MONITOR}/2026/06/01/11/batch-7.jsonl`;

/** The lines of a stored capture file, parsed; it ends with a newline, as JSON Lines files do. */
function linesOf(body: string): unknown[] {
  expect(body.endsWith('\n')).toBe(true);
  return body
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('CollectData handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('stores a batch as one capture file in the hour folder of its inference time, named by its batch id', async () => {
    const { result, fakes } = await runScenario('CollectData', scenario('a batch with its id and inference time'));

    expect(result).toEqual({ monitor: MONITOR, records: 10, key: BATCH_KEY });
    expect(fakes.s3.keys(MONITORING_BUCKET)).toEqual([BATCH_KEY]);
    expect(inputsOf('PutObjectCommand')).toEqual([
      { Bucket: MONITORING_BUCKET, Key: BATCH_KEY, Body: expect.any(String), ContentType: 'application/jsonlines', IfNoneMatch: '*' },
    ]);
  });

  it("writes each record as a line in SageMaker's capture format: its input as JSON, an event id from the batch id and index, the inference time", async () => {
    const { fakes } = await runScenario('CollectData', scenario('a batch with its id and inference time'));

    const lines = linesOf(fakes.s3.get(MONITORING_BUCKET, BATCH_KEY)!);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toEqual({
      captureData: { endpointInput: { observedContentType: 'application/json', encoding: 'JSON', data: JSON.stringify(STABLE[0]) } },
      eventMetadata: { eventId: 'batch-7-0', inferenceTime: INFERENCE_TIME },
      eventVersion: '0',
    });
    expect(lines.map((line: any) => JSON.parse(line.captureData.endpointInput.data))).toEqual(STABLE.slice(0, 10));
    expect(lines.map((line: any) => line.eventMetadata.eventId)).toEqual(Array.from({ length: 10 }, (_, index) => `batch-7-${index}`));
  });

  it("counts the records in RecordsCollected, in the function's namespace, by monitor, stamped with the inference time", async () => {
    await runScenario('CollectData', scenario('a batch with its id and inference time'));

    expect(inputsOf('PutMetricDataCommand')).toEqual([
      {
        Namespace: FUNCTION_ENVIRONMENT.MONITORING_METRICS_NAMESPACE,
        MetricData: [
          { MetricName: 'RecordsCollected', Dimensions: [{ Name: 'Monitor', Value: MONITOR }], Timestamp: new Date(INFERENCE_TIME), Value: 10, Unit: 'Count' },
        ],
      },
    ]);
  });

  it('files a batch without an inference time under the hour of the call, with a new id, and stamps its lines and metric with the time of the call', async () => {
    const now = '2026-06-02T08:45:12.345Z';
    freezeDate(now);

    const { result, fakes } = await runScenario('CollectData', scenario('a batch of records'));

    const [key, ...others] = fakes.s3.keys(MONITORING_BUCKET);
    expect(others).toEqual([]);
    expect(key).toMatch(new RegExp(`^collected/${MONITOR}/2026/06/02/08/[0-9a-f-]{36}\\.jsonl$`));
    expect(result).toEqual({ monitor: MONITOR, records: 10, key });
    const fileId = key.slice(key.lastIndexOf('/') + 1, -'.jsonl'.length);
    const lines = linesOf(fakes.s3.get(MONITORING_BUCKET, key)!) as any[];
    expect(lines.map((line) => line.eventMetadata)).toEqual(Array.from({ length: 10 }, (_, index) => ({ eventId: `${fileId}-${index}`, inferenceTime: now })));
    expect(inputsOf('PutMetricDataCommand')[0].MetricData[0]).toMatchObject({ Timestamp: new Date(now), Value: 10 });
  });

  it('files a batch under the UTC hour of an inference time given with an offset', async () => {
    const result = await invoke('CollectData', {
      monitor: MONITOR,
      records: STABLE.slice(0, 2),
      batchId: 'batch-8',
      inferenceTime: '2026-06-01T23:30:00+02:00',
    });

    expect(result).toMatchObject({ key: `collected/${MONITOR}/2026/06/01/21/batch-8.jsonl` });
    const lines = linesOf(fakes.s3.get(MONITORING_BUCKET, `collected/${MONITOR}/2026/06/01/21/batch-8.jsonl`)!) as any[];
    expect(lines[0].eventMetadata.inferenceTime).toBe('2026-06-01T21:30:00.000Z');
  });

  it('stores a retried batch once: the conditional write finds the first file, nothing is counted again, and the answer is the same', async () => {
    const { result, arranged, sent, fakes } = await runScenario('CollectData', scenario('a retried batch'));

    expect(result).toEqual({ monitor: MONITOR, records: 10, key: BATCH_KEY });
    expect(arranged.filter((command) => command.command === 'PutMetricDataCommand')).toHaveLength(1);
    expect(sent.map((command) => command.command)).toEqual(['PutObjectCommand']);
    expect(sent[0].input).toMatchObject({ Key: BATCH_KEY, IfNoneMatch: '*' });
    expect(fakes.s3.keys(MONITORING_BUCKET)).toEqual([BATCH_KEY]);
    const firstWrite = arranged.find((command) => command.command === 'PutObjectCommand')!.input.Body;
    expect(fakes.s3.get(MONITORING_BUCKET, BATCH_KEY)).toBe(firstWrite);
  });

  it('keeps the first write when a retry of the batch carries other records: the first write stands', async () => {
    const batch = { monitor: MONITOR, batchId: 'batch-7', inferenceTime: INFERENCE_TIME };
    await invoke('CollectData', { ...batch, records: STABLE.slice(0, 10) });
    const first = fakes.s3.get(MONITORING_BUCKET, BATCH_KEY);

    await invoke('CollectData', { ...batch, records: STABLE.slice(10, 15) });

    expect(fakes.s3.get(MONITORING_BUCKET, BATCH_KEY)).toBe(first);
    expect(inputsOf('PutMetricDataCommand').map((input) => input.MetricData[0].Value)).toEqual([10]);
  });

  it('treats a concurrent conditional write of the same file (409) as a retry: nothing counted', async () => {
    s3Mock.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'ConditionalRequestConflict',
        message: 'A conflicting conditional operation is in progress',
        $fault: 'client',
        $metadata: { httpStatusCode: 409 },
      }),
    );

    const result = await invoke('CollectData', { monitor: MONITOR, records: STABLE.slice(0, 10), batchId: 'batch-7', inferenceTime: INFERENCE_TIME });

    expect(result).toEqual({ monitor: MONITOR, records: 10, key: BATCH_KEY });
    expect(inputsOf('PutMetricDataCommand')).toEqual([]);
  });

  it('stores the same batch id again under another hour: a batch is one file per id and inference hour', async () => {
    await invoke('CollectData', { monitor: MONITOR, records: STABLE.slice(0, 10), batchId: 'batch-7', inferenceTime: INFERENCE_TIME });

    await invoke('CollectData', { monitor: MONITOR, records: STABLE.slice(0, 10), batchId: 'batch-7', inferenceTime: '2026-06-01T12:30:00.000Z' });

    expect(fakes.s3.keys(MONITORING_BUCKET)).toEqual([BATCH_KEY, `collected/${MONITOR}/2026/06/01/12/batch-7.jsonl`]);
    expect(inputsOf('PutMetricDataCommand')).toHaveLength(2);
  });

  it('fails with InternalError, counting nothing, when S3 refuses the write', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejects(new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

    const error = await thrownBy(invoke('CollectData', { monitor: MONITOR, records: STABLE.slice(0, 10), batchId: 'batch-7', inferenceTime: INFERENCE_TIME }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toContain('AccessDenied');
    expect(inputsOf('PutMetricDataCommand')).toEqual([]);
  });

  describe('refusing invalid batches', () => {
    const valid = { monitor: MONITOR, records: STABLE.slice(0, 2), batchId: 'batch-7', inferenceTime: INFERENCE_TIME };

    it.each([
      ['no records', { ...valid, records: [] }, /^records: Too small: expected array to have >=1 items$/],
      [
        `more than ${MAX_COLLECTED_RECORDS} records`,
        { ...valid, records: Array.from({ length: MAX_COLLECTED_RECORDS + 1 }, () => ({ age: 40 })) },
        /^records: Too big: expected array to have <=10000 items$/,
      ],
      ['a monitor name with a space', { ...valid, monitor: 'churn prod' }, /^monitor: must start with a letter or digit/],
      ['a monitor name longer than 64 characters', { ...valid, monitor: 'm'.repeat(65) }, /^monitor: /],
      [
        'a non-finite value',
        { ...valid, records: [STABLE[0], { ...STABLE[1], income: Number.POSITIVE_INFINITY }] },
        /^records\[1\]\.income: Invalid input: expected number, received Infinity$/,
      ],
      ['NaN', { ...valid, records: [{ age: Number.NaN }] }, /^records\[0\]\.age: Invalid input: expected number, received NaN$/],
      ['a nested object as a value', { ...valid, records: [{ age: { years: 40 } }] }, /^records\[0\]\.age: /],
      ['an empty feature name', { ...valid, records: [{ '': 1 }] }, /^records\[0\]\.: Too small: expected string to have >=1 characters$/],
      ['an inference time that is not ISO 8601', { ...valid, inferenceTime: '01/06/2026 11:30' }, /^inferenceTime: /],
      ['a batch id with a slash', { ...valid, batchId: '../other-monitor/batch' }, /^batchId: must hold only letters, digits/],
      ['an unknown field', { ...valid, endpoint: 'churn' }, /^endpoint: is not a known field$/],
      ['no monitor', { records: valid.records }, /^monitor: /],
    ])('fails with ValidationError for %s, writing and counting nothing', async (_, request, message) => {
      const error = await thrownBy(invoke('CollectData', request));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(sentCommands()).toEqual([]);
      expect(storedState(fakes).monitoringBucket).toEqual({});
    });

    it('fails with ValidationError naming every bad field of a batch at once', async () => {
      const error = await thrownBy(
        invoke('CollectData', { monitor: 'churn/prod', records: [{ age: 40 }, { age: Number.NEGATIVE_INFINITY }], batchId: 'a b', inferenceTime: 'yesterday' }),
      );

      expect(error.name).toBe('ValidationError');
      const paths = error.message.split('; ').map((issue) => issue.slice(0, issue.indexOf(': ')));
      expect(paths.sort()).toEqual(['batchId', 'inferenceTime', 'monitor', 'records[1].age']);
      expect(sentCommands()).toEqual([]);
    });

    it(`fails with ValidationError for a batch over ${MAX_COLLECTED_BYTES} bytes, asking to split it, writing nothing`, async () => {
      // 1100 records of five 1000-character strings: within the record count, over the byte limit.
      const record = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((name) => [name, name.repeat(1000)]));
      const request = { ...valid, records: Array.from({ length: 1100 }, () => record) };
      expect(Buffer.byteLength(JSON.stringify(request))).toBeGreaterThan(MAX_COLLECTED_BYTES);

      const error = await thrownBy(invoke('CollectData', request));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`payload: must serialize to at most ${MAX_COLLECTED_BYTES} bytes; split the batch`);
      expect(sentCommands()).toEqual([]);
      expect(storedState(fakes).monitoringBucket).toEqual({});
    });

    it('counts bytes, not characters, against the limit: a batch of multi-byte text over it is refused', async () => {
      // 1.8 million characters of three bytes each: under the limit in characters, 5.4 MB in UTF-8.
      const record = Object.fromEntries(['a', 'b'].map((name) => [name, '\u20ac'.repeat(1000)]));
      const request = { ...valid, records: Array.from({ length: 900 }, () => record) };
      expect(JSON.stringify(request).length).toBeLessThan(MAX_COLLECTED_BYTES);
      expect(Buffer.byteLength(JSON.stringify(request))).toBeGreaterThan(MAX_COLLECTED_BYTES);

      const error = await thrownBy(invoke('CollectData', request));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(/^payload: must serialize to at most/);
      expect(sentCommands()).toEqual([]);
    });
  });
});
