import type { BaselineProfile } from './baseline-profile';
import { addCategoricalValue, type CategoricalSketch, emptyCategoricalSketch, mergeCategoricalSketches } from './categorical-sketch';
import { addNumericValue, emptyNumericSketch, mergeNumericSketches, type NumericSketch } from './numeric-sketch';

/**
 * A window of production records sketched in a baseline's frame: each feature binned on the
 * baseline's edges or counted over its categories. Windows of disjoint record sets merge into the
 * window of their union, which is how a large window fans out over chunks.
 */
export type FeatureSketch =
  | { readonly name: string; readonly kind: 'numeric'; readonly sketch: NumericSketch }
  | { readonly name: string; readonly kind: 'categorical'; readonly sketch: CategoricalSketch };

export interface WindowSketch {
  rows: number;
  readonly features: readonly FeatureSketch[];
}

export function emptyWindow(baseline: BaselineProfile): WindowSketch {
  return {
    rows: 0,
    features: baseline.features.map(
      (feature): FeatureSketch =>
        feature.kind === 'numeric'
          ? { name: feature.name, kind: 'numeric', sketch: emptyNumericSketch(feature.sketch.edges) }
          : { name: feature.name, kind: 'categorical', sketch: emptyCategoricalSketch(feature.sketch.categories) },
    ),
  };
}

/** Adds a record keyed by feature name (a JSON payload); features it lacks count as missing. */
export function addRecord(window: WindowSketch, record: Readonly<Record<string, unknown>>): void {
  window.rows++;
  for (const feature of window.features) addValue(feature, Object.hasOwn(record, feature.name) ? record[feature.name] : undefined);
}

/** Adds a record given by position, in the baseline's feature order (a CSV payload). */
export function addRow(window: WindowSketch, values: readonly unknown[]): void {
  window.rows++;
  window.features.forEach((feature, index) => addValue(feature, values[index]));
}

export function mergeWindows(a: WindowSketch, b: WindowSketch): WindowSketch {
  return {
    rows: a.rows + b.rows,
    features: a.features.map((feature, index): FeatureSketch => {
      const other = b.features[index];
      if (other?.name !== feature.name || other.kind !== feature.kind) throw new RangeError(`windows of different baselines cannot merge (at ${feature.name})`);
      return feature.kind === 'numeric'
        ? { ...feature, sketch: mergeNumericSketches(feature.sketch, other.sketch as NumericSketch) }
        : { ...feature, sketch: mergeCategoricalSketches(feature.sketch, other.sketch as CategoricalSketch) };
    }),
  };
}

function addValue(feature: FeatureSketch, value: unknown): void {
  if (feature.kind === 'numeric') addNumericValue(feature.sketch, numberOf(value));
  else addCategoricalValue(feature.sketch, value);
}

/** Numbers as they are, numeric text (CSV) parsed; anything else is missing (NaN). */
export function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return NaN;
}
