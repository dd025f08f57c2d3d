import type { BaselineProfile } from './baseline-profile';
import { emptyWindow, type WindowSketch } from './window-sketch';

/**
 * A window sketch as JSON without its frame (the baseline's edges and categories, the bulk of it):
 * what a fanned-out chunk writes and the merge step reads back against the same baseline.
 */
export interface WindowWire {
  readonly rows: number;
  readonly features: readonly FeatureWire[];
}

type FeatureWire =
  | {
      readonly name: string;
      readonly counts: number[];
      readonly count: number;
      readonly missing: number;
      readonly min: number | null;
      readonly max: number | null;
      readonly mean: number;
      readonly m2: number;
      readonly belowDistance: number;
      readonly aboveDistance: number;
    }
  | { readonly name: string; readonly counts: number[]; readonly count: number; readonly missing: number; readonly unseenExamples: string[] };

export function windowToWire(window: WindowSketch): WindowWire {
  return {
    rows: window.rows,
    features: window.features.map(({ name, kind, sketch }): FeatureWire => {
      if (kind === 'categorical') return { name, counts: sketch.counts, count: sketch.count, missing: sketch.missing, unseenExamples: sketch.unseenExamples };
      const { counts, count, missing, mean, m2, belowDistance, aboveDistance } = sketch;
      // JSON has no infinities: an empty sketch's extremes travel as null.
      const finite = (value: number) => (Number.isFinite(value) ? value : null);
      return { name, counts, count, missing, min: finite(sketch.min), max: finite(sketch.max), mean, m2, belowDistance, aboveDistance };
    }),
  };
}

export function windowFromWire(baseline: BaselineProfile, wire: WindowWire): WindowSketch {
  const window = emptyWindow(baseline);
  window.rows = wire.rows;
  window.features.forEach((feature, index) => {
    const part = wire.features[index];
    if (part?.name !== feature.name || part.counts.length !== feature.sketch.counts.length) {
      throw new RangeError(`the sketch of ${feature.name} was not made against this baseline`);
    }
    feature.sketch.counts.splice(0, part.counts.length, ...part.counts);
    feature.sketch.count = part.count;
    feature.sketch.missing = part.missing;
    if (feature.kind === 'categorical' && 'unseenExamples' in part) feature.sketch.unseenExamples = [...part.unseenExamples];
    if (feature.kind === 'numeric' && 'mean' in part) {
      Object.assign(feature.sketch, {
        min: part.min ?? Infinity,
        max: part.max ?? -Infinity,
        mean: part.mean,
        m2: part.m2,
        belowDistance: part.belowDistance,
        aboveDistance: part.aboveDistance,
      });
    }
  });
  return window;
}
