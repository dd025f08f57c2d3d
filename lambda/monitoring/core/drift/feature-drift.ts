import { jensenShannonDistance, populationStabilityIndex } from '../statistics/divergence';
import type { CategoricalComparison } from './categorical-comparison';
import { type DriftMethod, type DriftPolicy, decidingCategoricalMethod, decidingNumericMethod } from './drift-policy';
import type { NumericComparison } from './numeric-comparison';

/** One method's result for one feature. */
export interface MethodScore {
  readonly method: DriftMethod;
  /** The p-value for `ks` and `chi_square`; the distance for the others. */
  readonly score: number;
  /** Where the raw data's score lies when it was computed from sketches. */
  readonly bounds?: { readonly low: number; readonly high: number };
  /** The KS statistic D, for `ks`. */
  readonly statistic?: number;
  readonly threshold: number;
  readonly drifted: boolean;
}

export type FeatureStatus = 'drifted' | 'stable' | 'no_data';

export interface FeatureDrift {
  readonly feature: string;
  readonly kind: 'numeric' | 'categorical';
  readonly status: FeatureStatus;
  /** The method whose verdict is the feature's. */
  readonly decidedBy: DriftMethod;
  readonly scores: readonly MethodScore[];
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly currentMissing: number;
  /** Both sides' shares over the compared bins, for charts. */
  readonly bins: { readonly labels: readonly string[]; readonly reference: readonly number[]; readonly current: readonly number[] };
}

/** Scores a numeric feature by every method; the policy's method gives the verdict. */
export function numericFeatureDrift(
  feature: string,
  comparison: NumericComparison,
  binLabels: readonly string[],
  currentMissing: number,
  policy: DriftPolicy,
): FeatureDrift {
  const { thresholds } = policy;
  // Evidently's guard: a constant reference would make any shift infinitely many deviations.
  const norm = Math.max(comparison.referenceStd, 0.001);
  const { ksPValue, wasserstein } = comparison;
  const scores: MethodScore[] = [
    {
      method: 'ks',
      score: ksPValue.value,
      ...boundsOf(ksPValue),
      statistic: comparison.ksStatistic.value,
      threshold: thresholds.ksPValue,
      drifted: ksPValue.value < thresholds.ksPValue,
    },
    ...distanceScores(comparison, thresholds.psi, thresholds.jensenShannon),
    {
      method: 'wasserstein',
      score: wasserstein.value / norm,
      ...boundsOf({ low: wasserstein.low / norm, high: wasserstein.high / norm, value: wasserstein.value / norm }),
      threshold: thresholds.wasserstein,
      drifted: wasserstein.value / norm >= thresholds.wasserstein,
    },
  ];
  return verdict(feature, 'numeric', decidingNumericMethod(policy, comparison.referenceCount), scores, comparison, binLabels, currentMissing);
}

export function categoricalFeatureDrift(
  feature: string,
  comparison: CategoricalComparison,
  binLabels: readonly string[],
  currentMissing: number,
  policy: DriftPolicy,
): FeatureDrift {
  const { thresholds } = policy;
  const scores: MethodScore[] = [
    {
      method: 'chi_square',
      score: comparison.chiSquarePValue,
      threshold: thresholds.chiSquarePValue,
      drifted: comparison.chiSquarePValue < thresholds.chiSquarePValue,
    },
    ...distanceScores(comparison, thresholds.psi, thresholds.jensenShannon),
  ];
  return verdict(feature, 'categorical', decidingCategoricalMethod(policy, comparison.referenceCount), scores, comparison, binLabels, currentMissing);
}

interface Binned {
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly referenceBins: readonly number[];
  readonly currentBins: readonly number[];
}

function distanceScores(binned: Binned, psiThreshold: number, jensenShannonThreshold: number): MethodScore[] {
  const psi = populationStabilityIndex(binned.referenceBins, binned.currentBins);
  const jensenShannon = jensenShannonDistance(binned.referenceBins, binned.currentBins);
  return [
    { method: 'psi', score: psi, threshold: psiThreshold, drifted: psi >= psiThreshold },
    { method: 'jensen_shannon', score: jensenShannon, threshold: jensenShannonThreshold, drifted: jensenShannon >= jensenShannonThreshold },
  ];
}

const boundsOf = (estimate: { value: number; low: number; high: number }) =>
  estimate.low === estimate.high ? {} : { bounds: { low: estimate.low, high: estimate.high } };

function verdict(
  feature: string,
  kind: FeatureDrift['kind'],
  decidedBy: DriftMethod,
  scores: MethodScore[],
  binned: Binned,
  labels: readonly string[],
  currentMissing: number,
): FeatureDrift {
  const deciding = scores.find((score) => score.method === decidedBy)!;
  return {
    feature,
    kind,
    status: deciding.drifted ? 'drifted' : 'stable',
    decidedBy,
    scores,
    referenceCount: binned.referenceCount,
    currentCount: binned.currentCount,
    currentMissing,
    bins: { labels, reference: shares(binned.referenceBins), current: shares(binned.currentBins) },
  };
}

const shares = (counts: readonly number[]) => {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.map((count) => (total > 0 ? count / total : 0));
};

/** A feature one side has no values of: nothing to compare, so no verdict. */
export function featureWithoutData(
  feature: string,
  kind: FeatureDrift['kind'],
  decidedBy: DriftMethod,
  referenceCount: number,
  currentCount: number,
  currentMissing: number,
): FeatureDrift {
  return {
    feature,
    kind,
    status: 'no_data',
    decidedBy,
    scores: [],
    referenceCount,
    currentCount,
    currentMissing,
    bins: { labels: [], reference: [], current: [] },
  };
}
