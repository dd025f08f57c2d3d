/** The q-quantile (0..1) of `samples` by nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Median, p95 and mean of millisecond samples, rounded for the report. */
export function summarize(samplesMs: readonly number[]) {
  const mean = samplesMs.reduce((sum, sample) => sum + sample, 0) / samplesMs.length;
  return { samples: samplesMs.length, p50Ms: round(quantile(samplesMs, 0.5), 2), p95Ms: round(quantile(samplesMs, 0.95), 2), meanMs: round(mean, 2) };
}
