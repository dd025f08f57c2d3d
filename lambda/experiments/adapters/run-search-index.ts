import { createHash } from 'node:crypto';
import type { MetricSummary, RunRecord } from '../core/model';

/**
 * The run search index (`gsi3`): every run under its experiment, spread over `SEARCH_SHARDS`
 * partitions so a busy experiment's writes never meet one partition's limit, sorted by the time the
 * run last changed, so a reader that holds the runs it read before asks only for what changed
 * since. It projects the run's fields as a few compact attributes (params, tags and latest metrics
 * as JSON text): a search reads thousands of runs, and flat text is several times cheaper to read
 * and decode than the nested maps of the run item.
 *
 *   gsi3pk                      gsi3sk
 *   S#<experiment>#<shard>      <changed at>#<run id>
 */
export const SEARCH_INDEX = 'gsi3';
export const SEARCH_SHARDS = 8;

/** The attributes the index projects besides its keys (see `ExperimentTracking`). */
export const SEARCH_PROJECTION = [
  'experiment',
  'runName',
  'status',
  'startTime',
  'endTime',
  'createdBy',
  'lifecycleStage',
  'searchParams',
  'searchTags',
  'searchMetrics',
  'searchInputs',
] as const;

const shardOf = (runId: string) => createHash('sha256').update(runId).digest()[0] % SEARCH_SHARDS;

export const searchPartition = (experiment: string, shard: number) => `S#${experiment}#${shard}`;

/** Where a run sits in the index after a change at `changedAt` (an ISO time). */
export const searchIndexKeys = (experiment: string, runId: string, changedAt: string) => ({
  gsi3pk: searchPartition(experiment, shardOf(runId)),
  gsi3sk: `${changedAt}#${runId}`,
});

/** A metric's latest point as the index keeps it: `[value, step, timestamp]`, the value as text when JSON has no number for it (NaN, infinities). */
export type LatestPoint = readonly [number | string, number, number];

const latestPoints = (metrics: Readonly<Record<string, MetricSummary>>) =>
  Object.fromEntries(
    Object.entries(metrics).map(([name, summary]) => [
      name,
      [Number.isFinite(summary.last) ? summary.last : String(summary.last), summary.lastStep, summary.lastTimestamp] satisfies LatestPoint,
    ]),
  );

/** The compact copies of a run's params, tags and metrics the index projects. */
export const searchFields = (run: Pick<RunRecord, 'params' | 'tags' | 'metrics'>) => ({
  searchParams: JSON.stringify(run.params),
  searchTags: JSON.stringify(run.tags),
  searchMetrics: JSON.stringify(latestPoints(run.metrics)),
});
