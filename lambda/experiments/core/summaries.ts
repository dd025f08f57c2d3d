import type { MetricSeries, MetricSummary, StoredPoint } from './model';

/** The later of two points: the higher step, then the later timestamp; on a tie, the one logged last. */
const isLater = (candidate: StoredPoint, current: { lastStep: number; lastTimestamp: number }) =>
  candidate.step > current.lastStep || (candidate.step === current.lastStep && candidate.timestamp >= current.lastTimestamp);

/** The smaller or larger of two values, NaN (which MLflow's clients log for a diverged loss) only when both are. */
const extreme = (pick: (a: number, b: number) => number, a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : pick(a, b));

/**
 * Folds a batch's points of one metric into its summary. `last` is the value at the highest step,
 * as MLflow's latest metric, so a late-arriving earlier step never replaces the final value.
 */
export function summarize(previous: MetricSummary | undefined, points: readonly StoredPoint[]): MetricSummary {
  let summary = previous;
  for (const point of points) {
    if (!summary) {
      summary = { last: point.value, lastStep: point.step, lastTimestamp: point.timestamp, min: point.value, max: point.value, count: 1 };
      continue;
    }
    const later = isLater(point, summary);
    summary = {
      last: later ? point.value : summary.last,
      lastStep: later ? point.step : summary.lastStep,
      lastTimestamp: later ? point.timestamp : summary.lastTimestamp,
      min: extreme(Math.min, summary.min, point.value),
      max: extreme(Math.max, summary.max, point.value),
      count: summary.count + 1,
    };
  }
  if (!summary) throw new Error('summarize needs at least one point');
  return summary;
}

/** Groups a batch's points by metric, in the order each metric first appears, keeping each metric's points in order. */
export function toSeries(points: readonly { name: string; value: number; step: number; timestamp?: number }[], now: number): MetricSeries[] {
  const byName = new Map<string, StoredPoint[]>();
  for (const { name, value, step, timestamp } of points) {
    let series = byName.get(name);
    if (!series) byName.set(name, (series = []));
    series.push({ step, value, timestamp: timestamp ?? now });
  }
  return [...byName].map(([name, seriesPoints]) => ({ name, points: seriesPoints }));
}
