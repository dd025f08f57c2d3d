import {
  EndRunRequest,
  LogMetricsRequest,
  MAX_HISTORY_PAGE,
  MAX_METRICS_PER_BATCH,
  MAX_POINTS_PER_BATCH,
  QueryRunsRequest,
  StartRunRequest,
} from '../../../../lambda/experiments/core/schemas';
import { parseRequest } from '../../../../lambda/shared/validation';
import { refusedPaths } from '../../shared/refused-paths';

const RUN_ID = '0123456789abcdef0123456789abcdef';

const points = (count: number, name: (i: number) => string = () => 'loss') => Array.from({ length: count }, (_, i) => ({ name: name(i), value: i, step: i }));
const entries = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, 'value']));

describe('StartRunRequest', () => {
  it('accepts a minimal request and fills the defaults', () => {
    expect(parseRequest(StartRunRequest, { experiment: 'churn.v2_A-1' })).toEqual({ experiment: 'churn.v2_A-1', params: {}, tags: {} });
  });

  it('accepts exactly 100 params and 100 tags', () => {
    const command = parseRequest(StartRunRequest, { experiment: 'churn', params: entries(100), tags: entries(100) });

    expect(Object.keys(command.params)).toHaveLength(100);
    expect(Object.keys(command.tags)).toHaveLength(100);
  });

  it('fails on more than 100 params and more than 100 tags, naming each', () => {
    expect(refusedPaths(StartRunRequest, { experiment: 'churn', params: entries(101), tags: entries(101) })).toEqual(['params', 'tags']);
  });

  it('fails on a bad param key, a too-long param value and a bad tag key, naming each entry', () => {
    const input = { experiment: 'churn', params: { 'learning#rate': '0.1', notes: 'x'.repeat(1001) }, tags: { 'has space': 'v' } };

    expect(refusedPaths(StartRunRequest, input)).toEqual(['params.learning#rate', 'params.notes', 'tags.has space']);
  });

  it.each([
    ['starts with a space', ' churn'],
    ['holds a line break', 'churn\nv2'],
    ['is empty', ''],
    ['is longer than 500 characters', 'e'.repeat(501)],
  ])('fails when the experiment name %s', (_, experiment) => {
    expect(refusedPaths(StartRunRequest, { experiment })).toEqual(['experiment']);
  });

  it('fails on a run name with control characters, a git commit that is not hex, a bad client token and unknown fields', () => {
    const input = { experiment: 'churn', runName: 'a\nb', gitCommit: 'HEAD', clientToken: 'has space', owner: 'me', status: 'RUNNING' };

    expect(refusedPaths(StartRunRequest, input)).toEqual(['clientToken', 'gitCommit', 'owner', 'runName', 'status']);
  });
});

