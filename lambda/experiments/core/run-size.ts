import { utf8Length } from '../../shared/schema-fields';

/**
 * The most a run's params, tags and metrics may take of its item as stored. A run is one DynamoDB item (400 KB
 * at most) that keeps each of them twice: the run's maps and the search index's compact copy. The rest of the
 * item (names, times, inputs, keys) stays within what this leaves.
 */
export const MAX_STORED_RUN_BYTES = 350 * 1024;

/** A metric's summary and latest point beside its name, in both copies. */
const METRIC_STORED_BYTES = 96;

/** What a run holding these params, tags and metrics takes of its item, as `MAX_STORED_RUN_BYTES` counts it. */
export function storedRunBytes(params: Readonly<Record<string, string>>, tags: Readonly<Record<string, string>>, metricNames: Iterable<string>): number {
  let metrics = 0;
  for (const name of new Set(metricNames)) metrics += utf8Length(name) + METRIC_STORED_BYTES;
  return 2 * (utf8Length({ params, tags }) + metrics);
}
