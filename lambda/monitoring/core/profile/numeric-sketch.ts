import { addToBins, binOf } from '../statistics/binning';

/**
 * What the drift job keeps of one numeric feature: counts over fixed bins (the baseline's equal-mass
 * edges), the moments, the extremes, and how far values fall outside the edges in total. Everything
 * is a count, a sum or an extreme, so sketches of chunks merge into the sketch of the whole, and two
 * sketches over the same edges bound the KS statistic and the Wasserstein distance of the raw data.
 */
export interface NumericSketch {
  /** Ascending edges: bin `i` holds values with exactly `i` edges at or below them. */
  readonly edges: readonly number[];
  readonly counts: number[];
  /** Finite values seen. */
  count: number;
  /** Values absent, empty or not a finite number. */
  missing: number;
  min: number;
  max: number;
  mean: number;
  /** Sum of squared deviations from the mean (Welford), so the variance merges exactly in theory. */
  m2: number;
  /** Sum of `edges[0] - v` over values below the first edge: the Wasserstein tail below. */
  belowDistance: number;
  /** Sum of `v - edges[last]` over values at or above the last edge: the tail above. */
  aboveDistance: number;
}

export function emptyNumericSketch(edges: readonly number[]): NumericSketch {
  return {
    edges,
    counts: new Array<number>(edges.length + 1).fill(0),
    count: 0,
    missing: 0,
    min: Infinity,
    max: -Infinity,
    mean: 0,
    m2: 0,
    belowDistance: 0,
    aboveDistance: 0,
  };
}

/** Adds one value; anything but a finite number counts as missing. */
export function addNumericValue(sketch: NumericSketch, value: number): void {
  if (!Number.isFinite(value)) {
    sketch.missing++;
    return;
  }
  sketch.counts[binOf(sketch.edges, value)]++;
  addMoments(sketch, value);
}

/** Adds a column at once: the bulk path of baselines, file checks and benchmarks. */
export function addNumericColumn(sketch: NumericSketch, values: ArrayLike<number>): void {
  const added = addToBins(sketch.edges, sketch.counts, values);
  sketch.missing += values.length - added;
  if (added === 0) return;
  const chunk = emptyNumericSketch(sketch.edges);
  let sum = 0;
  for (let index = 0; index < values.length; index++) if (Number.isFinite(values[index])) sum += values[index];
  chunk.count = added;
  chunk.mean = sum / added;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (!Number.isFinite(value)) continue;
    chunk.m2 += (value - chunk.mean) ** 2;
    addExtremes(chunk, value);
  }
  mergeMoments(sketch, chunk);
}

/** The sketch of two disjoint parts' union. Both must share their edges. */
export function mergeNumericSketches(a: NumericSketch, b: NumericSketch): NumericSketch {
  if (!sameEdges(a.edges, b.edges)) throw new RangeError('numeric sketches over different edges cannot merge');
  const merged: NumericSketch = { ...a, counts: a.counts.map((count, bin) => count + b.counts[bin]), missing: a.missing + b.missing };
  mergeMoments(merged, b);
  return merged;
}

/** Population standard deviation (numpy's default, ddof = 0). */
export const standardDeviation = (sketch: NumericSketch) => (sketch.count > 0 ? Math.sqrt(sketch.m2 / sketch.count) : NaN);

function addMoments(sketch: NumericSketch, value: number): void {
  sketch.count++;
  const delta = value - sketch.mean;
  sketch.mean += delta / sketch.count;
  sketch.m2 += delta * (value - sketch.mean);
  addExtremes(sketch, value);
}

function addExtremes(sketch: NumericSketch, value: number): void {
  if (value < sketch.min) sketch.min = value;
  if (value > sketch.max) sketch.max = value;
  const { edges } = sketch;
  if (value < edges[0]) sketch.belowDistance += edges[0] - value;
  else if (value >= edges[edges.length - 1]) sketch.aboveDistance += value - edges[edges.length - 1];
}

/** Chan et al.'s pairwise update: moments of a union from the moments of its parts. */
function mergeMoments(into: NumericSketch, part: NumericSketch): void {
  if (part.count === 0) return;
  const count = into.count + part.count;
  const delta = part.mean - into.mean;
  into.mean += (delta * part.count) / count;
  into.m2 += part.m2 + (delta * delta * into.count * part.count) / count;
  into.count = count;
  into.min = Math.min(into.min, part.min);
  into.max = Math.max(into.max, part.max);
  into.belowDistance += part.belowDistance;
  into.aboveDistance += part.aboveDistance;
}

const sameEdges = (a: readonly number[], b: readonly number[]) => a === b || (a.length === b.length && a.every((edge, index) => edge === b[index]));