describe('LogMetricsRequest', () => {
  it('accepts a heartbeat and fills the defaults', () => {
    expect(parseRequest(LogMetricsRequest, { runId: RUN_ID })).toEqual({ runId: RUN_ID, metrics: [], params: {}, tags: {} });
  });

  it('defaults a point step to 0 and leaves its timestamp to the call', () => {
    const command = parseRequest(LogMetricsRequest, { runId: RUN_ID, metrics: [{ name: 'val/loss', value: -0.5 }] });

    expect(command.metrics).toEqual([{ name: 'val/loss', value: -0.5, step: 0 }]);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['null', null],
    ['a string', '0.5'],
    ['absent', undefined],
  ])('fails on a value that is %s, naming the point by index', (_, value) => {
    const metrics = [...points(3), { name: 'loss', value, step: 3 }];

    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, metrics })).toEqual(['metrics[3].value']);
  });

  it('names every bad point, not only the first', () => {
    const metrics = [
      { name: 'a', value: Number.NaN },
      { name: 'b', value: 1 },
      { name: 'c', value: 'x' },
    ];

    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, metrics })).toEqual(['metrics[0].value', 'metrics[2].value']);
  });

  it.each([
    ['holds a "#"', 'loss#1'],
    ['is empty', ''],
    ['is longer than 250 characters', 'm'.repeat(251)],
  ])('fails on a metric name that %s, naming the point', (_, name) => {
    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, metrics: [{ name, value: 1 }] })).toEqual(['metrics[0].name']);
  });

  it('fails on a negative or fractional step and a timestamp outside 2000..2200, naming each', () => {
    const metrics = [
      { name: 'a', value: 1, step: -1 },
      { name: 'a', value: 1, step: 1.5 },
      { name: 'a', value: 1, timestamp: 1_000 },
      { name: 'a', value: 1, timestamp: 7_258_118_400_001 },
    ];

    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, metrics })).toEqual([
      'metrics[0].step',
      'metrics[1].step',
      'metrics[2].timestamp',
      'metrics[3].timestamp',
    ]);
  });

  it(`accepts exactly ${MAX_POINTS_PER_BATCH} points of ${MAX_METRICS_PER_BATCH} distinct metrics`, () => {
    const command = parseRequest(LogMetricsRequest, { runId: RUN_ID, metrics: points(MAX_POINTS_PER_BATCH, (i) => `m${i % MAX_METRICS_PER_BATCH}`) });

    expect(command.metrics).toHaveLength(MAX_POINTS_PER_BATCH);
  });

  it(`fails on more than ${MAX_POINTS_PER_BATCH} points, naming metrics`, () => {
    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, metrics: points(MAX_POINTS_PER_BATCH + 1) })).toEqual(['metrics']);
  });

  it(`fails on more than ${MAX_METRICS_PER_BATCH} distinct metric names, naming metrics`, () => {
    const metrics = points(MAX_METRICS_PER_BATCH + 1, (i) => `m${i}`);

    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, metrics })).toEqual(['metrics']);
  });

  it.each([
    ['uppercase hex', RUN_ID.toUpperCase()],
    ['31 digits', RUN_ID.slice(1)],
    ['33 digits', `${RUN_ID}0`],
    ['a non-hex letter', `g${RUN_ID.slice(1)}`],
    ['absent', undefined],
  ])('fails on a bad run id (%s), naming runId', (_, runId) => {
    expect(refusedPaths(LogMetricsRequest, { runId })).toEqual(['runId']);
  });

  it('fails on unknown fields at any depth, naming each', () => {
    const input = { runId: RUN_ID, metrics: [{ name: 'a', value: 1, unit: 'ms' }], status: 'RUNNING' };

    expect(refusedPaths(LogMetricsRequest, input)).toEqual(['metrics[0].unit', 'status']);
  });

  it('fails on more than 100 params or tags in a batch and a bad batch id', () => {
    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, batchId: 'a/b', params: entries(101), tags: entries(101) })).toEqual(['batchId', 'params', 'tags']);
  });

  it('fails on a param value longer than 1000 characters, naming the param', () => {
    expect(refusedPaths(LogMetricsRequest, { runId: RUN_ID, params: { lr: '1'.repeat(1001) } })).toEqual(['params.lr']);
  });
});

describe('EndRunRequest', () => {
  it.each(['COMPLETED', 'FAILED', 'KILLED'])('accepts the end status %s', (status) => {
    expect(parseRequest(EndRunRequest, { runId: RUN_ID, status })).toEqual({ runId: RUN_ID, status });
  });

  it.each(['RUNNING', 'CRASHED', 'completed'])('fails on the status %s, which an owner cannot set', (status) => {
    expect(refusedPaths(EndRunRequest, { runId: RUN_ID, status })).toEqual(['status']);
  });
});

