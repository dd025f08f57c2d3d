import type { NumericFeatureProfile } from '../profile/baseline-profile';
import { addNumericColumn, emptyNumericSketch, type NumericSketch, standardDeviation } from '../profile/numeric-sketch';
import { addToBins, coarsenBins } from '../statistics/binning';
import { ksTwoSamplePValue, ksTwoSampleStatistic } from '../statistics/kolmogorov-smirnov';
import { wassersteinDistance } from '../statistics/wasserstein';

/** A value with the interval the true value lies in; `low === high === value` when computed exactly. */
export interface Estimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/**
 * What the numeric drift methods are computed from: the KS statistic and p-value, the Wasserstein
 * distance (in the feature's units), the reference's spread that normalises it, and both sides'
 * counts over the baseline's decile bins.
 */
export interface NumericComparison {
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly ksStatistic: Estimate;
  readonly ksPValue: Estimate;
  readonly wasserstein: Estimate;
  readonly referenceStd: number;
  readonly referenceBins: readonly number[];
  readonly currentBins: readonly number[];
}

const exactly = (value: number): Estimate => ({ value, low: value, high: value });

const lowStatisticPValue = (atLow: number, atHigh: number): Estimate => ({ value: atLow, low: atHigh, high: atLow });

/**
 * Compares two raw samples, both sorted ascending: KS and Wasserstein exactly (as scipy), PSI and
 * Jensen-Shannon over `binEdges`. This is `mlops monitor check` on two files.
 */
export function compareSamples(reference: Float64Array, current: Float64Array, binEdges: readonly number[]): NumericComparison {
  const statistic = ksTwoSampleStatistic(reference, current);
  return {
    referenceCount: reference.length,
    currentCount: current.length,
    ksStatistic: exactly(statistic),
    ksPValue: exactly(ksTwoSamplePValue(statistic, reference.length, current.length)),
    wasserstein: exactly(wassersteinDistance(reference, current)),
    referenceStd: standardDeviation(sketchOf(reference)),
    referenceBins: binned(binEdges, reference),
    currentBins: binned(binEdges, current),
  };
}

/**
 * Compares a window's sketch with the baseline it was binned against. PSI and Jensen-Shannon are
 * exact (the decile bins are among the sketch's edges); the KS statistic and the Wasserstein
 * distance come with the interval the raw data's values must lie in, from the bins' masses.
 */
export function compareSketches(baseline: NumericFeatureProfile, current: NumericSketch): NumericComparison {
  const reference = baseline.sketch;
  const ks = ksFromBins(reference, current);
  const pValue = (d: number) => ksTwoSamplePValue(d, reference.count, current.count);
  return {
    referenceCount: reference.count,
    currentCount: current.count,
    ksStatistic: ks,
    // A larger statistic means a smaller p-value: the bounds swap. The value is the low statistic's.
    ksPValue: lowStatisticPValue(pValue(ks.low), pValue(ks.high)),
    wasserstein: wassersteinFromBins(reference, current),
    referenceStd: standardDeviation(reference),
    referenceBins: coarsenBins(reference.edges, reference.counts, baseline.binEdges),
    currentBins: coarsenBins(current.edges, current.counts, baseline.binEdges),
  };
}

/**
 * Where both CDFs stand in one bin: at its start (the left limit, a value the raw CDF reaches) and
 * the range each runs through inside it. A side with no mass in a bin is flat there; in the last bin
 * a side whose maximum is the last edge is flat at 1. That is what makes the tails exact.
 */
interface BinCdf {
  readonly width: number;
  readonly referenceStart: number;
  readonly currentStart: number;
  readonly referenceLow: number;
  readonly referenceHigh: number;
  readonly currentLow: number;
  readonly currentHigh: number;
}

function* binCdfs(reference: NumericSketch, current: NumericSketch): Generator<BinCdf> {
  const { edges } = reference;
  let referenceCumulative = 0;
  let currentCumulative = 0;
  for (let bin = 0; bin <= edges.length; bin++) {
    const referenceStart = referenceCumulative / reference.count;
    const currentStart = currentCumulative / current.count;
    referenceCumulative += reference.counts[bin];
    currentCumulative += current.counts[bin];
    const last = bin === edges.length;
    yield {
      width: bin === 0 || last ? Infinity : edges[bin] - edges[bin - 1],
      referenceStart,
      currentStart,
      referenceLow: last && reference.max <= edges[bin - 1] ? 1 : referenceStart,
      referenceHigh: referenceCumulative / reference.count,
      currentLow: last && current.max <= edges[bin - 1] ? 1 : currentStart,
      currentHigh: currentCumulative / current.count,
    };
  }
}

/**
 * The KS statistic of the raw data lies between the largest CDF gap at the bins' starts (a gap the
 * raw CDFs reach) and the largest gap possible inside any bin.
 */
function ksFromBins(reference: NumericSketch, current: NumericSketch): Estimate {
  let low = 0;
  let high = 0;
  for (const bin of binCdfs(reference, current)) {
    low = Math.max(low, Math.abs(bin.referenceStart - bin.currentStart));
    high = Math.max(high, bin.referenceHigh - bin.currentLow, bin.currentHigh - bin.referenceLow);
  }
  return { value: low, low, high: Math.min(Math.max(high, low), 1) };
}

/**
 * The area between the CDFs: inside each bin both CDFs are taken as linear, which is off by at most
 * the bin's width times both sides' mass in it; the tails beyond the edges are exact from the
 * distance sums (the baseline has no mass below its first edge, and its mass at or above the last
 * edge sits on it).
 */
function wassersteinFromBins(reference: NumericSketch, current: NumericSketch): Estimate {
  let value = 0;
  let error = 0;
  for (const bin of binCdfs(reference, current)) {
    if (!Number.isFinite(bin.width)) continue;
    const start = bin.referenceLow - bin.currentLow;
    const end = bin.referenceHigh - bin.currentHigh;
    value += bin.width * areaOfLinearGap(start, end);
    error += bin.width * (bin.referenceHigh - bin.referenceLow + (bin.currentHigh - bin.currentLow));
  }
  const below = tailArea(reference.belowDistance / reference.count, current.belowDistance / current.count);
  const above = tailArea(reference.aboveDistance / reference.count, current.aboveDistance / current.count);
  value += below.value + above.value;
  error += below.error + above.error;
  return { value, low: Math.max(value - error, 0), high: value + error };
}

/** The integral of |g| over a unit interval where g runs linearly from `start` to `end`. */
function areaOfLinearGap(start: number, end: number): number {
  if (start * end >= 0) return (Math.abs(start) + Math.abs(end)) / 2;
  return (start * start + end * end) / (2 * (Math.abs(start) + Math.abs(end)));
}

/** Beyond an edge each side's tail area is known; the area between the CDFs there lies within |a - b| and a + b. */
const tailArea = (referenceArea: number, currentArea: number) => ({
  value: Math.abs(referenceArea - currentArea),
  error: 2 * Math.min(referenceArea, currentArea),
});

const sketchOf = (values: Float64Array) => {
  const sketch = emptyNumericSketch([]);
  addNumericColumn(sketch, values);
  return sketch;
};

const binned = (edges: readonly number[], values: Float64Array) => {
  const counts = new Array<number>(edges.length + 1).fill(0);
  addToBins(edges, counts, values);
  return counts;
};
