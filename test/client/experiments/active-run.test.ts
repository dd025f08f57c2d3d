import { InvokeCommand, type InvokeCommandInput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ActiveRun, ActiveRunOptions } from '../../../client/experiments/active-run';
import { TrackingClient } from '../../../client/experiments/experiments-client';
import { ConfigurationError, ConflictError, ValidationError } from '../../../client/shared/errors';
import type { RunRecord } from '../../../lambda/experiments/core/model';
import { runRecord as baseRunRecord } from '../../support/run-record';
import { functionError, functionResult, sentPayload } from '../shared/lambda-responses';

const lambdaClient = new LambdaClient({ region: 'us-east-1' });
const lambda = mockClient(lambdaClient);
const functions = { startRun: 'start-fn', logMetrics: 'log-fn', endRun: 'end-fn', queryRuns: 'query-fn', sweepRuns: 'sweep-fn' };
const client = new TrackingClient({ functions, lambda: lambdaClient, retry: { maxAttempts: 3, sleep: async () => undefined } });

const NOW = Date.parse('2026-03-01T12:00:00Z');
const RUN_ID = 'a'.repeat(32);

const runRecord = (overrides: Partial<RunRecord> = {}): RunRecord =>
  baseRunRecord({ runId: RUN_ID, startTime: new Date(NOW).toISOString(), heartbeatAt: new Date(NOW).toISOString(), ...overrides });

const logResult = (accepted = 1) => functionResult({ runId: RUN_ID, status: 'RUNNING', revision: 1, accepted, replayed: false, publishedToCloudWatch: true });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });

const invokes = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
const logCalls = () => invokes().filter((input: InvokeCommandInput) => input.FunctionName === 'log-fn');
type SentBatch = { runId: string; batchId?: string; metrics: { name: string; value: number; step: number; timestamp: number }[]; params: object; tags: object };
const sentBatches = () => logCalls().map((input) => sentPayload(input) as SentBatch);

/** Lets the promises the flush chain is waiting on settle, without moving the clock. */
const settle = () => jest.advanceTimersByTimeAsync(0);

/** A run to log to; background failures are ignored unless a test listens. */
const attach = (options: ActiveRunOptions = {}, run: RunRecord = runRecord()): ActiveRun => client.attachRun(run, { onError: () => undefined, ...options });

