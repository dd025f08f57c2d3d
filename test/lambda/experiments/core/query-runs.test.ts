import type { ExperimentRecord, RunRecord, StoredPoint } from '../../../../lambda/experiments/core/model';
import type { MetricHistoryPage } from '../../../../lambda/experiments/core/query-runs';
import type { QueryRunsRequest } from '../../../../lambda/experiments/core/schemas';
import { NotFoundError, ValidationError } from '../../../../lambda/shared/errors';
import type { Page } from '../../../../lambda/shared/page';
import { encodePageToken } from '../../../../lambda/shared/page-token';
import { fakeTracking } from '../fakes';

const T0 = Date.parse('2025-06-01T11:00:00.000Z');

/**
 * `churn` with runs 1..5 started a second apart (2 and 4 COMPLETED, 3 FAILED), `fraud` with one
 * run; run 1 logged `loss` at steps 0..11 in three batches of four, and `acc` once.
 */
async function setUp() {
  const tracking = fakeTracking();
  const { clock, startRun, logMetrics, endRun } = tracking;
  const churn: RunRecord[] = [];
  for (let i = 0; i < 5; i++) {
    churn.push(await startRun({ experiment: 'churn' }));
    clock.advance(1000);
  }
  const fraud = await startRun({ experiment: 'fraud' });
  for (let batch = 0; batch < 3; batch++) {
    const metrics = Array.from({ length: 4 }, (_, i) => ({ name: 'loss', value: 10 - (batch * 4 + i), step: batch * 4 + i, timestamp: T0 + batch * 4 + i }));
    await logMetrics({ runId: churn[0].runId, metrics });
  }
  await logMetrics({ runId: churn[0].runId, metrics: [{ name: 'acc', value: 0.5 }] });
  await endRun({ runId: churn[1].runId, status: 'COMPLETED' });
  await endRun({ runId: churn[2].runId, status: 'FAILED' });
  await endRun({ runId: churn[3].runId, status: 'COMPLETED' });
  const lossHistory: StoredPoint[] = Array.from({ length: 12 }, (_, step) => ({ step, value: 10 - step, timestamp: T0 + step }));
  return { ...tracking, churn, fraud, lossHistory };
}

type Tracking = Awaited<ReturnType<typeof setUp>>;

interface Tokens {
  readonly runId: string;
  readonly otherRunId: string;
  readonly lossToken: string;
  readonly accToken: string;
}

const listRuns = async (tracking: Tracking, request: Omit<Extract<QueryRunsRequest, { query: 'listRuns' }>, 'query'>) =>
  (await tracking.queryRuns({ query: 'listRuns', ...request })) as Page<RunRecord>;

const metricHistory = async (tracking: Tracking, request: Omit<Extract<QueryRunsRequest, { query: 'metricHistory' }>, 'query'>) =>
  (await tracking.queryRuns({ query: 'metricHistory', ...request })) as MetricHistoryPage;

