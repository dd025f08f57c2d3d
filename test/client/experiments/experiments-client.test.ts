import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ActiveRun } from '../../../client/experiments/active-run';
import { TrackingClient } from '../../../client/experiments/experiments-client';
import { ConfigurationError, ConflictError, InternalError, MlopsError, NotFoundError, ValidationError } from '../../../client/shared/errors';
import type { RunRecord } from '../../../lambda/experiments/core/model';
import { runRecord as baseRunRecord } from '../../support/run-record';
import { functionError, functionResult, sentPayload } from '../shared/lambda-responses';

const lambdaClient = new LambdaClient({ region: 'us-east-1' });
const lambda = mockClient(lambdaClient);
const functions = { startRun: 'start-fn', logMetrics: 'log-fn', endRun: 'end-fn', queryRuns: 'query-fn', sweepRuns: 'sweep-fn' };
const client = new TrackingClient({ functions, lambda: lambdaClient, retry: { sleep: async () => undefined } });

const runId = (digit: string) => digit.repeat(32);
const RUN_ID = runId('a');

const runRecord = (overrides: Partial<RunRecord> = {}): RunRecord => baseRunRecord({ runId: RUN_ID, ...overrides });

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });
const invokes = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
const payloads = () => invokes().map(sentPayload);

beforeEach(() => {
  lambda.reset();
  // The runs startRun returns set (unref'd) heartbeat timers; keep them off the real clock.
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('TrackingClient.startRun', () => {
  it('starts the run with a generated client token and returns it active', async () => {
    // Arrange
    lambda.on(InvokeCommand).resolves(functionResult(runRecord()));

    // Act
    const run = await client.startRun({ experiment: 'churn', params: { lr: '0.01' } });

    // Assert
    expect(run).toBeInstanceOf(ActiveRun);
    expect(run.runId).toBe(RUN_ID);
    expect(run.run).toEqual(runRecord());
    expect(invokes()[0]).toMatchObject({ FunctionName: 'start-fn', InvocationType: 'RequestResponse' });
    expect(payloads()).toEqual([{ experiment: 'churn', params: { lr: '0.01' }, tags: {}, clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
  });

  it('retries after throttling with the same client token, so no second run starts', async () => {
    lambda.on(InvokeCommand).rejectsOnce(throttled()).resolves(functionResult(runRecord()));

    await client.startRun({ experiment: 'churn' });

    const [first, retry] = payloads() as { clientToken: string }[];
    expect(payloads()).toHaveLength(2);
    expect(retry.clientToken).toBe(first.clientToken);
  });

  it('keeps the client token given', async () => {
    lambda.on(InvokeCommand).resolves(functionResult(runRecord()));

    await client.startRun({ experiment: 'churn', clientToken: 'job-42' });

    expect(payloads()[0]).toMatchObject({ clientToken: 'job-42' });
  });

  it('passes the active run options on', async () => {
    lambda.on(InvokeCommand).resolves(functionResult(runRecord()));

    const run = await client.startRun({ experiment: 'churn' }, { flushPoints: 1 });
    run.log({ loss: 1 });
    await jest.advanceTimersByTimeAsync(0);

    expect(invokes().map((input) => input.FunctionName)).toEqual(['start-fn', 'log-fn']);
  });

  it('fails client-side on a bad request and invokes nothing', async () => {
    const failure = client.startRun({ experiment: ' churn', gitCommit: 'not-a-commit' });

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(/^experiment: must not start or end with spaces; gitCommit: must be a git commit id/);
    expect(invokes()).toHaveLength(0);
  });
});

describe('TrackingClient.logMetrics and endRun', () => {
  const result = { runId: RUN_ID, status: 'RUNNING', revision: 2, accepted: 1, replayed: false, publishedToCloudWatch: true };

  it('sends a batch as given, with the schema defaults filled', async () => {
    lambda.on(InvokeCommand).resolves(functionResult(result));

    const answer = await client.logMetrics({ runId: RUN_ID, batchId: 'b-1', metrics: [{ name: 'loss', value: 0.5 }] });

    expect(answer).toEqual(result);
    expect(invokes()[0].FunctionName).toBe('log-fn');
    expect(payloads()).toEqual([{ runId: RUN_ID, batchId: 'b-1', metrics: [{ name: 'loss', value: 0.5, step: 0 }], params: {}, tags: {} }]);
  });

  it('retries a batch that has a batch id after throttling', async () => {
    lambda.on(InvokeCommand).rejectsOnce(throttled()).resolves(functionResult(result));

    await client.logMetrics({ runId: RUN_ID, batchId: 'b-1', metrics: [{ name: 'loss', value: 0.5 }] });

    expect(invokes()).toHaveLength(2);
  });

  it('fails without retrying a batch that has no batch id: a retry could store its points twice', async () => {
    lambda.on(InvokeCommand).rejects(throttled());

    await expect(client.logMetrics({ runId: RUN_ID, metrics: [{ name: 'loss', value: 0.5 }] })).rejects.toThrow('Rate exceeded');
    expect(invokes()).toHaveLength(1);
  });

  it('fails client-side on a batch over the limits, telling to split it', async () => {
    const metrics = Array.from({ length: 1001 }, (_, step) => ({ name: 'loss', value: 1, step }));

    await expect(client.logMetrics({ runId: RUN_ID, metrics })).rejects.toThrow('metrics: must hold at most 1000 points; split the batch');
    expect(invokes()).toHaveLength(0);
  });

  it('ends a run, retrying after throttling (ending again with the same status changes nothing)', async () => {
    lambda
      .on(InvokeCommand)
      .rejectsOnce(throttled())
      .resolves(functionResult(runRecord({ status: 'KILLED' })));

    const run = await client.endRun({ runId: RUN_ID, status: 'KILLED', reason: 'SIGTERM' });

    expect(run.status).toBe('KILLED');
    expect(invokes().map((input) => input.FunctionName)).toEqual(['end-fn', 'end-fn']);
    expect(payloads()[0]).toEqual({ runId: RUN_ID, status: 'KILLED', reason: 'SIGTERM' });
  });
});

describe('TrackingClient errors', () => {
  it.each([
    ['ValidationError', ValidationError],
    ['NotFoundError', NotFoundError],
    ['ConflictError', ConflictError],
    ['InternalError', InternalError],
  ] as const)('fails with the typed error for a function %s, keeping its message', async (errorType, errorClass) => {
    lambda.on(InvokeCommand).resolves(functionError(errorType, 'what went wrong'));

    const failure = client.getRun(RUN_ID);

    await expect(failure).rejects.toBeInstanceOf(errorClass);
    await expect(failure).rejects.toMatchObject({ errorType, message: 'what went wrong' });
  });

  it('fails with a MlopsError carrying the runtime error type when the function did not answer', async () => {
    lambda.on(InvokeCommand).resolves(functionError('Runtime.ImportModuleError', 'cannot find module'));

    const failure = client.endRun({ runId: RUN_ID, status: 'COMPLETED' });

    await expect(failure).rejects.toBeInstanceOf(MlopsError);
    await expect(failure).rejects.toMatchObject({ errorType: 'Runtime.ImportModuleError' });
  });

  it('fails client-side on a bad run id', async () => {
    await expect(client.getRun('run-1')).rejects.toThrow('runId: must be a run id: 32 lowercase hex digits');
    expect(invokes()).toHaveLength(0);
  });

  it('fails with a configuration error when the needed function is not configured', async () => {
    const readOnly = new TrackingClient({ functions: { queryRuns: 'query-fn' }, lambda: lambdaClient });

    await expect(readOnly.startRun({ experiment: 'churn' })).rejects.toThrow('no startRun function configured: pass functions.startRun');
    await expect(readOnly.sweepRuns()).rejects.toBeInstanceOf(ConfigurationError);
    expect(invokes()).toHaveLength(0);
  });
});

describe('TrackingClient queries', () => {
  it('gets a run from the query function', async () => {
    lambda.on(InvokeCommand).resolves(functionResult(runRecord()));

    const run = await client.getRun(RUN_ID);

    expect(run).toEqual(runRecord());
    expect(invokes()[0].FunctionName).toBe('query-fn');
    expect(payloads()).toEqual([{ query: 'getRun', runId: RUN_ID }]);
  });

  it('gets several runs in the order given, asking for at most 100 at a time', async () => {
    const ids = Array.from({ length: 150 }, (_, index) => index.toString(16).padStart(32, '0'));
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult({ runs: ids.slice(0, 100).map((id) => runRecord({ runId: id })) }))
      .resolvesOnce(functionResult({ runs: ids.slice(100).map((id) => runRecord({ runId: id })) }));

    const runs = await client.getRuns(ids);

    expect(runs.map((run) => run.runId)).toEqual(ids);
    expect(payloads()).toEqual([
      { query: 'getRuns', runIds: ids.slice(0, 100) },
      { query: 'getRuns', runIds: ids.slice(100) },
    ]);
  });

  it('gets no runs without invoking when given no ids', async () => {
    expect(await client.getRuns([])).toEqual([]);
    expect(invokes()).toHaveLength(0);
  });

  it('lists one page of runs with the filter and paging given', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ items: [runRecord()], nextToken: 'next' }));

    const page = await client.listRuns('churn', { status: 'RUNNING', limit: 10, nextToken: 'token-1' });

    expect(page).toEqual({ items: [runRecord()], nextToken: 'next' });
    expect(payloads()).toEqual([{ query: 'listRuns', experiment: 'churn', status: 'RUNNING', limit: 10, nextToken: 'token-1' }]);
  });

  it('lists experiments', async () => {
    const experiment = { name: 'churn', createdAt: '2026-03-01T00:00:00Z', lastRunAt: '2026-03-02T00:00:00Z', runCount: 3 };
    lambda.on(InvokeCommand).resolves(functionResult({ items: [experiment] }));

    const page = await client.listExperiments();

    expect(page.items).toEqual([experiment]);
    expect(payloads()).toEqual([{ query: 'listExperiments', limit: 25 }]);
  });

  it('iterates over every run of an experiment, page after page', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult({ items: [runRecord({ runId: runId('3') }), runRecord({ runId: runId('2') })], nextToken: 'page-2' }))
      .resolvesOnce(functionResult({ items: [runRecord({ runId: runId('1') })] }));

    const ids: string[] = [];
    for await (const run of client.runs('churn', { status: 'COMPLETED' })) ids.push(run.runId);

    expect(ids).toEqual([runId('3'), runId('2'), runId('1')]);
    expect(payloads()).toEqual([
      { query: 'listRuns', experiment: 'churn', status: 'COMPLETED', limit: 100 },
      { query: 'listRuns', experiment: 'churn', status: 'COMPLETED', limit: 100, nextToken: 'page-2' },
    ]);
  });

  it('reads a metric’s whole history in order, following the pages', async () => {
    const point = (step: number) => ({ step, value: step / 10, timestamp: 1_772_366_400_000 + step });
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult({ runId: RUN_ID, metric: 'loss', items: [point(0), point(1)], nextToken: 'page-2' }))
      .resolvesOnce(functionResult({ runId: RUN_ID, metric: 'loss', items: [point(2)] }));

    const history = await client.metricHistory(RUN_ID, 'loss');

    expect(history).toEqual([point(0), point(1), point(2)]);
    expect(payloads()).toEqual([
      { query: 'metricHistory', runId: RUN_ID, metric: 'loss', limit: 10_000 },
      { query: 'metricHistory', runId: RUN_ID, metric: 'loss', limit: 10_000, nextToken: 'page-2' },
    ]);
  });

  it('retries a query after throttling', async () => {
    lambda
      .on(InvokeCommand)
      .rejectsOnce(throttled())
      .resolves(functionResult({ items: [] }));

    await client.listExperiments();

    expect(invokes()).toHaveLength(2);
  });
});

describe('TrackingClient.sweepRuns', () => {
  it('invokes the sweep with an empty event and returns what it did', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ crashed: [RUN_ID], running: 2 }));

    const result = await client.sweepRuns();

    expect(result).toEqual({ crashed: [RUN_ID], running: 2 });
    expect(invokes()[0].FunctionName).toBe('sweep-fn');
    expect(payloads()).toEqual([{}]);
  });
});