beforeEach(() => {
  lambda.reset();
  lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).resolves(logResult());
  lambda.on(InvokeCommand, { FunctionName: 'end-fn' }).resolves(functionResult(runRecord({ status: 'COMPLETED' })));
  jest.useFakeTimers({ now: NOW });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('ActiveRun buffering', () => {
  it('buffers points without invoking until flushPoints are buffered, then sends them as one batch', async () => {
    // Arrange
    const run = attach({ flushPoints: 3 });

    // Act
    run.log({ loss: 0.9 });
    run.log({ loss: 0.7 });
    await settle();
    const before = logCalls().length;
    run.log({ loss: 0.5 });
    await settle();

    // Assert
    expect(before).toBe(0);
    expect(sentBatches()).toEqual([
      {
        runId: RUN_ID,
        batchId: expect.stringMatching(/^[0-9a-f]{8}-1$/),
        metrics: [
          { name: 'loss', value: 0.9, step: 0, timestamp: NOW },
          { name: 'loss', value: 0.7, step: 1, timestamp: NOW },
          { name: 'loss', value: 0.5, step: 2, timestamp: NOW },
        ],
        params: {},
        tags: {},
      },
    ]);
  });

  it('flushes buffered points once flushIntervalMs has passed since the first was buffered', async () => {
    const run = attach({ flushIntervalMs: 5000 });

    run.log({ loss: 0.9 });
    await jest.advanceTimersByTimeAsync(2000);
    run.log({ loss: 0.8 });
    await jest.advanceTimersByTimeAsync(2999);
    const before = logCalls().length;
    await jest.advanceTimersByTimeAsync(1);

    expect(before).toBe(0);
    expect(sentBatches()).toHaveLength(1);
    expect(sentBatches()[0].metrics.map((point) => [point.value, point.timestamp])).toEqual([
      [0.9, NOW],
      [0.8, NOW + 2000],
    ]);
  });

  it('numbers steps per metric by the points logged so far, counting the run’s earlier points and explicit steps', async () => {
    const run = attach({}, runRecord({ metrics: { loss: { last: 1, lastStep: 4, lastTimestamp: NOW, min: 1, max: 2, count: 5 } } }));

    run.log({ loss: 0.5, acc: 0.1 });
    run.log({ acc: 0.2 }, 10, NOW - 1000);
    run.log({ loss: 0.4, acc: 0.3 });
    await run.flush();

    expect(sentBatches()[0].metrics).toEqual([
      { name: 'loss', value: 0.5, step: 5, timestamp: NOW },
      { name: 'acc', value: 0.1, step: 0, timestamp: NOW },
      { name: 'acc', value: 0.2, step: 10, timestamp: NOW - 1000 },
      { name: 'loss', value: 0.4, step: 6, timestamp: NOW },
      { name: 'acc', value: 0.3, step: 2, timestamp: NOW },
    ]);
  });

  it('sends buffered params and tags with the next batch', async () => {
    const run = attach();

    run.logParams({ lr: '0.01' });
    run.setTags({ team: 'growth' });
    run.setTags({ team: 'risk' });
    run.log({ loss: 1 });
    await run.flush();

    expect(sentBatches()).toEqual([
      expect.objectContaining({ params: { lr: '0.01' }, tags: { team: 'risk' }, metrics: [expect.objectContaining({ name: 'loss' })] }),
    ]);
  });

  it('sends params alone after flushIntervalMs', async () => {
    attach({ flushIntervalMs: 1000 }).logParams({ lr: '0.01' });

    await jest.advanceTimersByTimeAsync(1000);

    expect(sentBatches()).toEqual([expect.objectContaining({ params: { lr: '0.01' }, metrics: [] })]);
  });

  it('does not invoke when there is nothing to flush', async () => {
    await attach().flush();

    expect(invokes()).toHaveLength(0);
  });
});

describe('ActiveRun batches', () => {
  it('splits what is buffered at 1000 points per batch, in order, with consecutive batch ids', async () => {
    const run = attach({ flushPoints: 10_000 });

    for (let step = 0; step < 2500; step++) run.log({ loss: step });
    await run.flush();

    const batches = sentBatches();
    expect(batches.map((batch) => batch.metrics.length)).toEqual([1000, 1000, 500]);
    expect(batches.flatMap((batch) => batch.metrics.map((point) => point.step))).toEqual(Array.from({ length: 2500 }, (_, step) => step));
    const [prefix] = batches[0].batchId!.split('-');
    expect(batches.map((batch) => batch.batchId)).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
  });

  it('starts a new batch at the 99th distinct metric name; params ride with the first batch only', async () => {
    const run = attach();
    const metrics = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`m${index}`, index]));

    run.logParams({ layers: '3' });
    run.log(metrics);
    run.log({ m0: 1, m99: 2 });
    await run.flush();

    const batches = sentBatches();
    expect(batches.map((batch) => new Set(batch.metrics.map((point) => point.name)).size)).toEqual([98, 3]);
    expect(batches.map((batch) => batch.metrics.length)).toEqual([98, 4]);
    expect(batches[1].metrics.map((point) => point.name)).toEqual(['m98', 'm99', 'm0', 'm99']);
    expect(batches.map((batch) => batch.params)).toEqual([{ layers: '3' }, {}]);
  });

  it('sends one batch at a time, waiting for each answer before the next', async () => {
    let release: () => void = () => undefined;
    lambda
      .on(InvokeCommand, { FunctionName: 'log-fn' })
      .callsFakeOnce(() => new Promise((resolve) => (release = () => resolve(logResult()))))
      .resolves(logResult());
    const run = attach();
    run.log({ a: 1 });
    const first = run.flush();
    run.log({ b: 2 });
    const second = run.flush();

    await settle();
    const whileFirstInFlight = logCalls().length;
    release();
    await Promise.all([first, second]);

    expect(whileFirstInFlight).toBe(1);
    expect(sentBatches().map((batch) => batch.metrics[0].name)).toEqual(['a', 'b']);
  });

  it('sends a buffer that filled while a batch was in flight as soon as that batch is stored', async () => {
    let release: () => void = () => undefined;
    lambda
      .on(InvokeCommand, { FunctionName: 'log-fn' })
      .callsFakeOnce(() => new Promise((resolve) => (release = () => resolve(logResult()))))
      .resolves(logResult());
    const run = attach({ flushPoints: 2 });

    run.log({ a: 1, b: 1 });
    await settle();
    run.log({ a: 2, b: 2 });
    run.log({ a: 3 });
    await settle();
    const whileInFlight = logCalls().length;
    release();
    await settle();

    expect(whileInFlight).toBe(1);
    expect(sentBatches().map((batch) => batch.metrics.length)).toEqual([2, 3]);
  });

  it('resends a batch with the same batch id after a transient failure', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).rejectsOnce(throttled()).resolves(logResult());
    const run = attach();

    run.log({ loss: 0.5 });
    await run.flush();

    const [first, retry] = sentBatches();
    expect(sentBatches()).toHaveLength(2);
    expect(retry).toEqual(first);
    expect(first.batchId).toMatch(/^[0-9a-f]{8}-1$/);
  });

  it('keeps a batch whose retries ran out and sends it again, same id and content, before newer points', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).rejects(throttled());
    const run = attach();
    run.log({ loss: 0.5 });
    await expect(run.flush()).rejects.toThrow('Rate exceeded');

    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).resolves(logResult());
    run.log({ loss: 0.4 });
    await run.flush();

    const batches = sentBatches();
    expect(batches).toHaveLength(5); // three attempts, then the kept batch and the new one
    expect(batches[3]).toEqual(batches[0]);
    expect(batches[4].batchId).toBe(batches[0].batchId!.replace(/-1$/, '-2'));
    expect(batches[4].metrics).toEqual([expect.objectContaining({ value: 0.4, step: 1 })]);
  });

  it('drops a batch the function refuses, reporting the refusal, and sends the next ones', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).resolvesOnce(functionError('ConflictError', 'params.lr: is "0.1" already')).resolves(logResult());
    const run = attach();
    run.log({ loss: 0.5 });
    await expect(run.flush()).rejects.toBeInstanceOf(ConflictError);

    run.log({ loss: 0.4 });
    await run.flush();

    expect(sentBatches().map((batch) => batch.metrics[0].value)).toEqual([0.5, 0.4]);
  });

  it('tells onError when a background flush fails, then sends the points at the next interval', async () => {
    const errors: Error[] = [];
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).rejects(throttled());
    const run = attach({ flushIntervalMs: 1000, onError: (error) => errors.push(error) });

    run.log({ loss: 0.5 });
    await jest.advanceTimersByTimeAsync(1000);
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).resolves(logResult());
    await jest.advanceTimersByTimeAsync(1000);

    expect(errors.map((error) => error.message)).toEqual(['Rate exceeded']);
    const batches = sentBatches();
    expect(batches).toHaveLength(4);
    expect(new Set(batches.map((batch) => batch.batchId)).size).toBe(1);
  });
});

