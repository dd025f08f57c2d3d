import { quantileOfSorted } from '../statistics/quantile';
import { addCategoricalValue, type CategoricalSketch, categoryOf, emptyCategoricalSketch } from './categorical-sketch';
import { addNumericColumn, emptyNumericSketch, type NumericSketch } from './numeric-sketch';

/**
 * The profile of a training data set that drift is measured against. Numeric features keep
 * equal-mass bins at `sketchBins` resolution (the sketch the KS and Wasserstein bounds come from)
 * and decile edges (the ten bins PSI and Jensen-Shannon compare); categorical features keep their
 * most frequent categories.
 */
export interface NumericFeatureProfile {
  readonly name: string;
  readonly kind: 'numeric';
  readonly sketch: NumericSketch;
  /** The interior deciles: edges of the ten bins PSI and Jensen-Shannon compare. */
  readonly binEdges: readonly number[];
  readonly quantiles: { readonly p05: number; readonly p25: number; readonly p50: number; readonly p75: number; readonly p95: number };
}

export interface CategoricalFeatureProfile {
  readonly name: string;
  readonly kind: 'categorical';
  /** Counts of the most frequent categories; the rest are pooled as "unseen" in drift checks. */
  readonly sketch: CategoricalSketch;
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

export interface BaselineProfile {
  readonly formatVersion: 1;
  readonly createdAt: string;
  readonly rows: number;
  /** In the order a CSV payload without a header lists them. */
  readonly features: readonly FeatureProfile[];
  /** Where the training data came from, as the caller named it. */
  readonly source?: string;
}

/** One column of a data set: numeric ones as numbers with NaN for missing values. */
export type Column =
  | { readonly name: string; readonly kind: 'numeric'; readonly values: ArrayLike<number> }
  | { readonly name: string; readonly kind: 'categorical'; readonly values: readonly unknown[] };

export interface BaselineOptions {
  readonly createdAt: string;
  readonly source?: string;
  /**
   * Equal-mass bins per numeric feature; a multiple of 10 so the deciles are among the edges.
   * @default 1000 - a KS bound of about 0.001 and a profile of about 40 KB per feature
   */
  readonly sketchBins?: number;
  /**
   * Categories kept per categorical feature, most frequent first.
   * @default 500
   */
  readonly maxCategories?: number;
}

export const DEFAULT_SKETCH_BINS = 1000;
export const DEFAULT_MAX_CATEGORIES = 500;

export function buildBaseline(columns: readonly Column[], options: BaselineOptions): BaselineProfile {
  const sketchBins = options.sketchBins ?? DEFAULT_SKETCH_BINS;
  if (!Number.isInteger(sketchBins) || sketchBins < 10 || sketchBins % 10 !== 0) {
    throw new RangeError(`sketchBins must be a multiple of 10 from 10 up, got ${sketchBins}`);
  }
  const rows = columns.length > 0 ? columns[0].values.length : 0;
  const features = columns.map((column) =>
    column.kind === 'numeric'
      ? numericProfile(column.name, column.values, sketchBins)
      : categoricalProfile(column.name, column.values, options.maxCategories ?? DEFAULT_MAX_CATEGORIES),
  );
  return { formatVersion: 1, createdAt: options.createdAt, rows, features, ...(options.source ? { source: options.source } : {}) };
}

export function numericProfile(name: string, values: ArrayLike<number>, sketchBins: number): NumericFeatureProfile {
  const sorted = finiteSorted(values);
  const edges = sorted.length === 0 ? [] : distinct(Array.from({ length: sketchBins + 1 }, (_, index) => quantileOfSorted(sorted, index / sketchBins)));
  const sketch = emptyNumericSketch(edges);
  addNumericColumn(sketch, values);
  const quantile = (q: number) => (sorted.length === 0 ? NaN : quantileOfSorted(sorted, q));
  return {
    name,
    kind: 'numeric',
    sketch,
    binEdges: decileEdges(sorted),
    quantiles: { p05: quantile(0.05), p25: quantile(0.25), p50: quantile(0.5), p75: quantile(0.75), p95: quantile(0.95) },
  };
}

/**
 * The distinct interior deciles of an ascending sample: the edges of the ten bins PSI and
 * Jensen-Shannon compare. `k / 10` is the same double as `100k / 1000`, so these are among the
 * sketch's edges.
 */
export function decileEdges(sorted: Float64Array): number[] {
  return sorted.length === 0 ? [] : distinct(Array.from({ length: 9 }, (_, index) => quantileOfSorted(sorted, (index + 1) / 10)));
}

/** The finite values, sorted ascending; a plain loop is several times faster than `filter` here. */
export function finiteSorted(values: ArrayLike<number>): Float64Array {
  const finite = new Float64Array(values.length);
  let count = 0;
  for (let index = 0; index < values.length; index++) if (Number.isFinite(values[index])) finite[count++] = values[index];
  return finite.subarray(0, count).sort();
}

export function categoricalProfile(name: string, values: readonly unknown[], maxCategories: number): CategoricalFeatureProfile {
  const counts = new Map<string, number>();
  for (const value of values) {
    const category = categoryOf(value);
    if (category !== undefined) counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  const categories = [...counts.entries()]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxCategories)
    .map(([category]) => category);
  const sketch = emptyCategoricalSketch(categories);
  for (const value of values) addCategoricalValue(sketch, value);
  return { name, kind: 'categorical', sketch };
}

/** The distinct values of an ascending list. */
const distinct = (ascending: number[]) => ascending.filter((value, index) => index === 0 || value !== ascending[index - 1]);