describe('QueryRunsRequest', () => {
  it('fills the page limits: 25 for lists, 5000 for metric history', () => {
    expect(parseRequest(QueryRunsRequest, { query: 'listRuns', experiment: 'churn' })).toEqual({ query: 'listRuns', experiment: 'churn', limit: 25 });
    expect(parseRequest(QueryRunsRequest, { query: 'listExperiments' })).toEqual({ query: 'listExperiments', limit: 25 });
    expect(parseRequest(QueryRunsRequest, { query: 'metricHistory', runId: RUN_ID, metric: 'loss' })).toEqual({
      query: 'metricHistory',
      runId: RUN_ID,
      metric: 'loss',
      limit: 5000,
    });
  });

  it('accepts each query with its fields', () => {
    expect(parseRequest(QueryRunsRequest, { query: 'getRun', runId: RUN_ID })).toEqual({ query: 'getRun', runId: RUN_ID });
    expect(parseRequest(QueryRunsRequest, { query: 'getRuns', runIds: [RUN_ID] })).toEqual({ query: 'getRuns', runIds: [RUN_ID] });
    expect(parseRequest(QueryRunsRequest, { query: 'listRuns', experiment: 'churn', status: 'CRASHED', limit: 100, nextToken: 't' })).toMatchObject({
      status: 'CRASHED',
      limit: 100,
    });
    expect(parseRequest(QueryRunsRequest, { query: 'metricHistory', runId: RUN_ID, metric: 'loss', limit: MAX_HISTORY_PAGE })).toMatchObject({
      limit: MAX_HISTORY_PAGE,
    });
  });

  it.each([
    ['an unknown query', { query: 'deleteRun', runId: RUN_ID }],
    ['no query', { runId: RUN_ID }],
  ])('fails on %s, naming query', (_, input) => {
    expect(refusedPaths(QueryRunsRequest, input)).toEqual(['query']);
  });

  it('fails on getRuns with no run ids, or more than 100', () => {
    expect(refusedPaths(QueryRunsRequest, { query: 'getRuns', runIds: [] })).toEqual(['runIds']);
    expect(refusedPaths(QueryRunsRequest, { query: 'getRuns', runIds: Array.from({ length: 101 }, () => RUN_ID) })).toEqual(['runIds']);
  });

  it('fails on getRuns with a bad run id, naming it by index', () => {
    expect(refusedPaths(QueryRunsRequest, { query: 'getRuns', runIds: [RUN_ID, 'nope'] })).toEqual(['runIds[1]']);
  });

  it('fails on listRuns with an unknown status and a page limit over 100', () => {
    expect(refusedPaths(QueryRunsRequest, { query: 'listRuns', experiment: 'churn', status: 'DONE', limit: 101 })).toEqual(['limit', 'status']);
  });

  it(`fails on metricHistory with a limit over ${MAX_HISTORY_PAGE} or below 1, and a field of another query`, () => {
    expect(refusedPaths(QueryRunsRequest, { query: 'metricHistory', runId: RUN_ID, metric: 'loss', limit: MAX_HISTORY_PAGE + 1, status: 'RUNNING' })).toEqual([
      'limit',
      'status',
    ]);
    expect(refusedPaths(QueryRunsRequest, { query: 'metricHistory', runId: RUN_ID, metric: 'loss', limit: 0 })).toEqual(['limit']);
  });

  it('fails on a metricHistory metric name with a "#" and a getRun with a field of another query', () => {
    expect(refusedPaths(QueryRunsRequest, { query: 'metricHistory', runId: RUN_ID, metric: 'a#b' })).toEqual(['metric']);
    expect(refusedPaths(QueryRunsRequest, { query: 'getRun', runId: RUN_ID, limit: 5 })).toEqual(['limit']);
  });

  it('fails on an empty page token', () => {
    expect(refusedPaths(QueryRunsRequest, { query: 'listExperiments', nextToken: '' })).toEqual(['nextToken']);
  });
});

describe('the reserved name __proto__', () => {
  it('is refused as a metric name, which the run summaries (a plain object) would take for their prototype', () => {
    const request = { runId: 'a'.repeat(32), metrics: [{ name: '__proto__', value: 1 }] };

    expect(() => parseRequest(LogMetricsRequest, request)).toThrow(/^metrics\[0\]\.name: is reserved$/);
  });
});