describe('ActiveRun heartbeat', () => {
  it('sends an empty LogMetrics without a batch id after heartbeatIntervalMs of silence, and again after each interval', async () => {
    attach({ heartbeatIntervalMs: 30_000 });

    await jest.advanceTimersByTimeAsync(29_999);
    const before = logCalls().length;
    await jest.advanceTimersByTimeAsync(1);
    const afterOne = logCalls().length;
    await jest.advanceTimersByTimeAsync(30_000);

    expect(before).toBe(0);
    expect(afterOne).toBe(1);
    expect(sentBatches()).toEqual([
      { runId: RUN_ID, metrics: [], params: {}, tags: {} },
      { runId: RUN_ID, metrics: [], params: {}, tags: {} },
    ]);
  });

  it('counts a batch as a sign of life: the next heartbeat waits a full interval after it', async () => {
    const run = attach({ heartbeatIntervalMs: 30_000, flushIntervalMs: 5000 });

    await jest.advanceTimersByTimeAsync(20_000);
    run.log({ loss: 1 }); // sent at 25 s
    await jest.advanceTimersByTimeAsync(34_999);
    const beforeHeartbeat = sentBatches().length;
    await jest.advanceTimersByTimeAsync(1);

    expect(beforeHeartbeat).toBe(1);
    expect(sentBatches().map((batch) => batch.metrics.length)).toEqual([1, 0]);
  });

  it('tells onError when a heartbeat fails and tries again an interval later', async () => {
    const errors: Error[] = [];
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).resolvesOnce(functionError('InternalError', 'internal error')).resolves(logResult());
    attach({ heartbeatIntervalMs: 10_000, onError: (error) => errors.push(error) });

    await jest.advanceTimersByTimeAsync(20_000);

    expect(errors.map((error) => error.name)).toEqual(['InternalError']);
    expect(logCalls()).toHaveLength(2);
  });

  it('stops beating, after telling onError once, when the run was ended elsewhere', async () => {
    const errors: Error[] = [];
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).resolves(functionError('ConflictError', `run ${RUN_ID} is KILLED; it takes no more metrics`));
    attach({ heartbeatIntervalMs: 10_000, onError: (error) => errors.push(error) });

    await jest.advanceTimersByTimeAsync(60_000);

    expect(errors.map((error) => error.name)).toEqual(['ConflictError']);
    expect(logCalls()).toHaveLength(1);
  });
});