/** Every page of a query, following its tokens. */
async function allPages<T>(read: (nextToken: string | undefined) => Promise<Page<T>>): Promise<Array<readonly T[]>> {
  const pages: Array<readonly T[]> = [];
  let nextToken: string | undefined;
  do {
    const page = await read(nextToken);
    pages.push(page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return pages;
}

/** The paths a ValidationError names, or fails when `attempt` does not reject with one. */
async function refusedPaths(attempt: Promise<unknown>): Promise<string[]> {
  const error: unknown = await attempt.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error.issues.map((issue) => issue.path);
}

describe('queryRuns', () => {
  it('returns a run by id', async () => {
    const tracking = await setUp();

    const run = await tracking.queryRuns({ query: 'getRun', runId: tracking.churn[0].runId });

    expect(run).toEqual(await tracking.store.getRun(tracking.churn[0].runId));
    expect(run).toMatchObject({ runNumber: 1, metrics: { loss: { last: -1, lastStep: 11, count: 12 }, acc: { last: 0.5 } } });
  });

  it('fails with NotFoundError on a run that does not exist', async () => {
    const tracking = await setUp();

    await expect(tracking.queryRuns({ query: 'getRun', runId: 'f'.repeat(32) })).rejects.toThrow(NotFoundError);
  });

  it('returns several runs in the order asked, repeats included', async () => {
    const { churn, fraud, queryRuns } = await setUp();
    const asked = [churn[3].runId, fraud.runId, churn[0].runId, churn[3].runId];

    const result = (await queryRuns({ query: 'getRuns', runIds: asked })) as { runs: RunRecord[] };

    expect(result.runs.map((run) => run.runId)).toEqual(asked);
  });

  it('fails with NotFoundError naming every run that does not exist, and only those', async () => {
    const { churn, queryRuns } = await setUp();
    const missing = ['a'.repeat(32), 'b'.repeat(32)];

    const attempt = queryRuns({ query: 'getRuns', runIds: [missing[0], churn[0].runId, missing[1]] });

    await expect(attempt).rejects.toThrow(NotFoundError);
    await expect(attempt).rejects.toThrow(`no such run: ${missing[0]}, ${missing[1]}`);
  });

  it("lists an experiment's runs newest first", async () => {
    const tracking = await setUp();

    const page = await listRuns(tracking, { experiment: 'churn' });

    expect(page.items.map((run) => run.runNumber)).toEqual([5, 4, 3, 2, 1]);
    expect(page.nextToken).toBeUndefined();
  });

  it("lists an experiment's runs in pages, newest first, following the tokens", async () => {
    const tracking = await setUp();

    const pages = await allPages((nextToken) => listRuns(tracking, { experiment: 'churn', limit: 2, nextToken }));

    expect(pages.map((page) => page.map((run) => run.runNumber))).toEqual([[5, 4], [3, 2], [1]]);
  });

  it.each([
    ['COMPLETED', [4, 2]],
    ['FAILED', [3]],
    ['RUNNING', [5, 1]],
    ['CRASHED', []],
  ] as const)('lists only the %s runs, newest first, over all pages', async (status, expected) => {
    const tracking = await setUp();

    const pages = await allPages((nextToken) => listRuns(tracking, { experiment: 'churn', status, limit: 2, nextToken }));

    expect(pages.flat().map((run) => run.runNumber)).toEqual(expected);
    expect(pages.flat().every((run) => run.status === status)).toBe(true);
  });

  it('lists no runs for an experiment that has none', async () => {
    const tracking = await setUp();

    expect(await listRuns(tracking, { experiment: 'nothing' })).toEqual({ items: [] });
  });

  it.each([
    ['another experiment', { experiment: 'fraud' }],
    ['another status filter', { experiment: 'churn', status: 'COMPLETED' as const }],
  ])('fails with ValidationError at nextToken when a listRuns token is used for %s', async (_, other) => {
    const tracking = await setUp();
    const { nextToken } = await listRuns(tracking, { experiment: 'churn', limit: 2 });

    expect(await refusedPaths(listRuns(tracking, { ...other, limit: 2, nextToken }))).toEqual(['nextToken']);
  });

  it('lists experiments by name with their run counts, in pages', async () => {
    const tracking = await setUp();
    await tracking.startRun({ experiment: 'ads' });

    const pages = await allPages(async (nextToken) => (await tracking.queryRuns({ query: 'listExperiments', limit: 2, nextToken })) as Page<ExperimentRecord>);

    expect(pages.flat().map(({ name, runCount }) => [name, runCount])).toEqual([
      ['ads', 1],
      ['churn', 5],
      ['fraud', 1],
    ]);
    expect(pages[0]).toHaveLength(2);
  });

  it("returns a metric's whole history in one page when it fits, without a token", async () => {
    const tracking = await setUp();
    const runId = tracking.churn[0].runId;

    const page = await metricHistory(tracking, { runId, metric: 'loss' });

    expect(page).toEqual({ runId, metric: 'loss', items: tracking.lossHistory });
  });

  it.each([1, 3, 4, 5, 7, 12])("returns a metric's history in pages of %i, in order, the last without a token", async (limit) => {
    const tracking = await setUp();
    const runId = tracking.churn[0].runId;

    const pages = await allPages((nextToken) => metricHistory(tracking, { runId, metric: 'loss', limit, nextToken }));

    expect(pages.flat()).toEqual(tracking.lossHistory);
    expect(pages.map((page) => page.length)).toEqual([...Array.from({ length: Math.floor(12 / limit) }, () => limit), ...(12 % limit ? [12 % limit] : [])]);
  });

  describe('metricHistory tokens', () => {
    /** Run 1 of setUp, a second run with `loss`, and the second-page tokens of run 1's `loss` and `acc`. */
    async function withTokens() {
      const tracking = await setUp();
      const runId = tracking.churn[0].runId;
      const other = await tracking.startRun({ experiment: 'churn' });
      await tracking.logMetrics({
        runId: other.runId,
        metrics: [
          { name: 'loss', value: 1 },
          { name: 'loss', value: 2 },
        ],
      });
      await tracking.logMetrics({ runId, metrics: [{ name: 'acc', value: 0.6 }] });
      const lossToken = (await metricHistory(tracking, { runId, metric: 'loss', limit: 1 })).nextToken!;
      const accToken = (await metricHistory(tracking, { runId, metric: 'acc', limit: 1 })).nextToken!;
      return { tracking, runId, otherRunId: other.runId, lossToken, accToken };
    }

    it('resume the history they were made for', async () => {
      const { tracking, runId, lossToken } = await withTokens();

      const page = await metricHistory(tracking, { runId, metric: 'loss', limit: 2, nextToken: lossToken });

      expect(page.items).toEqual(tracking.lossHistory.slice(1, 3));
    });

    it.each([
      ['a token of another metric', ({ runId, accToken }: Tokens) => ({ runId, metric: 'loss', nextToken: accToken })],
      ['a token of the same metric of another run', ({ otherRunId, lossToken }: Tokens) => ({ runId: otherRunId, metric: 'loss', nextToken: lossToken })],
      ['a token that is not base64 JSON', ({ runId }: Tokens) => ({ runId, metric: 'loss', nextToken: 'not-a-token' })],
      [
        'a token bound to this query with a cursor into another metric',
        ({ runId }: Tokens) => ({ runId, metric: 'loss', nextToken: encodePageToken(['history', runId, 'loss'], { sk: 'M#acc#0000000004', offset: 0 }) }),
      ],
      [
        'a token bound to this query with a negative offset',
        ({ runId }: Tokens) => ({ runId, metric: 'loss', nextToken: encodePageToken(['history', runId, 'loss'], { sk: 'M#loss#0000000001', offset: -1 }) }),
      ],
    ])('fail with ValidationError at nextToken when forged: %s', async (_, forge) => {
      const tokens = await withTokens();

      expect(await refusedPaths(metricHistory(tokens.tracking, { ...forge(tokens), limit: 1 }))).toEqual(['nextToken']);
    });
  });

  it('fails with NotFoundError on a metric the run never logged, and on a run that does not exist', async () => {
    const tracking = await setUp();

    await expect(metricHistory(tracking, { runId: tracking.churn[0].runId, metric: 'f1' })).rejects.toThrow('has no metric "f1"');
    await expect(metricHistory(tracking, { runId: tracking.churn[0].runId, metric: 'constructor' })).rejects.toThrow(NotFoundError);
    await expect(metricHistory(tracking, { runId: tracking.churn[1].runId, metric: 'loss' })).rejects.toThrow(NotFoundError);
    await expect(metricHistory(tracking, { runId: 'f'.repeat(32), metric: 'loss' })).rejects.toThrow(NotFoundError);
  });
});
