import { samplesDrift, windowDrift } from '../../../../../lambda/monitoring/core/drift/dataset-drift';
import { DEFAULT_POLICY } from '../../../../../lambda/monitoring/core/drift/drift-policy';
import type { FeatureDrift } from '../../../../../lambda/monitoring/core/drift/feature-drift';
import { compareSamples } from '../../../../../lambda/monitoring/core/drift/numeric-comparison';
import { buildBaseline } from '../../../../../lambda/monitoring/core/profile/baseline-profile';
import { addRow, emptyWindow } from '../../../../../lambda/monitoring/core/profile/window-sketch';
import { driftReference } from '../../reference/drift-reference';
import { expectRelativelyClose } from '../../reference/relative-error';

const sorted = (values: number[]) => Float64Array.from(values).sort();
const score = (feature: FeatureDrift, method: string) => feature.scores.find((entry) => entry.method === method)!;

describe('numeric drift statistics against scipy/numpy', () => {
  describe.each(driftReference.numeric)('$name', ({ reference, current, expected }) => {
    const exact = samplesDrift([{ name: 'x', kind: 'numeric', values: reference }], [{ name: 'x', kind: 'numeric', values: current }], DEFAULT_POLICY)
      .features[0];

    it('computes the KS statistic, its p-value and the Wasserstein distance exactly', () => {
      const comparison = compareSamples(sorted(reference), sorted(current), expected.binEdges);
      expectRelativelyClose(comparison.ksStatistic.value, expected.ksStatistic);
      expectRelativelyClose(comparison.ksPValue.value, expected.ksPValue);
      expectRelativelyClose(comparison.wasserstein.value, expected.wasserstein);
      expectRelativelyClose(comparison.referenceStd, expected.referenceStd);
    });

    it('bins on the same decile edges as numpy, and scores PSI, Jensen-Shannon and normalised Wasserstein as scipy', () => {
      const profile = buildBaseline([{ name: 'x', kind: 'numeric', values: reference }], { createdAt: 'now' }).features[0];
      expect(profile.kind === 'numeric' && profile.binEdges).toEqual(expected.binEdges);
      expect(profile.kind === 'numeric' && profile.sketch.edges).toEqual(expected.sketchEdges);
      expectRelativelyClose(score(exact, 'psi').score, expected.psi);
      expectRelativelyClose(score(exact, 'jensen_shannon').score, expected.jensenShannon);
      expectRelativelyClose(score(exact, 'wasserstein').score, expected.normalisedWasserstein);
      expectRelativelyClose(score(exact, 'ks').score, expected.ksPValue);
    });

    it('from sketches, scores PSI and Jensen-Shannon exactly and bounds KS and Wasserstein around the exact values', () => {
      const baseline = buildBaseline([{ name: 'x', kind: 'numeric', values: reference }], { createdAt: 'now' });
      const window = emptyWindow(baseline);
      for (const value of current) addRow(window, [value]);

      const sketched = windowDrift(baseline, window, DEFAULT_POLICY).features[0];

      expectRelativelyClose(score(sketched, 'psi').score, expected.psi);
      expectRelativelyClose(score(sketched, 'jensen_shannon').score, expected.jensenShannon);
      const ks = score(sketched, 'ks');
      const wasserstein = score(sketched, 'wasserstein');
      expectWithin(expected.ksPValue, ks.bounds ?? { low: ks.score, high: ks.score });
      expectWithin(expected.normalisedWasserstein, wasserstein.bounds ?? { low: wasserstein.score, high: wasserstein.score });
      expect(ks.statistic).toBeLessThanOrEqual(expected.ksStatistic * (1 + 1e-12));
    });
  });
});

describe('categorical drift statistics against scipy/numpy', () => {
  describe.each(driftReference.categorical)('$name', ({ reference, current, expected }) => {
    it('counts the categories and scores chi-square, PSI and Jensen-Shannon as scipy', () => {
      const feature = samplesDrift(
        [{ name: 'c', kind: 'categorical', values: reference }],
        [{ name: 'c', kind: 'categorical', values: current }],
        DEFAULT_POLICY,
      ).features[0];

      expect(feature.bins.labels.slice(0, -1)).toEqual(expected.categories);
      expectRelativelyClose(score(feature, 'chi_square').score, expected.chiSquarePValue);
      expectRelativelyClose(score(feature, 'psi').score, expected.psi);
      expectRelativelyClose(score(feature, 'jensen_shannon').score, expected.jensenShannon);
    });
  });
});

/** The documented bound: the raw data's value lies in the interval reported from the sketches. */
function expectWithin(value: number, bounds: { low: number; high: number }) {
  const slack = 1e-12 * Math.max(Math.abs(value), 1e-300);
  expect(value).toBeGreaterThanOrEqual(bounds.low - slack);
  expect(value).toBeLessThanOrEqual(bounds.high + slack);
}
