import type { ExperimentRecord, RunRecord } from '../../../lambda/experiments/core/model';
import type { QueryRunsRequest } from '../../../lambda/experiments/core/schemas';
import type { Page } from '../../../lambda/shared/page';
import { createTrackingFixture, type TrackingFixture } from '../../emulators/tracking-fixture';

/** QueryRuns's listings on the table's real indexes: gsi1 (experiments, runs by start time) and gsi2 (running runs). */

jest.setTimeout(60_000);

let tracking: TrackingFixture;
/** churn: 1 COMPLETED, 2 FAILED, 3 RUNNING, 4 COMPLETED; fraud: 1 RUNNING. */
const runs: Record<string, RunRecord> = {};

const query = <T>(request: QueryRunsRequest) => tracking.call('queryRuns', request) as Promise<T>;

/** Every item of a listing, following `nextToken`, with the number of pages it took. */
async function listAll<T>(request: QueryRunsRequest & { query: 'listRuns' | 'listExperiments' }): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  let nextToken: string | undefined;
  do {
    const page = await query<Page<T>>({ ...request, nextToken });
    items.push(...page.items);
    pages++;
    nextToken = page.nextToken;
  } while (nextToken);
  return { items, pages };
}

beforeAll(async () => {
  tracking = await createTrackingFixture({ label: 'tracking-queries' });
  // One after the other, so start times order them.
  for (const [name, end] of [
    ['churn-1', 'COMPLETED'],
    ['churn-2', 'FAILED'],
    ['churn-3', undefined],
    ['churn-4', 'COMPLETED'],
  ] as const) {
    runs[name] = await tracking.call('startRun', { experiment: 'churn', runName: name, tags: { team: 'growth' } });
    if (end) await tracking.call('endRun', { runId: runs[name].runId, status: end });
  }
  runs['fraud-1'] = await tracking.call('startRun', { experiment: 'fraud' });
});

afterAll(async () => {
  await tracking?.dispose();
});

const namesOf = (items: readonly RunRecord[]) => items.map(({ runName }) => runName);

describe('listRuns', () => {
  test("lists an experiment's runs newest first, with their status", async () => {
    // Act
    const page = await query<Page<RunRecord>>({ query: 'listRuns', experiment: 'churn' });

    // Assert
    expect(page.nextToken).toBeUndefined();
    expect(page.items.map(({ runName, runNumber, status }) => ({ runName, runNumber, status }))).toEqual([
      { runName: 'churn-4', runNumber: 4, status: 'COMPLETED' },
      { runName: 'churn-3', runNumber: 3, status: 'RUNNING' },
      { runName: 'churn-2', runNumber: 2, status: 'FAILED' },
      { runName: 'churn-1', runNumber: 1, status: 'COMPLETED' },
    ]);
    // Records as callers see them: no storage keys.
    expect(page.items[0]).not.toHaveProperty('pk');
    expect(page.items[0]).not.toHaveProperty('gsi1pk');
    expect(page.items[0]).not.toHaveProperty('fingerprint');
  });

  test("pages through an experiment's runs", async () => {
    // Act
    const { items, pages } = await listAll<RunRecord>({ query: 'listRuns', experiment: 'churn', limit: 3 });

    // Assert
    expect(pages).toBe(2);
    expect(namesOf(items)).toEqual(['churn-4', 'churn-3', 'churn-2', 'churn-1']);
  });

  test('lists only the runs with a status', async () => {
    // Act
    const completed = await listAll<RunRecord>({ query: 'listRuns', experiment: 'churn', status: 'COMPLETED', limit: 2 });
    const running = await listAll<RunRecord>({ query: 'listRuns', experiment: 'churn', status: 'RUNNING' });

    // Assert
    expect(namesOf(completed.items)).toEqual(['churn-4', 'churn-1']);
    expect(namesOf(running.items)).toEqual(['churn-3']);
  });

  test('lists nothing for an experiment without runs', async () => {
    // Act
    const page = await query<Page<RunRecord>>({ query: 'listRuns', experiment: 'no-such-experiment' });

    // Assert
    expect(page).toEqual({ items: [] });
  });

  test("fails with ValidationError on a token from another experiment's listing", async () => {
    // Arrange
    const { nextToken } = await query<Page<RunRecord>>({ query: 'listRuns', experiment: 'churn', limit: 1 });

    // Act
    const invocation = await tracking.invoke('queryRuns', { query: 'listRuns', experiment: 'fraud', nextToken });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringContaining('nextToken') });
  });
});

describe('listExperiments', () => {
  test('lists experiments by name with their run counts', async () => {
    // Act
    const { items, pages } = await listAll<ExperimentRecord>({ query: 'listExperiments', limit: 1 });

    // Assert
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(items).toEqual([
      { name: 'churn', runCount: 4, createdAt: runs['churn-1'].startTime, lastRunAt: runs['churn-4'].startTime },
      { name: 'fraud', runCount: 1, createdAt: runs['fraud-1'].startTime, lastRunAt: runs['fraud-1'].startTime },
    ]);
  });
});

describe('getRuns', () => {
  test('returns runs in the order asked, for comparisons', async () => {
    // Act
    const { runs: found } = await query<{ runs: RunRecord[] }>({
      query: 'getRuns',
      runIds: [runs['fraud-1'].runId, runs['churn-2'].runId, runs['churn-1'].runId],
    });

    // Assert
    expect(namesOf(found)).toEqual(['fraud-1', 'churn-2', 'churn-1']);
  });
});

describe('the running index', () => {
  test('holds the running runs and no ended one', async () => {
    // Act
    const running = await tracking.runningIndex();

    // Assert
    expect(running.map(({ runId }) => runId).sort()).toEqual([runs['churn-3'].runId, runs['fraud-1'].runId].sort());
    expect(running.find(({ runId }) => runId === runs['fraud-1'].runId)?.heartbeatAt).toBe(runs['fraud-1'].heartbeatAt);
  });
});
