import {
  type BaselineProfile,
  type Column,
  categoricalProfile,
  DEFAULT_MAX_CATEGORIES,
  decileEdges,
  type FeatureProfile,
  finiteSorted,
} from '../profile/baseline-profile';
import { addCategoricalValue, emptyCategoricalSketch } from '../profile/categorical-sketch';
import type { FeatureSketch, WindowSketch } from '../profile/window-sketch';
import { compareCategories } from './categorical-comparison';
import { type DriftPolicy, type DriftThresholds, decidingCategoricalMethod, decidingNumericMethod } from './drift-policy';
import { categoricalFeatureDrift, type FeatureDrift, featureWithoutData, numericFeatureDrift } from './feature-drift';
import { compareSamples, compareSketches } from './numeric-comparison';

/** The verdict on a whole window: every feature's drift, and whether enough of them drifted. */
export interface DatasetDrift {
  readonly features: readonly FeatureDrift[];
  readonly driftedFeatures: readonly string[];
  /** Drifted features over features with data on both sides. */
  readonly driftShare: number;
  readonly datasetDrift: boolean;
  readonly thresholds: DriftThresholds;
  readonly referenceRows: number;
  readonly currentRows: number;
}

/** The drift job's path: a window sketched in the baseline's frame against the baseline. */
export function windowDrift(baseline: BaselineProfile, window: WindowSketch, policy: DriftPolicy): DatasetDrift {
  const features = baseline.features.map((profile, index) => sketchFeatureDrift(profile, window.features[index], policy));
  return summarise(features, policy.thresholds, baseline.rows, window.rows);
}

/**
 * `mlops monitor check`'s path: two raw data sets, numeric features compared exactly. Columns are
 * matched by name; the reference's columns are the features.
 */
export function samplesDrift(reference: readonly Column[], current: readonly Column[], policy: DriftPolicy): DatasetDrift {
  const currentByName = new Map(current.map((column) => [column.name, column]));
  const features = reference.map((column) => {
    const other = currentByName.get(column.name);
    const currentValues = other?.values ?? [];
    if (column.kind === 'numeric') {
      const referenceSorted = finiteSorted(column.values);
      const currentSorted = finiteSorted(currentValues as ArrayLike<number>);
      const missing = currentValues.length - currentSorted.length;
      if (referenceSorted.length === 0 || currentSorted.length === 0) {
        const method = decidingNumericMethod(policy, referenceSorted.length);
        return featureWithoutData(column.name, 'numeric', method, referenceSorted.length, currentSorted.length, missing);
      }
      const binEdges = decileEdges(referenceSorted);
      return numericFeatureDrift(column.name, compareSamples(referenceSorted, currentSorted, binEdges), numericBinLabels(binEdges), missing, policy);
    }
    const profile = categoricalProfile(column.name, column.values, DEFAULT_MAX_CATEGORIES);
    const sketch = emptyCategoricalSketch(profile.sketch.categories);
    for (const value of currentValues as readonly unknown[]) addCategoricalValue(sketch, value);
    return categoricalComparisonDrift(profile.name, profile.sketch, sketch, policy);
  });
  return summarise(features, policy.thresholds, reference[0]?.values.length ?? 0, current[0]?.values.length ?? 0);
}

function sketchFeatureDrift(profile: FeatureProfile, window: FeatureSketch, policy: DriftPolicy): FeatureDrift {
  if (profile.kind === 'numeric' && window.kind === 'numeric') {
    const reference = profile.sketch;
    const current = window.sketch;
    if (reference.count === 0 || current.count === 0) {
      return featureWithoutData(profile.name, 'numeric', decidingNumericMethod(policy, reference.count), reference.count, current.count, current.missing);
    }
    return numericFeatureDrift(profile.name, compareSketches(profile, current), numericBinLabels(profile.binEdges), current.missing, policy);
  }
  if (profile.kind === 'categorical' && window.kind === 'categorical') return categoricalComparisonDrift(profile.name, profile.sketch, window.sketch, policy);
  throw new RangeError(`the window's ${window.name} is not sketched as the baseline's ${profile.name}`);
}

function categoricalComparisonDrift(
  name: string,
  reference: Parameters<typeof compareCategories>[0],
  current: Parameters<typeof compareCategories>[1],
  policy: DriftPolicy,
): FeatureDrift {
  if (reference.count === 0 || current.count === 0) {
    return featureWithoutData(name, 'categorical', decidingCategoricalMethod(policy, reference.count), reference.count, current.count, current.missing);
  }
  const labels = [...reference.categories, UNSEEN_LABEL];
  return categoricalFeatureDrift(name, compareCategories(reference, current), labels, current.missing, policy);
}

function summarise(features: FeatureDrift[], thresholds: DriftThresholds, referenceRows: number, currentRows: number): DatasetDrift {
  const compared = features.filter((feature) => feature.status !== 'no_data');
  const driftedFeatures = compared.filter((feature) => feature.status === 'drifted').map((feature) => feature.feature);
  const driftShare = compared.length > 0 ? driftedFeatures.length / compared.length : 0;
  return {
    features,
    driftedFeatures,
    driftShare,
    datasetDrift: compared.length > 0 && driftShare >= thresholds.driftShare,
    thresholds,
    referenceRows,
    currentRows,
  };
}

/** The bin a pooled category count is shown as. */
export const UNSEEN_LABEL = '(other)';

/** Labels of the ten decile bins: `< e1`, `[e1, e2)`, ..., `>= e9`. */
export function numericBinLabels(edges: readonly number[]): string[] {
  const text = (value: number) => Number(value.toPrecision(4)).toString();
  if (edges.length === 0) return ['all'];
  return [`< ${text(edges[0])}`, ...edges.slice(1).map((edge, index) => `[${text(edges[index])}, ${text(edge)})`), `>= ${text(edges[edges.length - 1])}`];
}
