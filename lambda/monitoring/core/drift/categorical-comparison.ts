import type { CategoricalSketch } from '../profile/categorical-sketch';
import { chiSquareSurvival } from '../statistics/chi-square';

/** Both sides' counts over the baseline's categories and the pooled "unseen" bin. */
export interface CategoricalComparison {
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly chiSquarePValue: number;
  readonly referenceBins: readonly number[];
  readonly currentBins: readonly number[];
}

export function compareCategories(reference: CategoricalSketch, current: CategoricalSketch): CategoricalComparison {
  return {
    referenceCount: reference.count,
    currentCount: current.count,
    chiSquarePValue: chiSquareGoodnessOfFit(current.counts, reference.counts),
    referenceBins: reference.counts,
    currentBins: current.counts,
  };
}

/**
 * Pearson's chi-square test of the current counts against the reference's shares, as Evidently
 * runs `scipy.stats.chisquare`: over the categories seen on either side, expected = reference count
 * scaled to the current total. A category the reference never saw makes the statistic infinite, so
 * the p-value 0: a value never trained on is drift.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], referenceCounts: readonly number[]): number {
  const referenceTotal = referenceCounts.reduce((sum, count) => sum + count, 0);
  const observedTotal = observed.reduce((sum, count) => sum + count, 0);
  let statistic = 0;
  let categories = 0;
  for (let bin = 0; bin < observed.length; bin++) {
    if (observed[bin] === 0 && referenceCounts[bin] === 0) continue;
    categories++;
    const expected = (referenceCounts[bin] * observedTotal) / referenceTotal;
    statistic += (observed[bin] - expected) ** 2 / expected;
  }
  return categories < 2 ? (Number.isFinite(statistic) ? 1 : 0) : chiSquareSurvival(statistic, categories - 1);
}
