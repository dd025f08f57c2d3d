import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unpackPoints } from '../../../../lambda/experiments/adapters/packed-points';
import { keys, RECEIPT_TTL_DAYS } from '../../../../lambda/experiments/adapters/table-keys';
import { PUT_METRIC_DATA_LIMITS, requestBytes } from '../../../../lambda/experiments/core/cloudwatch-batching';
import { MAX_METRICS_PER_BATCH, MAX_PARAMS_PER_RUN, MAX_POINTS_PER_BATCH } from '../../../../lambda/experiments/core/schemas';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import {
  cloudWatchMock,
  dynamoMock,
  type FakeTable,
  inputsOf,
  invoke,
  REQUEST_ID,
  resetSdkMocks,
  sentCommands,
  thrownBy,
} from '../../handler-support/sdk-mocks';
import { EXPERIMENT, items, logMetricsScenarios, minutesAgo, NAMESPACE, RUN_ID, TABLE_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(logMetricsScenarios, name);

const transaction = (n = 0) => inputsOf('TransactWriteCommand')[n].TransactItems as Record<string, any>[];
const sentNames = () => sentCommands().map((command) => command.command);

/** The run's items besides the run itself: history and receipts. */
const batchItems = (table: FakeTable) => table.all().filter((item) => item.pk === `R#${RUN_ID}` && item.sk !== '#RUN');

describe('LogMetrics handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().experiments;
  });

  it.each(logMetricsScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))('%s: sends exactly %s', async (_, __, each) => {
    const { sent } = await runScenario('LogMetrics', each);

    expect(sent.map((command) => command.command)).toEqual(each.sends);
  });

  it("stores a batch in one transaction: the run's new state guarded by the revision it read, then one history item per metric in the order logged", async () => {
    const { result, fakes: tables } = await runScenario('LogMetrics', scenario('a batch of metrics, params and tags'));

    expect(result).toEqual({ runId: RUN_ID, status: 'RUNNING', revision: 1, accepted: 3, replayed: false, publishedToCloudWatch: true });
    const [run, loss, accuracy, ...others] = transaction();
    expect(others).toEqual([]);
    expect(run.Update).toMatchObject({
      TableName: TABLE_NAME,
      Key: keys.run(RUN_ID),
      ConditionExpression: 'revision = :expected',
      ExpressionAttributeValues: expect.objectContaining({ ':expected': 0, ':revision': 1, ':status': 'RUNNING' }),
    });
    expect(loss.Put).toEqual({ TableName: TABLE_NAME, Item: { ...keys.history(RUN_ID, 'loss', 1), points: expect.any(Uint8Array) } });
    expect(unpackPoints(loss.Put.Item)).toEqual([
      { step: 1, value: 0.5, timestamp: expect.any(Number) },
      { step: 2, value: 0.4, timestamp: expect.any(Number) },
    ]);
    expect(accuracy.Put.Item).toMatchObject(keys.history(RUN_ID, 'accuracy', 1));
    expect(unpackPoints(accuracy.Put.Item)).toEqual([{ step: 2, value: 0.8, timestamp: expect.any(Number) }]);
    const stored = tables.experiments.get(keys.run(RUN_ID))!;
    expect(stored).toMatchObject({
      revision: 1,
      params: { lr: '0.1' },
      tags: { phase: 'train' },
      metrics: { loss: { last: 0.4, lastStep: 2, min: 0.4, max: 0.5, count: 2 }, accuracy: { last: 0.8, lastStep: 2, count: 1 } },
      gsi2pk: 'RUNNING',
    });
    // The batch beat the run's heart, in the running index too.
    expect(stored.heartbeatAt > items.run().heartbeatAt).toBe(true);
    expect(stored.gsi2sk).toBe(stored.heartbeatAt);
  });

  it("sends the stored points to CloudWatch in the function's namespace, under the run's dimensions, a datum per metric and minute", async () => {
    await runScenario('LogMetrics', scenario('a batch of metrics, params and tags'));

    const [request, ...others] = inputsOf('PutMetricDataCommand');
    expect(others).toEqual([]);
    const dimensions = [
      { Name: 'Experiment', Value: EXPERIMENT },
      { Name: 'RunId', Value: RUN_ID },
    ];
    expect(request).toEqual({
      Namespace: NAMESPACE,
      MetricData: [
        { MetricName: 'loss', Dimensions: dimensions, Timestamp: expect.any(Date), Values: [0.5, 0.4], Counts: [1, 1] },
        { MetricName: 'accuracy', Dimensions: dimensions, Timestamp: expect.any(Date), Values: [0.8], Counts: [1] },
      ],
    });
  });

  it('claims the batch id in the same transaction, right after the run, with a receipt that expires', async () => {
    await runScenario('LogMetrics', scenario('a batch with a new batch id'));

    const [run, receipt] = transaction();
    expect(receipt.Put).toEqual({
      TableName: TABLE_NAME,
      Item: {
        ...keys.receipt(RUN_ID, 'batch-1'),
        batchId: 'batch-1',
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        revision: 1,
        points: 3,
        expiresAt: expect.any(Number),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(receipt.Put.Item.expiresAt).toBe(Math.floor(Date.parse(run.Update.ExpressionAttributeValues[':heartbeatAt']) / 1000) + RECEIPT_TTL_DAYS * 86_400);
  });

  it('replays a batch id: the first answer, no second copy of the history, no second send to CloudWatch', async () => {
    const { result, arranged, fakes: tables } = await runScenario('LogMetrics', scenario('a replayed batch id'));

    expect(result).toEqual({ runId: RUN_ID, status: 'RUNNING', revision: 1, accepted: 3, replayed: true, publishedToCloudWatch: false });
    expect(arranged.filter((command) => command.command === 'PutMetricDataCommand')).toHaveLength(1);
    expect(inputsOf('PutMetricDataCommand')).toEqual([]);
    expect(
      batchItems(tables.experiments)
        .map((item) => item.sk)
        .sort(),
    ).toEqual(['B#batch-1', 'M#accuracy#0000000001', 'M#loss#0000000001']);
    expect(tables.experiments.get(keys.run(RUN_ID))).toMatchObject({ revision: 1, metrics: { loss: { count: 2 } } });
  });

  it('replays a batch id on a run ended since, from its receipt', async () => {
    const { result } = await runScenario('LogMetrics', scenario('a replayed batch id on a run ended since'));

    expect(result).toMatchObject({ status: 'COMPLETED', revision: 1, replayed: true });
    expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual([keys.run(RUN_ID), keys.receipt(RUN_ID, 'batch-1'), keys.run(RUN_ID)]);
  });

  it('reads the run again and recomputes the batch when a concurrent batch moved it on', async () => {
    const { result } = await runScenario('LogMetrics', scenario('a lost race with a concurrent batch'));

    expect(result).toMatchObject({ revision: 2, replayed: false });
    expect(transaction(1)[0].Update.ExpressionAttributeValues).toMatchObject({ ':expected': 1, ':revision': 2 });
    expect(transaction(1)[1].Put.Item).toMatchObject(keys.history(RUN_ID, 'loss', 2));
  });

  it('stores params and tags alone, sending nothing to CloudWatch', async () => {
    const { result, fakes: tables } = await runScenario('LogMetrics', scenario('params and tags only, no metrics'));

    expect(result).toMatchObject({ accepted: 0, publishedToCloudWatch: true });
    expect(transaction()).toHaveLength(1);
    expect(tables.experiments.get(keys.run(RUN_ID))).toMatchObject({ params: { lr: '0.1' }, tags: { phase: 'train' }, revision: 1 });
  });

  it('keeps points too old for CloudWatch in the history without sending them', async () => {
    const { result, fakes: tables } = await runScenario('LogMetrics', scenario('points too old for CloudWatch, kept in the history only'));

    expect(result).toMatchObject({ accepted: 1 });
    expect(unpackPoints(tables.experiments.get(keys.history(RUN_ID, 'loss', 1))!).map(({ value }) => value)).toEqual([0.5]);
  });

  it('brings a crashed run back to RUNNING and into the running index, its end undone', async () => {
    const { result, fakes: tables } = await runScenario('LogMetrics', scenario('a batch reviving a crashed run'));

    expect(result).toMatchObject({ status: 'RUNNING', revision: 3 });
    const stored = tables.experiments.get(keys.run(RUN_ID))!;
    expect(stored).toMatchObject({ status: 'RUNNING', gsi2pk: 'RUNNING', gsi2sk: stored.heartbeatAt });
    expect(stored).not.toHaveProperty('endTime');
    expect(stored).not.toHaveProperty('reason');
  });

  it('still succeeds, the batch stored, when CloudWatch refuses the points', async () => {
    const { result, fakes: tables } = await runScenario('LogMetrics', scenario('CloudWatch refusing the points'));

    expect(result).toEqual({ runId: RUN_ID, status: 'RUNNING', revision: 1, accepted: 3, replayed: false, publishedToCloudWatch: false });
    expect(tables.experiments.get(keys.run(RUN_ID))).toMatchObject({ revision: 1, metrics: { loss: { count: 2 } } });
  });

  describe("within CloudWatch's PutMetricData limits", () => {
    /** Every request sent keeps to the documented limits and holds exactly the points given, grouped. */
    function expectWithinLimits(points: number): void {
      const requests = inputsOf('PutMetricDataCommand');
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        expect(request.Namespace).toBe(NAMESPACE);
        expect(request.MetricData.length).toBeLessThanOrEqual(PUT_METRIC_DATA_LIMITS.datumsPerRequest);
        expect(requestBytes(request.Namespace, request.MetricData)).toBeLessThanOrEqual(1_000_000);
        for (const datum of request.MetricData) {
          expect(datum.Values.length).toBeLessThanOrEqual(PUT_METRIC_DATA_LIMITS.valuesPerDatum);
          expect(datum.Counts).toHaveLength(datum.Values.length);
          expect(new Set(datum.Values).size).toBe(datum.Values.length);
          expect(datum.MetricName.length).toBeLessThanOrEqual(255);
          expect(datum.Timestamp.getTime()).toBeGreaterThan(Date.now() - 14 * 24 * 3600_000);
          expect(datum.Timestamp.getTime()).toBeLessThan(Date.now() + 2 * 3600_000);
        }
      }
      const sentPoints = requests
        .flatMap((request) => request.MetricData.flatMap((datum: { Counts: number[] }) => datum.Counts))
        .reduce((sum: number, count: number) => sum + count, 0);
      expect(sentPoints).toBe(points);
    }

    it('sends the largest batch the schema accepts (the longest names, a minute and a value per point) within the limits', async () => {
      const experiment = `e${'x'.repeat(199)}`;
      table.put(items.run({ experiment }));
      const names = Array.from({ length: MAX_METRICS_PER_BATCH }, (_, n) => `${n}_${'m'.repeat(250)}`.slice(0, 250));
      const start = Date.now() - 13 * 24 * 3600_000;
      const metrics = Array.from({ length: MAX_POINTS_PER_BATCH }, (_, n) => ({
        name: names[n % names.length],
        value: -1.2345678901234567e-100 * (n + 1),
        step: n,
        timestamp: start + n * 60_000,
      }));

      const result = await invoke('LogMetrics', { runId: RUN_ID, metrics });

      expect(result).toMatchObject({ accepted: MAX_POINTS_PER_BATCH, publishedToCloudWatch: true });
      expectWithinLimits(MAX_POINTS_PER_BATCH);
    });

    it('splits a burst of distinct values of one metric in one minute into datums of at most 150 values', async () => {
      table.put(items.run());
      const now = Date.now();
      const metrics = Array.from({ length: MAX_POINTS_PER_BATCH }, (_, n) => ({ name: 'loss', value: n / 1000, step: n, timestamp: now }));

      await invoke('LogMetrics', { runId: RUN_ID, metrics });

      expectWithinLimits(MAX_POINTS_PER_BATCH);
      expect(inputsOf('PutMetricDataCommand').flatMap((request) => request.MetricData)).toHaveLength(Math.ceil(MAX_POINTS_PER_BATCH / 150));
    });

    it("keeps values CloudWatch rejects (below 2^-360 in magnitude, which DynamoDB stores) out of the request, so the batch's other points still reach it", async () => {
      table.put(items.run());
      const metrics = [
        { name: 'loss', value: 0.5, step: 1 },
        { name: 'gradient_norm', value: 1e-120, step: 1 },
      ];

      const result = await invoke('LogMetrics', { runId: RUN_ID, metrics });

      expect(result).toMatchObject({ accepted: 2, publishedToCloudWatch: true });
      expect(inputsOf('PutMetricDataCommand').flatMap((request) => request.MetricData.flatMap((datum: { Values: number[] }) => datum.Values))).toEqual([0.5]);
      expect(unpackPoints(table.get(keys.history(RUN_ID, 'gradient_norm', 1))!).map(({ value }) => value)).toEqual([1e-120]);
    });
  });

  describe('refused batches write nothing and send nothing to CloudWatch', () => {
    afterEach(() => {
      expect(inputsOf('TransactWriteCommand')).toEqual([]);
      expect(cloudWatchMock.calls()).toHaveLength(0);
      expect(batchItems(table)).toEqual([]);
    });

    it('fails with ValidationError naming every bad field by path, sending no SDK command', async () => {
      const error = await thrownBy(
        invoke('LogMetrics', {
          runId: 'RUN-1',
          metrics: [
            { name: 'loss!', value: 0.5 },
            { name: 'loss', value: '0.4' },
            { name: 'loss', value: 1, step: -1 },
          ],
          batchId: 'has space',
        }),
      );

      expect(error.name).toBe('ValidationError');
      for (const path of ['runId', 'metrics[0].name', 'metrics[1].value', 'metrics[2].step', 'batchId'])
        expect(error.message).toMatch(new RegExp(`(^|; )${path.replace(/[[\].]/g, '\\$&')}: `));
      expect(sentCommands()).toEqual([]);
    });

    it('fails with ValidationError at metrics for a batch over the point limit, sending no SDK command', async () => {
      const metrics = Array.from({ length: MAX_POINTS_PER_BATCH + 1 }, (_, step) => ({ name: 'loss', value: 1, step }));

      const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, metrics }));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`metrics: must hold at most ${MAX_POINTS_PER_BATCH} points; split the batch`);
      expect(sentCommands()).toEqual([]);
    });

    it('fails with NotFoundError for a run that does not exist', async () => {
      const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, metrics: [{ name: 'loss', value: 1 }] }));

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(`run ${RUN_ID} does not exist`);
      expect(sentNames()).toEqual(['GetCommand']);
    });

    it('fails with ConflictError naming the param by path when a batch changes a param the run has', async () => {
      table.put(items.run({ params: { lr: '0.1', epochs: '10' } }));

      const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, metrics: [{ name: 'loss', value: 1 }], params: { lr: '0.2', epochs: '10' } }));

      expect(error.name).toBe('ConflictError');
      expect(error.message).toBe('params.lr: is "0.1" already, not "0.2" (params are write-once)');
      expect(sentNames()).toEqual(['GetCommand']);
    });

    it.each(['COMPLETED', 'FAILED', 'KILLED'] as const)('fails with ConflictError for a run that ended %s', async (status) => {
      table.put(items.run({ status, endTime: minutesAgo(1) }));

      const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, metrics: [{ name: 'loss', value: 1 }] }));

      expect(error.name).toBe('ConflictError');
      expect(error.message).toBe(`run ${RUN_ID} is ${status}; it takes no more metrics`);
      expect(sentNames()).toEqual(['GetCommand']);
    });

    it('fails with ValidationError at params when the batch would take the run over its param limit', async () => {
      const params = Object.fromEntries(Array.from({ length: MAX_PARAMS_PER_RUN }, (_, n) => [`p${n}`, 'x']));
      table.put(items.run({ params }));

      const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, params: { one_more: 'x' } }));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`params: the run would hold ${MAX_PARAMS_PER_RUN + 1} distinct params, over its limit of ${MAX_PARAMS_PER_RUN}`);
    });
  });

  it('fails with ValidationError at metrics, writing nothing, when the run would grow past what its one DynamoDB item holds', async () => {
    // Within every count limit: 100 params of 1,000 characters under 250-character names, 150 metrics, 98 more.
    const longName = (prefix: string, n: number) => `${prefix}${String(n).padStart(3, '0')}`.padEnd(250, 'x');
    const params = Object.fromEntries(Array.from({ length: MAX_PARAMS_PER_RUN }, (_, n) => [longName('p', n), 'v'.repeat(1000)]));
    const summary = { last: 1, lastStep: 0, lastTimestamp: 1, min: 1, max: 1, count: 1 };
    const metrics = Object.fromEntries(Array.from({ length: 150 }, (_, n) => [longName('m', n), summary]));
    table.put(items.run({ params, metrics }));

    const error = await thrownBy(
      invoke('LogMetrics', { runId: RUN_ID, metrics: Array.from({ length: MAX_METRICS_PER_BATCH }, (_, n) => ({ name: longName('n', n), value: 1 })) }),
    );

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^metrics: the run would take \d+ bytes of params, tags and metric names as stored, over its limit of 358400/);
    expect(inputsOf('TransactWriteCommand')).toEqual([]);
  });

  it('fails with ConflictError when a batch id is reused for a different batch of an ended run', async () => {
    table.put(items.run({ status: 'COMPLETED', endTime: minutesAgo(1) }), {
      ...keys.receipt(RUN_ID, 'batch-1'),
      batchId: 'batch-1',
      fingerprint: '0'.repeat(64),
      revision: 1,
      points: 1,
    });

    const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, batchId: 'batch-1', metrics: [{ name: 'loss', value: 1 }] }));

    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(`batchId "batch-1" was already used for a different batch of run ${RUN_ID}`);
    expect(inputsOf('TransactWriteCommand')).toEqual([]);
    expect(cloudWatchMock.calls()).toHaveLength(0);
  });

  it('fails with ConflictError when a batch id is reused for a different batch, leaving the run as the first batch left it', async () => {
    table.put(items.run());
    await invoke('LogMetrics', { runId: RUN_ID, batchId: 'batch-1', metrics: [{ name: 'loss', value: 1 }] });
    cloudWatchMock.resetHistory();

    const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, batchId: 'batch-1', metrics: [{ name: 'loss', value: 2 }] }));

    expect(error.name).toBe('ConflictError');
    expect(table.get(keys.run(RUN_ID))).toMatchObject({ revision: 1, metrics: { loss: { last: 1, count: 1 } } });
    expect(cloudWatchMock.calls()).toHaveLength(0);
  });

  it('fails with InternalError naming the request id, sending nothing to CloudWatch, when the transaction fails', async () => {
    table.put(items.run());
    dynamoMock.on(TransactWriteCommand).rejects(
      new DynamoDBServiceException({
        name: 'ProvisionedThroughputExceededException',
        message: `Throughput exceeds the capacity of ${TABLE_NAME}`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await thrownBy(invoke('LogMetrics', { runId: RUN_ID, metrics: [{ name: 'loss', value: 1 }] }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/Throughput|experiments-table/);
    expect(cloudWatchMock.commandCalls(PutMetricDataCommand)).toHaveLength(0);
    expect(table.get(keys.run(RUN_ID))).toMatchObject({ revision: 0 });
  });
});
