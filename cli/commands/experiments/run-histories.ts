import type { TrackingClient } from '../../../client/experiments/experiments-client';
import type { RunRecord, StoredPoint } from '../../../lambda/experiments/core/model';

/** Metric histories read at once, so a run with many metrics does not flood the query function. */
const CONCURRENT_READS = 4;

interface CachedHistory {
  readonly count: number;
  readonly points: readonly StoredPoint[];
}

/**
 * Reads the history of each of the run's metrics. With a cache (kept between polls of the same
 * run), a metric is read again only when its point count changed.
 */
export async function readHistories(
  client: TrackingClient,
  run: RunRecord,
  cache: Map<string, CachedHistory> = new Map(),
): Promise<Map<string, readonly StoredPoint[]>> {
  const stale = Object.entries(run.metrics)
    .filter(([name, summary]) => cache.get(name)?.count !== summary.count)
    .map(([name, summary]) => ({ name, count: summary.count }));
  for (let start = 0; start < stale.length; start += CONCURRENT_READS) {
    await Promise.all(
      stale.slice(start, start + CONCURRENT_READS).map(async ({ name, count }) => {
        cache.set(name, { count, points: await client.metricHistory(run.runId, name) });
      }),
    );
  }
  return new Map(Object.keys(run.metrics).map((name) => [name, cache.get(name)?.points ?? []]));
}
