import * as fs from 'node:fs';
import * as path from 'node:path';
import { chiSquareSurvival, regularizedUpperGamma } from '../../../../../lambda/monitoring/core/statistics/chi-square';
import { expectRelativelyClose } from '../../reference/relative-error';

/** What make_ks_chi2_reference.py wrote from scipy.stats.chi2.sf. */
interface ChiSquareReference {
  readonly chiSquareSurvival: ReadonlyArray<{ readonly x: number; readonly k: number; readonly sf: number }>;
}

const reference: ChiSquareReference = JSON.parse(fs.readFileSync(path.join(__dirname, '../../reference/ks-chi2.json'), 'utf8'));

describe('chiSquareSurvival', () => {
  it.each(reference.chiSquareSurvival.map((c) => [c.x, c.k, c] as const))('matches scipy chi2.sf(%p, %p)', (_x, _k, c) => {
    expectRelativelyClose(chiSquareSurvival(c.x, c.k), c.sf);
  });

  it('reaches p-values near 1e-300', () => {
    expect(reference.chiSquareSurvival.filter((c) => c.sf > 0 && c.sf < 1e-299).length).toBeGreaterThanOrEqual(4);
  });

  it('is exp(-x/2) for two degrees of freedom', () => {
    for (const x of [1e-8, 0.3, 2, 17.5, 200, 1300]) {
      expectRelativelyClose(chiSquareSurvival(x, 2), Math.exp(-x / 2), 1e-13, `x = ${x}`);
    }
  });

  it('is 1 at or below 0, 0 at infinity', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(-4, 3)).toBe(1);
    expect(chiSquareSurvival(Infinity, 3)).toBe(0);
  });

  it('is NaN for NaN input or degrees of freedom that are not positive', () => {
    expect(chiSquareSurvival(Number.NaN, 3)).toBeNaN();
    expect(chiSquareSurvival(2, Number.NaN)).toBeNaN();
    expect(chiSquareSurvival(2, 0)).toBeNaN();
    expect(chiSquareSurvival(2, -1)).toBeNaN();
  });

  it('stays in [0, 1], falls with the statistic and rises with the degrees of freedom', () => {
    for (const k of [1, 2, 5, 30, 199, 1000]) {
      let previous = 1;
      for (let x = 0; x <= 4 * k + 100; x += (4 * k + 100) / 300) {
        const p = chiSquareSurvival(x, k);

        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(previous * (1 + 1e-12));
        expect(chiSquareSurvival(x, k + 1)).toBeGreaterThanOrEqual(p * (1 - 1e-12));
        previous = p;
      }
    }
  });
});

describe('regularizedUpperGamma', () => {
  it('is exp(-x) for a = 1 and erfc(sqrt(x)) for a = 1/2 at x = 1', () => {
    expectRelativelyClose(regularizedUpperGamma(1, 3.25), Math.exp(-3.25), 1e-14);
    expectRelativelyClose(regularizedUpperGamma(0.5, 1), 0.15729920705028516, 1e-13);
  });

  it('handles the edges as cephes igamc does', () => {
    expect(regularizedUpperGamma(2, 0)).toBe(1);
    expect(regularizedUpperGamma(0, 2)).toBe(0);
    expect(regularizedUpperGamma(2, Infinity)).toBe(0);
    expect(regularizedUpperGamma(-1, 2)).toBeNaN();
    expect(regularizedUpperGamma(1, -2)).toBeNaN();
  });
});