describe('ActiveRun end', () => {
  it('flushes what is buffered, then ends the run with COMPLETED by default', async () => {
    const run = attach();
    run.log({ loss: 0.1 });

    const ended = await run.end();

    expect(ended.status).toBe('COMPLETED');
    expect(invokes().map((input) => input.FunctionName)).toEqual(['log-fn', 'end-fn']);
    expect(sentPayload(invokes()[1])).toEqual({ runId: RUN_ID, status: 'COMPLETED' });
  });

  it('passes the status and reason given', async () => {
    await attach().end('FAILED', 'exit code 137');

    expect(invokes().map(sentPayload)).toEqual([{ runId: RUN_ID, status: 'FAILED', reason: 'exit code 137' }]);
  });

  it('stops its timers: no flush or heartbeat after the end', async () => {
    const run = attach({ heartbeatIntervalMs: 1000, flushIntervalMs: 1000 });

    await run.end();
    await jest.advanceTimersByTimeAsync(60_000);

    expect(invokes().map((input) => input.FunctionName)).toEqual(['end-fn']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('fails without ending the run when the final flush fails; a second end sends the batch and ends', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).rejects(throttled());
    const run = attach();
    run.log({ loss: 0.1 });

    await expect(run.end()).rejects.toThrow('Rate exceeded');
    lambda.on(InvokeCommand, { FunctionName: 'log-fn' }).resolves(logResult());
    await run.end();

    expect(invokes().map((input) => input.FunctionName)).toEqual(['log-fn', 'log-fn', 'log-fn', 'log-fn', 'end-fn']);
  });

  it('fails to log, set params or tags once ended', async () => {
    const run = attach();
    await run.end();

    expect(() => run.log({ loss: 1 })).toThrow(ConflictError);
    expect(() => run.logParams({ lr: '1' })).toThrow(ConflictError);
    expect(() => run.setTags({ team: 'x' })).toThrow(ConflictError);
  });
});

describe('ActiveRun validation', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'fails synchronously on %p, naming the metric, and buffers nothing of the call',
    async (bad) => {
      const run = attach();

      expect(() => run.log({ acc: 0.5, loss: bad })).toThrow(ValidationError);
      expect(() => run.log({ acc: 0.5, loss: bad })).toThrow(`metrics.loss: must be a finite number, got ${bad}`);
      await run.flush();

      expect(invokes()).toHaveLength(0);
    },
  );

  it.each([
    [1e308, /metrics\.loss: must be at most 9007199254740991/],
    [5e-324, /metrics\.loss: must be 0 or at least 1e-130 in magnitude/],
    [2 ** 63, /metrics\.loss: must be at most 9007199254740991/],
  ])('fails synchronously on %p, which the platform cannot store, and buffers nothing of the call', async (bad, message) => {
    const run = attach();

    expect(() => run.log({ acc: 0.5, loss: bad })).toThrow(ValidationError);
    expect(() => run.log({ acc: 0.5, loss: bad })).toThrow(message);
    await run.flush();

    expect(invokes()).toHaveLength(0);
  });

  it('fails synchronously on a bad metric name, step or timestamp, with the issues listed', () => {
    const run = attach();

    const failure = (() => {
      try {
        run.log({ 'bad!': 1, good: 2 }, -1, 1_700_000_000);
      } catch (error) {
        return error as ValidationError;
      }
      throw new Error('log accepted bad points');
    })();

    expect(failure).toBeInstanceOf(ValidationError);
    expect(failure.issues.map((issue) => issue.path).sort()).toEqual(['metrics.bad!', 'step', 'timestamp']);
  });

  it('fails synchronously on a param that contradicts the run’s, as the function would', () => {
    const run = attach({}, runRecord({ params: { lr: '0.1' } }));

    expect(() => run.logParams({ lr: '0.2' })).toThrow('params.lr: is "0.1" already, not "0.2" (params are write-once)');
    expect(() => run.logParams({ lr: '0.1', layers: '3' })).not.toThrow();
    expect(() => run.logParams({ layers: '4' })).toThrow(ConflictError);
  });

  it('fails synchronously on a bad tag key', () => {
    expect(() => attach().setTags({ 'no spaces': 'x' })).toThrow(/^tags\.no spaces: /);
  });

  it('fails to attach to a run that has ended', () => {
    expect(() => client.attachRun(runRecord({ status: 'KILLED' }))).toThrow(ConflictError);
  });

  it('attaches to a run the sweep declared crashed: its next batch revives it', () => {
    expect(() => attach({}, runRecord({ status: 'CRASHED' }))).not.toThrow();
  });

  it.each([{ flushPoints: 0 }, { flushIntervalMs: -1 }, { heartbeatIntervalMs: 1.5 }])('fails on option %p', (options) => {
    expect(() => client.attachRun(runRecord(), options)).toThrow(ConfigurationError);
  });
});

describe('ActiveRun timers', () => {
  it('never keeps the process alive: every timer it sets is unref()d', async () => {
    jest.useRealTimers();
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    try {
      const run = client.attachRun(runRecord(), { onError: () => undefined });
      run.log({ loss: 1 });

      const timers = setTimeoutSpy.mock.results.map((result) => result.value as NodeJS.Timeout);
      expect(timers.length).toBeGreaterThanOrEqual(2); // heartbeat and flush
      expect(timers.map((timer) => timer.hasRef())).toEqual(timers.map(() => false));
      await run.end();
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });
});
