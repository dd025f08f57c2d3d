import { quantile, round } from './stats';

/** p50 and p95 of millisecond samples, as the report shows them. */
const percentiles = (samplesMs: readonly number[]) => ({
  samples: samplesMs.length,
  p50Ms: round(quantile(samplesMs, 0.5), 2),
  p95Ms: round(quantile(samplesMs, 0.95), 2),
});

/**
 * A path's latencies next to those of the path it wraps (the stand-in in front of the shim), and the wrapper's
 * overhead as their ratio at p50 and at p95: 1 means it costs nothing, 2 that a request takes twice as long.
 */
export function latencyOverhead(wrapperMs: readonly number[], wrappedMs: readonly number[]) {
  if (wrapperMs.length === 0 || wrappedMs.length === 0) throw new Error('latencyOverhead needs samples of both paths');
  const ratio = (q: number) => round(quantile(wrapperMs, q) / quantile(wrappedMs, q), 2);
  return { wrapper: percentiles(wrapperMs), wrapped: percentiles(wrappedMs), ratio: { p50: ratio(0.5), p95: ratio(0.95) } };
}
