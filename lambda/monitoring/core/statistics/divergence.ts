/**
 * Divergences between two binned distributions, given as counts over the same bins. These are exact:
 * the counts are, so baseline sketches lose nothing here.
 */

/** Empty bins count as this share in PSI, as Evidently and most PSI write-ups do (ln 0 is undefined). */
export const PSI_EMPTY_BIN_SHARE = 0.0001;

/** Population stability index: sum over bins of (current - reference) * ln(current / reference). */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[]): number {
  const referenceTotal = total(reference);
  const currentTotal = total(current);
  let psi = 0;
  for (let bin = 0; bin < reference.length; bin++) {
    const expected = reference[bin] / referenceTotal || PSI_EMPTY_BIN_SHARE;
    const actual = current[bin] / currentTotal || PSI_EMPTY_BIN_SHARE;
    psi += (actual - expected) * Math.log(actual / expected);
  }
  return psi;
}

/**
 * Jensen-Shannon distance with natural logarithms, as `scipy.spatial.distance.jensenshannon`: the
 * square root of the mean Kullback-Leibler divergence of each distribution from their midpoint.
 * It lies in [0, sqrt(ln 2)].
 */
export function jensenShannonDistance(reference: readonly number[], current: readonly number[]): number {
  const referenceTotal = total(reference);
  const currentTotal = total(current);
  let divergence = 0;
  for (let bin = 0; bin < reference.length; bin++) {
    const p = reference[bin] / referenceTotal;
    const q = current[bin] / currentTotal;
    const m = (p + q) / 2;
    if (p > 0) divergence += p * Math.log(p / m);
    if (q > 0) divergence += q * Math.log(q / m);
  }
  return Math.sqrt(Math.max(divergence / 2, 0));
}

const total = (counts: readonly number[]) => counts.reduce((sum, count) => sum + count, 0);
