import type { RunIndexEntry } from '../../../../lambda/mlflow/core/model';
import type { MlflowTrackingStore } from '../../../../lambda/mlflow/core/ports';
import { ArtifactLocations } from '../../../../lambda/mlflow/core/render';
import { RunIndexCache } from '../../../../lambda/mlflow/core/run-index-cache';
import { MAX_RESPONSE_BYTES, searchRuns } from '../../../../lambda/mlflow/core/search-runs';
import { SearchRuns } from '../../../../lambda/mlflow/core/tracking-requests';
import { parseRequest } from '../../../../lambda/shared/validation';
import { FakeClock } from '../../shared/fake-clock';

const run = (index: number, tagBytes: number): RunIndexEntry => ({
  runId: index.toString(16).padStart(32, '0'),
  experiment: 'churn',
  runName: `run-${index}`,
  status: 'COMPLETED',
  startTime: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
  lifecycleStage: 'active',
  params: {},
  tags: { note: 'x'.repeat(tagBytes) },
  metrics: { auc: [index / 100, 0, 0] },
  datasets: [],
  changedAt: '2026-01-01T00:00:00.000Z',
});

function search(entries: readonly RunIndexEntry[]) {
  const store = {
    experimentNameOf: async () => 'churn',
    getExperiment: async () => undefined,
    runIndex: async () => entries,
  } as unknown as MlflowTrackingStore;
  const clock = new FakeClock();
  const context = { store, clock, locations: new ArtifactLocations('artifacts') };
  const answer = searchRuns(context, new RunIndexCache(store, clock));
  return (request: Record<string, unknown>) =>
    answer(parseRequest(SearchRuns, { experiment_ids: ['1621451887769580'], ...request })) as Promise<{
      runs?: { info: { run_name: string } }[];
      next_page_token?: string;
    }>;
}

describe('searchRuns', () => {
  it('cuts a page that would outgrow a Lambda response, and its token resumes at the cut until every run is read', async () => {
    const entries = Array.from({ length: 60 }, (_, index) => run(index, 200_000));
    const answer = search(entries);

    const names: string[] = [];
    const sizes: number[] = [];
    let pageToken: string | undefined;
    do {
      const page = await answer({ max_results: 1000, order_by: ['metrics.auc DESC'], ...(pageToken ? { page_token: pageToken } : {}) });
      sizes.push(Buffer.byteLength(JSON.stringify(page)));
      names.push(...(page.runs ?? []).map(({ info }) => info.run_name));
      pageToken = page.next_page_token;
    } while (pageToken);

    expect(sizes.length).toBeGreaterThan(2);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_RESPONSE_BYTES + 4096);
    expect(names).toEqual(entries.map(({ runName }) => runName).reverse());
  });

  it('answers one run alone when a single run outweighs the budget, rather than none', async () => {
    const page = await search([run(1, MAX_RESPONSE_BYTES + 10), run(2, 10)])({ max_results: 10, order_by: ['attributes.run_name'] });

    expect(page.runs?.map(({ info }) => info.run_name)).toEqual(['run-1']);
    expect(page.next_page_token).toEqual(expect.any(String));
  });
});
