import * as fs from 'node:fs';
import * as path from 'node:path';
import { kolmogorovSmirnovSurvival, ksTwoSamplePValue, ksTwoSampleStatistic } from '../../../../../lambda/monitoring/core/statistics/kolmogorov-smirnov';
import { seededRandom } from '../../../../support/seeded-random';
import { expectRelativelyClose } from '../../reference/relative-error';

/** What make_ks_chi2_reference.py wrote from scipy.stats.ks_2samp and scipy.stats.kstwo.sf. */
interface KsReference {
  readonly ksTwoSample: ReadonlyArray<{
    readonly name: string;
    readonly n1: number;
    readonly n2: number;
    readonly statistic: number;
    readonly pvalue: number;
    readonly method: 'exact' | 'asymp';
    readonly a?: number[];
    readonly b?: number[];
  }>;
  readonly kstwoSurvival: ReadonlyArray<{ readonly n: number; readonly d: number; readonly branch: string; readonly sf: number }>;
}

const reference: KsReference = JSON.parse(fs.readFileSync(path.join(__dirname, '../../reference/ks-chi2.json'), 'utf8'));

function sorted(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Deterministic uniform samples so the property tests do not depend on Math.random. */
function uniformSample(seed: number, size: number, shift = 0): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: size }, () => random() + shift).sort();
}

describe('ksTwoSampleStatistic', () => {
  const withSamples = reference.ksTwoSample.filter((c) => c.a !== undefined && c.b !== undefined);

  it('has samples to recompute from in the fixture', () => {
    expect(withSamples.length).toBeGreaterThanOrEqual(20);
  });

  it.each(withSamples.map((c) => [c.name, c] as const))('matches scipy ks_2samp for %s', (_name, c) => {
    const statistic = ksTwoSampleStatistic(sorted(c.a!), sorted(c.b!));

    expectRelativelyClose(statistic, c.statistic, 1e-12);
  });

  it('is symmetric in its arguments', () => {
    for (const [n1, n2, shift] of [
      [1, 1, 0.5],
      [7, 13, 0],
      [100, 37, 0.1],
      [500, 500, 0.02],
    ]) {
      const a = uniformSample(n1 * 31 + n2, n1);
      const b = uniformSample(n2 * 17 + n1, n2, shift);

      expect(ksTwoSampleStatistic(a, b)).toBe(ksTwoSampleStatistic(b, a));
    }
  });

  it('is 0 for identical samples, ties included', () => {
    const a = Float64Array.from([1, 2, 2, 2, 3, 5, 5, 8]);

    expect(ksTwoSampleStatistic(a, a.slice())).toBe(0);
  });

  it('is 1 for disjoint samples', () => {
    const a = uniformSample(1, 50);
    const b = uniformSample(2, 70, 5);

    expect(ksTwoSampleStatistic(a, b)).toBe(1);
    expect(ksTwoSampleStatistic(b, a)).toBe(1);
  });

  it('steps both ECDFs together at tied values', () => {
    // F_a jumps 0 -> 1 at 1; F_b is 1/2 at 1, so D = 1/2, not the 1 an unmerged walk would see.
    expect(ksTwoSampleStatistic(Float64Array.from([1, 1]), Float64Array.from([1, 2]))).toBe(0.5);
  });

  it('is NaN when a sample holds NaN', () => {
    expect(ksTwoSampleStatistic(sorted([1, Number.NaN]), sorted([1, 2]))).toBeNaN();
  });

  it('fails for an empty sample', () => {
    expect(() => ksTwoSampleStatistic(new Float64Array(0), Float64Array.from([1]))).toThrow(RangeError);
  });
});

describe('ksTwoSamplePValue', () => {
  it.each(reference.ksTwoSample.map((c) => [c.name, c] as const))('matches scipy ks_2samp for %s', (_name, c) => {
    expectRelativelyClose(ksTwoSamplePValue(c.statistic, c.n1, c.n2), c.pvalue);
  });

  it('matches scipy from the recomputed statistic too', () => {
    for (const c of reference.ksTwoSample.filter((r) => r.a !== undefined)) {
      const statistic = ksTwoSampleStatistic(sorted(c.a!), sorted(c.b!));

      expectRelativelyClose(ksTwoSamplePValue(statistic, c.n2, c.n1), c.pvalue, 1e-9, c.name);
    }
  });

  it('covers exact and asymptotic cases and scipy falling back from exact', () => {
    const methods = new Set(reference.ksTwoSample.map((c) => c.method));
    const fallbacks = reference.ksTwoSample.filter((c) => c.method === 'asymp' && Math.max(c.n1, c.n2) <= 10000);

    expect([...methods].sort()).toEqual(['asymp', 'exact']);
    expect(fallbacks.length).toBeGreaterThan(0);
  });

  it.each([
    [3, 3],
    [7, 7],
    [10, 15],
    [30, 45],
    [200, 300],
    [1000, 1000],
    [20000, 30000],
    [1_000_000, 1_000_000],
    [5_000_000, 3_000_000],
  ])('stays in [0, 1] and never increases with d for sizes %i and %i', (n1, n2) => {
    let previous = 1;
    for (let step = 0; step <= 400; step++) {
      const d = (step / 400) ** 3;
      const p = ksTwoSamplePValue(d, n1, n2);

      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(p).toBeLessThanOrEqual(previous * (1 + 1e-9));
      previous = p;
    }
  });

  it('is 1 for d = 0 and NaN for NaN', () => {
    expect(ksTwoSamplePValue(0, 40, 60)).toBe(1);
    expect(ksTwoSamplePValue(0, 40_000, 60_000)).toBe(1);
    expect(ksTwoSamplePValue(Number.NaN, 40, 60)).toBeNaN();
  });

  it.each([
    [0, 5],
    [5, 0],
    [2.5, 5],
    [5, Number.NaN],
    [2 ** 27, 5],
  ])('fails for sample sizes %p and %p', (n1, n2) => {
    expect(() => ksTwoSamplePValue(0.1, n1, n2)).toThrow(RangeError);
  });
});

describe('kolmogorovSmirnovSurvival', () => {
  it.each(reference.kstwoSurvival.map((c) => [c.n, c.d, c.branch, c] as const))('matches scipy kstwo.sf for n = %i, d = %p (%s)', (_n, _d, _branch, c) => {
    expectRelativelyClose(kolmogorovSmirnovSurvival(c.d, c.n), c.sf);
  });

  it('is 1 up to 0.5/n, 0 from 1 on, NaN for a non-integer or non-positive n', () => {
    expect(kolmogorovSmirnovSurvival(0.05, 10)).toBe(1);
    expect(kolmogorovSmirnovSurvival(-1, 10)).toBe(1);
    expect(kolmogorovSmirnovSurvival(1, 10)).toBe(0);
    expect(kolmogorovSmirnovSurvival(0.3, 2.5)).toBeNaN();
    expect(kolmogorovSmirnovSurvival(0.3, 0)).toBeNaN();
  });
});
