import { windowDrift } from '../../../../../lambda/monitoring/core/drift/dataset-drift';
import { DEFAULT_POLICY } from '../../../../../lambda/monitoring/core/drift/drift-policy';
import { buildBaseline, type Column } from '../../../../../lambda/monitoring/core/profile/baseline-profile';
import { addRecord, emptyWindow, mergeWindows, type WindowSketch } from '../../../../../lambda/monitoring/core/profile/window-sketch';
import { driftReference } from '../../reference/drift-reference';

const numericCase = driftReference.numeric.find((entry) => entry.name === 'large sketch case')!;
const categoricalCase = driftReference.categorical.find((entry) => entry.name === 'an unseen category')!;

const baseline = buildBaseline(
  [
    { name: 'amount', kind: 'numeric', values: numericCase.reference },
    { name: 'channel', kind: 'categorical', values: categoricalCase.reference },
  ] satisfies Column[],
  { createdAt: '2026-11-25T00:00:00.000Z' },
);

/** Production records: every 97th lacks its amount, so missing values are merged too. */
const records = numericCase.current.map((amount, index) => ({
  ...(index % 97 === 0 ? {} : { amount }),
  channel: categoricalCase.current[index % categoricalCase.current.length],
}));

const sketchOf = (part: typeof records): WindowSketch => {
  const window = emptyWindow(baseline);
  for (const record of part) addRecord(window, record);
  return window;
};

describe('window sketches', () => {
  const whole = sketchOf(records);
  const chunkSize = Math.ceil(records.length / 10);
  const chunks = Array.from({ length: 10 }, (_, index) => sketchOf(records.slice(index * chunkSize, (index + 1) * chunkSize)));
  const merged = chunks.reduce(mergeWindows);

  it('merged from 10 chunks hold the same counts, extremes and pooled examples as the whole', () => {
    expect(merged.rows).toBe(whole.rows);
    merged.features.forEach((feature, index) => {
      const expected = whole.features[index];
      expect(feature.sketch.counts).toEqual(expected.sketch.counts);
      expect(feature.sketch.count).toBe(expected.sketch.count);
      expect(feature.sketch.missing).toBe(expected.sketch.missing);
      if (feature.kind === 'numeric' && expected.kind === 'numeric') {
        expect(feature.sketch.min).toBe(expected.sketch.min);
        expect(feature.sketch.max).toBe(expected.sketch.max);
        expect(feature.sketch.mean).toBeCloseTo(expected.sketch.mean, 12);
        expect(feature.sketch.m2 / expected.sketch.m2).toBeCloseTo(1, 12);
        expect(feature.sketch.aboveDistance / expected.sketch.aboveDistance).toBeCloseTo(1, 12);
      }
      if (feature.kind === 'categorical' && expected.kind === 'categorical') expect(feature.sketch.unseenExamples).toEqual(expected.sketch.unseenExamples);
    });
  });

  it('merged in any order give the drift verdicts and scores of the whole', () => {
    const reversed = [...chunks].reverse().reduce(mergeWindows);
    const expected = windowDrift(baseline, whole, DEFAULT_POLICY);

    for (const window of [merged, reversed]) {
      const actual = windowDrift(baseline, window, DEFAULT_POLICY);
      expect(actual.driftedFeatures).toEqual(expected.driftedFeatures);
      actual.features.forEach((feature, index) => {
        expect(feature.status).toBe(expected.features[index].status);
        feature.scores.forEach((score, position) => {
          const wholeScore = expected.features[index].scores[position];
          expect(score.method).toBe(wholeScore.method);
          expect(score.score).toBeCloseTo(wholeScore.score, 12);
        });
      });
    }
  });

  it('fail to merge when they were sketched against different baselines', () => {
    const other = buildBaseline(
      [
        { name: 'amount', kind: 'numeric', values: [1, 2, 3] },
        { name: 'channel', kind: 'categorical', values: ['a'] },
      ],
      {
        createdAt: 'now',
      },
    );
    expect(() => mergeWindows(whole, emptyWindow(other))).toThrow(/different edges/);
  });
});
