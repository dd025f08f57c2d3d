/**
 * The two-sample Kolmogorov-Smirnov test, ported from scipy 1.17.1 so that statistic and p-value
 * agree with `scipy.stats.ks_2samp(a, b, alternative='two-sided', method='auto')` to about 1e-12
 * relative (the fixtures check 1e-9). What is ported, and from where:
 *
 * - `ks_2samp` and its exact helpers: scipy/stats/_stats_py.py (`_attempt_exact_2kssamp`,
 *   `_compute_prob_outside_square`) and scipy/stats/_stats_pythran.py
 *   (`_compute_outer_prob_inside_method`).
 * - `kstwo.sf`: scipy/stats/_ksstats.py (`_kolmogn` with the Durbin matrix, Pomeranz and Pelz-Good
 *   methods) behind `rv_continuous.sf`'s support handling.
 * - `scipy.special.smirnov`: xsf/cephes/kolmogorov.h, which sums in double-double arithmetic
 *   (xsf/cephes/dd_real.h); the double-double helpers at the end of this file mirror those.
 *
 * One deliberate difference in method, not in value: for n > 2000 and n x^2 >= 2.2 the smirnov sum
 * has ~n terms and xsf adds them all (about a second at n = 10^6, in scipy too); here a trapezoid
 * rule on a few hundred of them gives the same sum to 2e-13 in well under a millisecond
 * (`smirnovLowerSumFast`). This is what large-sample asymptotic p-values below 0.02 go through.
 *
 * Where scipy's numbers come from BLAS (the Durbin matrix powers) or from numpy's long double
 * (rescaled intermediates), this port uses plain doubles in a fixed order; those paths only serve
 * p-values above about 0.02 and differ from scipy in the last few bits.
 *
 * Pure arithmetic on Numbers: every integer involved stays below 2^53 for samples of fewer than
 * 2^26 (67 million) values each; `ksTwoSamplePValue` refuses larger sizes.
 */

/** scipy's `MAX_AUTO_N`: 'auto' is exact when neither sample is larger. */
const MAX_EXACT_SAMPLE_SIZE = 10_000;
/** Sizes keep n1 * n2 (and so every lattice-path index) below 2^53. */
const MAX_SAMPLE_SIZE = 2 ** 26;

/**
 * The two-sided statistic D = max |F_a(x) - F_b(x)| over all points of both samples, with both
 * ECDFs right-continuous (numpy's `searchsorted(side='right')`), so tied values step together.
 * Mirrors `ks_2samp`: the same differences `i/n1 - j/n2` in the same floating-point form, the
 * largest of max and -min. (In exact mode scipy then reports `round(D*lcm)/lcm`, which differs from
 * this by at most an ulp and yields the same p-value.) Both samples must be sorted ascending and
 * non-empty; a NaN (sorted last by `Float64Array.sort`) makes the statistic NaN, as scipy's
 * default `nan_policy='propagate'` does.
 */
export function ksTwoSampleStatistic(sortedA: Float64Array, sortedB: Float64Array): number {
  const n1 = sortedA.length;
  const n2 = sortedB.length;
  if (n1 === 0 || n2 === 0) {
    throw new RangeError(`the two-sample KS test needs two non-empty samples, got sizes ${n1} and ${n2}`);
  }
  if (Number.isNaN(sortedA[n1 - 1]) || Number.isNaN(sortedB[n2 - 1])) return Number.NaN;
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < n1 || j < n2) {
    const value = j >= n2 || (i < n1 && sortedA[i] <= sortedB[j]) ? sortedA[i] : sortedB[j];
    while (i < n1 && sortedA[i] <= value) i++;
    while (j < n2 && sortedB[j] <= value) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  return Math.max(minS, maxDiff);
}

/**
 * The two-sided p-value of `ks_2samp(method='auto')` for statistic `d` and sample sizes n1, n2:
 * exact lattice-path counting when neither size exceeds 10000 (falling back to the asymptotic
 * distribution where scipy's exact computation leaves [0, 1]), else `kstwo.sf(d, round(n1*n2/(n1+n2)))`.
 * Exact mode first rounds d to the lattice h/lcm(n1, n2), as scipy does. Clipped to [0, 1].
 */
export function ksTwoSamplePValue(d: number, n1: number, n2: number): number {
  for (const size of [n1, n2]) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_SAMPLE_SIZE) {
      throw new RangeError(`sample sizes must be integers from 1 to ${MAX_SAMPLE_SIZE}, got ${size}`);
    }
  }
  if (Number.isNaN(d)) return Number.NaN;
  let statistic = d;
  if (Math.max(n1, n2) <= MAX_EXACT_SAMPLE_SIZE) {
    const exact = attemptExactTwoSided(n1, n2, d);
    if (exact.success) return clipProbability(exact.prob);
    statistic = exact.d;
  }
  return clipProbability(asymptoticTwoSided(statistic, n1, n2));
}

/**
 * `scipy.stats.kstwo.sf(d, n)`: the survival function of the one-sample two-sided KS statistic
 * D_n. As `rv_continuous.sf`: NaN unless n is a positive integer, 1 at or below the support's
 * lower end 0.5/n, 0 at or above 1, otherwise `_kolmogn(n, d, cdf=False)`.
 */
export function kolmogorovSmirnovSurvival(d: number, n: number): number {
  if (Number.isNaN(d) || !Number.isInteger(n) || n < 1) return Number.NaN;
  if (d <= 0.5 / n) return 1;
  if (d >= 1) return 0;
  return kolmogornSurvival(n, d);
}

// ---------------------------------------------------------------------------------------------
// ks_2samp's exact and asymptotic two-sided p-values (scipy/stats/_stats_py.py)
// ---------------------------------------------------------------------------------------------

interface ExactAttempt {
  readonly success: boolean;
  /** d rounded to the lattice, which the asymptotic fallback then uses. */
  readonly d: number;
  readonly prob: number;
}

/**
 * `_attempt_exact_2kssamp` for 'two-sided'. lcm <= 10^8 here, so d*lcm, h and every index below
 * are exact doubles. scipy's `np.round` rounds half to even.
 */
function attemptExactTwoSided(n1: number, n2: number, d: number): ExactAttempt {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const rounded = h / lcm;
  if (h === 0) return { success: true, d: rounded, prob: 1 };
  const prob = n1 === n2 ? computeProbOutsideSquare(n1, h) : computeOuterProbInsideMethod(n1, n2, g, h);
  // scipy gives up on anything outside [0, 1] (e.g. 1.0000000000000002 for h = 1) or NaN.
  return { success: prob >= 0 && prob <= 1, d: rounded, prob };
}

/**
 * `_compute_prob_outside_square`: Pr(D_{n,n} >= h/n) as 2 * (A0 (1 - A1 (1 - A2 (...)))), each
 * Ai a ratio of binomials built from h factors, evaluated innermost first (Horner-like) to avoid
 * the subtractive cancellation of the alternating binomial sum.
 */
function computeProbOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * `_compute_outer_prob_inside_method` (pythran): the share of lattice paths from (0,0) to (m,n)
 * leaving the band |x/m - y/n| < h/lcm, via Viehmann's recursion for 1 - p on one sliding column
 * of the path-count matrix, each entry already divided by its binomial so it stays in [0, 1].
 */
function computeOuterProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const column = new Float64Array(lenA).fill(1);
  column.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (column[jj + shift] * i + val * j) / (i + j);
      column[jj] = val;
    }
    curlen = maxj - minj;
    // Entries the window no longer covers stand for paths already outside: reset them to 1.
    if (lastlen > curlen) column.fill(1, curlen, Math.min(lastlen, lenA));
  }
  return column[maxj - minj - 1];
}

/**
 * ks_2samp's 'asymp' two-sided branch: kstwo.sf at the effective size round(m*n/(m+n)), computed
 * in floating point with m the larger size, as scipy does.
 */
function asymptoticTwoSided(d: number, n1: number, n2: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  return kolmogorovSmirnovSurvival(d, roundHalfEven(en));
}

// ---------------------------------------------------------------------------------------------
// kstwo.sf: _kolmogn and its methods (scipy/stats/_ksstats.py)
// ---------------------------------------------------------------------------------------------

const TWO_POW_128 = 2 ** 128;
const TWO_POW_MINUS_128 = 2 ** -128;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
/** B_{2j}/(2j)/(2j-1) for j = 8..1, highest power first (scipy's `_STIRLING_COEFFS`). */
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

function clipProbability(p: number): number {
  return Number.isNaN(p) ? p : Math.min(Math.max(p, 0), 1);
}

/**
 * `_kolmogn(n, x, cdf=False)` for 0 < x < 1: Simard and L'Ecuyer's choice of method by n and
 * n*x^2. Where scipy computes the CDF, the SF is 1 - CDF; those branches only cover SF > 0.02.
 */
function kolmogornSurvival(n: number, x: number): number {
  const t = n * x;
  if (t <= 1) {
    // Ruben-Gambino: CDF = n!/n^n * (2t-1)^n for 1/2n <= x <= 1/n.
    if (t <= 0.5) return 1;
    return clipProbability(1 - rubenGambinoCdf(n, t));
  }
  if (t >= n - 1) return clipProbability(2 * (1 - x) ** n);
  if (x >= 0.5) return clipProbability(2 * smirnov(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clipProbability(1 - durbinMatrixCdf(n, x));
    if (nxSquared <= 4) return clipProbability(1 - pomeranzCdf(n, x));
    return clipProbability(2 * smirnov(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clipProbability(2 * smirnov(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinMatrixCdf(n, x) : pelzGoodCdf(n, x);
  return clipProbability(1 - cdf);
}

/** The `t <= 1` branch of `_kolmogn`: a direct product for n <= 140, else Stirling in logs. */
function rubenGambinoCdf(n: number, t: number): number {
  if (n <= 140) {
    let prob = 1;
    for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    return prob;
  }
  return Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
}

/** `_log_nfactorial_div_n_pow_n`: log(n!/n^n) by Stirling with n*log(n) removed up front. */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING_COEFFS) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/**
 * `_kolmogn_DMTW`: the CDF by Durbin's matrix method as Marsaglia, Tsang and Wang evaluate it:
 * with d = (k - h)/n, the (k,k) entry of H^n for a (2k-1)-square H, times n!/n^n, squaring with
 * power-of-two rescaling. Only row k of the running power is kept (scipy keeps the full matrix;
 * the entry is the same), which makes each step O(m^2) instead of O(m^3) besides the squaring.
 */
function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let H = durbinMatrix(h, m);
  let row: Float64Array = new Float64Array(m);
  row[k - 1] = 1;
  let expnt = 0;
  let hExpnt = 0;
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2 === 1) {
      row = rowTimesMatrix(row, H, m);
      expnt += hExpnt;
    }
    if (nn === 1) break; // scipy squares once more, but never reads that square
    H = squareMatrix(H, m);
    hExpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > TWO_POW_128) {
      for (let i = 0; i < H.length; i++) H[i] /= TWO_POW_128;
      hExpnt += 128;
    }
  }
  let p = row[k - 1];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_POW_MINUS_128) {
      p *= TWO_POW_128;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clipProbability(p);
}

/** The m-square matrix H of `_kolmogn_DMTW`, row-major. */
function durbinMatrix(h: number, m: number): Float64Array {
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j; // may underflow, harmlessly
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  const H = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];
  return H;
}

function squareMatrix(a: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += ail * a[l * m + j];
    }
  }
  return out;
}

function rowTimesMatrix(row: Float64Array, a: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let l = 0; l < m; l++) {
    const rl = row[l];
    if (rl === 0) continue;
    for (let j = 0; j < m; j++) out[j] += rl * a[l * m + j];
  }
  return out;
}

/**
 * `_kolmogn_Pomeranz`: Pomeranz's recursion, two rows of n*(2n+2) convolved with (almost)
 * Poisson weights, keeping only each row's non-zero window, rescaled by 2^128 against underflow;
 * the CDF is n! times the last entry.
 */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = poissonWeights(g / n, npwrs);
  const twogpower = poissonWeights((2 * g) / n, npwrs);
  const onem2gpower = poissonWeights((1 - 2 * g) / n, npwrs);
  let v0 = new Float64Array(npwrs);
  let v1 = new Float64Array(npwrs);
  v1[0] = 1;
  let v0s = 0;
  let v1s = 0;
  let expnt = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0s, v1s] = [v1s, v0s];
    v1.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 === 1 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      convolveWindow(v0, k1 - v0s, pwrs, ln2, j1 - k1, j2 - j1 + 1, v1);
      let max = -Infinity;
      for (const value of v1) if (value > max) max = value;
      if (max > 0 && max < TWO_POW_MINUS_128) {
        for (let j = 0; j < npwrs; j++) v1[j] *= TWO_POW_128;
        expnt -= 128;
      }
      v1s = v0s + j1 - k1;
    }
  }
  let ans = v1[n - v1s];
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > TWO_POW_128) {
      ans *= TWO_POW_MINUS_128;
      expnt += 128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clipProbability(ans);
}

/** (rate)^m / m! for m = 0..count-1, built by the same running product as scipy. */
function poissonWeights(rate: number, count: number): Float64Array {
  const out = new Float64Array(count);
  out[0] = 1;
  for (let m = 1; m < count; m++) out[m] = (out[m - 1] * rate) / m;
  return out;
}

/**
 * Entries [start, start+length) of `np.convolve(row[offset:offset+len], weights[:len])` into
 * out[0..length), slices truncated at the arrays' ends as numpy's are.
 */
function convolveWindow(row: Float64Array, offset: number, weights: Float64Array, len: number, start: number, length: number, out: Float64Array): void {
  const rowLen = Math.min(len, row.length - offset);
  const weightLen = Math.min(len, weights.length);
  for (let idx = 0; idx < length; idx++) {
    const i = start + idx;
    let sum = 0;
    for (let j = Math.max(0, i - weightLen + 1); j <= Math.min(i, rowLen - 1); j++) sum += row[offset + j] * weights[i - j];
    out[idx] = sum;
  }
}

/** `_pomeranz_compute_j1j2`: the non-zero window of row i. */
function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * `_kolmogn_PelzGood`: the Li-Chien/Korolyuk expansion K0 + K1/sqrt(n) + K2/n + K3/n^1.5 with
 * each term transformed by Jacobi theta identities into sums that converge fast for small z.
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;
  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;
  // Horner in q^8 over odd m = 2k-1 of sum c_m q^(m^2).
  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = q ** (8 * k);
    k0 = k0 * qpower + 1;
    k1 = k1 * qpower + (k1a + k1b * msquared);
    k2 = k2 * qpower + (k2a + k2b * msquared + k2c * mfour);
    k3 = k3 * qpower + (k3a + k3b * msquared + k3c * mfour + k3d * msix);
  }
  k0 = (k0 * q * SQRT_2PI) / z;
  k1 = (k1 * q * SQRT_2PI) / (6 * zfour);
  k2 = (k2 * q * SQRT_2PI) / (72 * z ** 7);
  k3 = (k3 * q * SQRT_2PI) / (6480 * z ** 10);
  // The other sums, over all integers k, for K2 and K3.
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ksquared = k ** 2;
    const kspi = Math.PI * k;
    const qpwer = q ** ksquared;
    k2extra += ksquared * qpwer;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer;
  }
  k2 += k2extra * ((PI_SQUARED * SQRT_2PI) / (-36 * zthree));
  k3 += k3extra * ((PI_SQUARED * SQRT_2PI) / (216 * zsix));
  return k0 + k1 / n ** 0.5 + k2 / n ** 1 + k3 / n ** 1.5;
}

// ---------------------------------------------------------------------------------------------
// scipy.special.smirnov (xsf/cephes/kolmogorov.h): the one-sided SF, summed in double-double
// ---------------------------------------------------------------------------------------------

/** cephes MINLOG = log(2^-1075): exp() of anything below is 0. */
const CEPHES_MINLOG = -7.451332191019412076235e2;
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
const SM_MAX_EXPONENT = 960;
const DOUBLE_EPSILON = Number.EPSILON;

/**
 * `_smirnov(n, x).sf`: Pr(D+_n >= x) by the Birnbaum-Tingey/Smirnov sum of
 * A_v = C(n,v) (1 - x - v/n)^(n-v) (x + v/n)^(v-1), over the lower or (when it has at most 3
 * terms) the upper range of v, each term scaled as mantissa and exponent so nothing overflows,
 * stopping once the remaining terms cannot change the sum. n > 10^6 uses the closed-form
 * approximation exp(-(6nx+1)^2/18n); large n with n x^2 >= 2.2 the fast evaluation of the sum.
 */
function smirnov(n: number, x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { nxFloor: nxfl, alpha } = modNX(n, x);
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  // With alpha 0 the last term belongs to neither sum.
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    // x <= 1/n: CDF = x (1 + x)^(n-1).
    return 1 - x * ddPow(ddAddD(dd(1), x), n - 1).hi;
  }
  if (-2 * n * x * x < CEPHES_MINLOG) return 0;
  if (nxfl >= n - 1) return ddPow(ddAddD(dd(1), -x), n).hi;
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6.0 * n * x + 1) ** 2) / 18.0 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  const nUpperTerms = n - n1mxceil + 1;
  const useUpperSum = (nUpperTerms <= 1 && x < 0.5) || (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));
  if (!useUpperSum && n > SMIRNOV_DIRECT_MAX_N && n * x * x >= SMIRNOV_FAST_MIN_NX2) {
    return clipProbability(smirnovLowerSumFast(n, x, n1mxfl));
  }
  const prob = smirnovSum(n, x, useUpperSum, useUpperSum ? nUpperTerms : n1mxfl + 1);
  return clipProbability(useUpperSum ? 1 - prob : prob);
}

/**
 * The summation loop of `_smirnov`: x times the sum of A_v for v = 0, 1, ... (lower sum, the SF)
 * or v = n, n-1, ... (upper sum, the CDF). The binomial is carried as a double-double mantissa in
 * [0.5, 1) and an integer exponent.
 */
function smirnovSum(n: number, x: number, upper: boolean, nTerms: number): number {
  const start = upper ? n : 0;
  const step = upper ? -1 : 1;
  const vmid = Math.floor(n / 2);
  let aj = upper ? ddPow4(1, x, 1, 0, n - 1) : ddDiv(ddPow4(1, -x, 1, 0, n), dd(x));
  let ajSum = ddAdd(dd(0), aj);
  let binomial = updateBinomial({ man: dd(1), expt: 0 }, n, 0);
  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    aj = smirnovTerm(n, x, v, binomial);
    if (Number.isFinite(aj.hi) && !ddIsZero(aj)) ajSum = ddAdd(ajSum, aj);
    if (!ddIsZero(aj)) {
      // Safe to stop early: the remaining terms cannot move the sum.
      if (4 * (nTerms - j) * Math.abs(aj.hi) < DOUBLE_EPSILON * ajSum.hi && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    binomial = updateBinomial(binomial, n, j);
  }
  return ddMulD(ajSum, x).hi;
}

/** Up to this n the direct sum costs at most ~2000 terms. */
const SMIRNOV_DIRECT_MAX_N = 2000;
/** From here on the terms form one smooth bump far from both ends of the range (see below). */
const SMIRNOV_FAST_MIN_NX2 = 2.2;
/** Terms below e^-60 of the largest are dropped: a million of them add under 1e-20 of the sum. */
const SMIRNOV_NEGLIGIBLE_LOG = 60;
const SMIRNOV_SCAN_POINTS = 256;
/**
 * Successive trapezoid estimates count as converged within max(1e-14, 8 eps n x): each term carries
 * a rounding error of about eps n x (its exponent is of that size), so estimates cannot agree more
 * closely than that noise; a smaller tolerance would only refine down to the plain sum.
 */
const SMIRNOV_TRAPEZOID_RTOL = 1e-14;
const SMIRNOV_TRAPEZOID_NOISE = 8 * Number.EPSILON;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The same lower sum as `smirnovSum` (x times the sum of A_v for v = 0..lastV), in O(1000) term
 * evaluations instead of O(n): xsf sums every term, which takes about a second at n = 10^6 (scipy
 * too). Not in scipy. For n x^2 >= 2.2 the terms, as a function of real v, are one smooth bump
 * roughly exp(-n x^2 / (2u(1-u))) in u = v/n, at least sqrt(n)/2 wide and negligible near both
 * ends, so the trapezoid rule on integer nodes with step h converges geometrically to the same
 * value as the sum over all integers (h = 1). Steps halve from about range/64 until two successive
 * estimates agree to rounding noise (`SMIRNOV_TRAPEZOID_RTOL`), falling back to h = 1, the plain
 * sum, if they never do; in practice 300-700 terms are evaluated. Terms come from logs
 * (`smirnovLogTerm`), accurate to about 1e-16 * n x in relative terms; against scipy's direct sum
 * the results agree to 1e-12 or better.
 */
function smirnovLowerSumFast(n: number, x: number, lastV: number): number {
  const xn = x * n;
  const logTerm = (v: number): number => smirnovLogTerm(n, xn, v);
  // Locate the bump on a coarse grid, then keep the span where terms exceed e^-60 of its top.
  const grid: number[] = [];
  let peakLog = -Infinity;
  for (let g = 0; g <= SMIRNOV_SCAN_POINTS; g++) {
    const v = 1 + Math.round(((lastV - 1) * g) / SMIRNOV_SCAN_POINTS);
    const log = logTerm(v);
    grid.push(log);
    if (log > peakLog) peakLog = log;
  }
  const significant = (g: number): boolean => grid[g] > peakLog - SMIRNOV_NEGLIGIBLE_LOG;
  let first = 0;
  while (!significant(first)) first++;
  let last = SMIRNOV_SCAN_POINTS;
  while (!significant(last)) last--;
  const vlo = 1 + Math.round(((lastV - 1) * Math.max(first - 1, 0)) / SMIRNOV_SCAN_POINTS);
  const vhi = 1 + Math.round(((lastV - 1) * Math.min(last + 1, SMIRNOV_SCAN_POINTS)) / SMIRNOV_SCAN_POINTS);
  const scaledTerm = (v: number): number => Math.exp(logTerm(v) - peakLog);

  const rtol = Math.max(SMIRNOV_TRAPEZOID_RTOL, SMIRNOV_TRAPEZOID_NOISE * xn);
  let h = 1;
  while (h * 64 <= vhi - vlo) h *= 2;
  let nodeSum = 0;
  for (let v = vlo; v <= vhi; v += h) nodeSum += scaledTerm(v);
  let estimate = h * nodeSum;
  while (h > 1) {
    const half = h / 2;
    for (let v = vlo + half; v <= vhi; v += h) nodeSum += scaledTerm(v);
    const refined = half * nodeSum;
    const converged = Math.abs(refined - estimate) <= rtol * refined;
    estimate = refined;
    h = half;
    if (converged) break;
  }
  // The v = 0 term, x * A_0 = (1 - x)^n, is far below the bump; kept for completeness.
  return Math.exp(Math.log(x) + peakLog + Math.log(estimate)) + (1 - x) ** n;
}

/**
 * log A_v for 1 <= v < n with A_v = C(n,v) (1 - x - v/n)^(n-v) (x + v/n)^(v-1). Writing the
 * binomial by Stirling's formula with its exact remainder, the powers of n, v and n - v cancel:
 * A_v = (n/v) sqrt(n / (2 pi v w)) e^(delta(n) - delta(v) - delta(w)) (1 - xn/w)^w (1 + xn/v)^(v-1)
 * with w = n - v. The two power terms are each about +-xn in log but nearly cancel; their linear
 * parts are taken out exactly (-xn + (v-1) xn/v = -xn/v) so what remains is of the size of n x^2,
 * and so is its rounding error.
 */
function smirnovLogTerm(n: number, xn: number, v: number): number {
  const w = n - v;
  return (
    Math.log(n / v) +
    0.5 * Math.log(n / (v * w)) -
    LOG_SQRT_2PI +
    stirlingRemainder(n) -
    stirlingRemainder(v) -
    stirlingRemainder(w) -
    xn / v +
    w * log1pmx(-xn / w) +
    (v - 1) * log1pmx(xn / v)
  );
}

/** log(1 + y) - y, by its series where the difference would cancel (cephes `log1pmx`). */
function log1pmx(y: number): number {
  if (Math.abs(y) >= 0.5) return Math.log1p(y) - y;
  let power = y;
  let sum = 0;
  for (let k = 2; k < 500; k++) {
    power *= -y;
    const term = power / k;
    sum += term;
    if (Math.abs(term) < (DOUBLE_EPSILON / 2) * Math.abs(sum)) break;
  }
  return sum;
}

/** delta(k) = log(k!) - [(k + 1/2) log k - k + log sqrt(2 pi)], for integers k >= 1. */
function stirlingRemainder(k: number): number {
  if (k < 20) {
    let logFactorial = 0;
    for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
    return logFactorial - ((k + 0.5) * Math.log(k) - k + LOG_SQRT_2PI);
  }
  const r = 1 / k;
  const r2 = r * r;
  // 1/12k - 1/360k^3 + 1/1260k^5 - 1/1680k^7 + 1/1188k^9: below 1e-17 off from k = 20.
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
}

/** A double-double mantissa in [0.5, 1) and a binary exponent: value = man * 2^expt. */
interface Scaled {
  readonly man: Dd;
  readonly expt: number;
}

/** `computeAv`: A_v(n, x) = C(n,v) (1 - x - v/n)^(n-v) (x + v/n)^(v-1), scaled until the end. */
function smirnovTerm(n: number, x: number, v: number, binomial: Scaled): Dd {
  const t2 = pow2Scaled(ddSubD(ddDiv(dd(n - v), dd(n)), x), n - v);
  const t1 = pow2Scaled(ddAddD(ddDiv(dd(v), dd(n)), x), v - 1);
  const ans = ddMul(ddMul(t1.man, t2.man), binomial.man);
  return ddLdexp(ans, binomial.expt + t1.expt + t2.expt);
}

/** `updateBinomial`: C(n, j+1) = C(n, j) (n - j)/(j + 1), renormalised. */
function updateBinomial(binomial: Scaled, n: number, j: number): Scaled {
  const rat = ddDiv(dd(n - j), dd(j + 1));
  const next = ddFrexp(ddMul(binomial.man, rat));
  return { man: next.man, expt: binomial.expt + next.expt };
}

/**
 * `pow2Scaled_D`: a^m as a mantissa in [0.5, 1) and an exponent, splitting the power so no
 * intermediate leaves the double range (`SM_MAX_EXPONENT`).
 */
function pow2Scaled(a: Dd, m: number): Scaled {
  if (m <= 0) {
    if (m === 0) return { man: dd(1), expt: 0 };
    const inverse = pow2Scaled(a, -m);
    const r = ddFrexp(ddDiv(dd(1), inverse.man));
    return { man: r.man, expt: -inverse.expt + r.expt };
  }
  const { man: y, expt: yE } = ddFrexp(a);
  if (m === 1) return { man: y, expt: yE };
  let maxExpt = SM_MAX_EXPONENT;
  if ((m * (y.hi - 1)) / y.hi < -SM_MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(y.hi) / Math.LN2;
    if (m * lg2y <= -SM_MAX_EXPONENT) maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
  }
  if (m <= maxExpt) {
    const r = ddFrexp(ddPow(y, m));
    return { man: r.man, expt: r.expt + m * yE };
  }
  const q = Math.trunc(m / maxExpt);
  const rem = m % maxExpt;
  const y2r = pow2Scaled(y, rem);
  const y2m = pow2Scaled(y, maxExpt);
  const y2mq = pow2Scaled(y2m.man, q);
  const r = ddFrexp(ddMul(y2r.man, y2mq.man));
  return { man: r.man, expt: r.expt + (y2mq.expt + y2m.expt * q) + y2r.expt + m * yE };
}

/** xsf's `nextPowerOf2` (despite the name: x rounded up by one part in 2^52). */
function nextPowerOf2(x: number): number {
  const q = ldexp(x, 1 - 53);
  const l = Math.abs(q + x);
  if (l === 0) return Math.abs(x);
  const lInt = Math.trunc(l);
  return lInt === l ? lInt : l;
}

/**
 * `pow_D`: a^m for a double-double, as pow(hi, m) corrected by (1 + lo/hi)^m to first or second
 * order, or through log1p/expm1 when the correction is large (xsf trades accuracy for time here).
 */
function ddPow(a: Dd, m: number): Dd {
  if (m <= 0) return m === 0 ? dd(1) : ddDiv(dd(1), ddPow(a, -m));
  if (a.hi === 0 && a.lo === 0) return dd(0);
  const ans = a.hi ** m;
  const r = a.lo / a.hi;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    adj = Math.abs(adj) < 1e-4 ? adj + m * r * (((m - 1) / 2.0) * r) : Math.expm1(m * Math.log1p(r));
  }
  return ddAddD(dd(ans), ans * adj);
}

/** `pow4_D`: ((a+b)/(c+d))^m in double-double. */
function ddPow4(a: number, b: number, c: number, d: number, m: number): Dd {
  if (m <= 0) return m === 0 ? dd(1) : ddPow4(c, d, a, b, -m);
  const num = ddAddD(dd(a), b);
  const den = ddAddD(dd(c), d);
  if (ddIsZero(num)) return ddIsZero(den) ? dd(Number.NaN) : dd(0);
  if (ddIsZero(den)) return dd(num.hi < 0 ? -Infinity : Infinity);
  return ddPow(ddDiv(num, den), m);
}

/**
 * `modNX`: floor(n*x) and the remainder n*x - floor(n*x), computed exactly in double-double; a
 * remainder that rounds to 1 carries into the floor.
 */
function modNX(n: number, x: number): { nxFloor: number; alpha: number } {
  const nx = ddMulD(dd(x), n);
  const nxFloor = ddFloor(nx);
  let alpha = ddSub(nx, nxFloor).hi;
  let floorInt = Math.trunc(nxFloor.hi);
  if (alpha === 1) {
    floorInt += 1;
    alpha = 0;
  }
  return { nxFloor: floorInt, alpha };
}

// ---------------------------------------------------------------------------------------------
// Double-double arithmetic (xsf/cephes/dd_real.h, from the qd package), without FMA: products'
// rounding errors come from Dekker's exact split, which equals fma(a, b, -a*b) in range.
// ---------------------------------------------------------------------------------------------

interface Dd {
  readonly hi: number;
  readonly lo: number;
}

const DD_SPLITTER = 134217729.0; // 2^27 + 1
const DD_SPLIT_THRESH = 6.69692879491417e299; // 2^996

function dd(hi: number, lo = 0): Dd {
  return { hi, lo };
}

function ddIsZero(a: Dd): boolean {
  return a.hi === 0 && a.lo === 0;
}

/** fl(a+b) with its rounding error, when |a| >= |b|. */
function quickTwoSum(a: number, b: number): Dd {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

function twoSum(a: number, b: number): Dd {
  const s = a + b;
  const c = s - a;
  return { hi: s, lo: a - (s - c) + (b - c) };
}

/** The high and low halves of a (26 significant bits each); qd's scaled split above 2^996. */
function split(a: number): [number, number] {
  if (a > DD_SPLIT_THRESH || a < -DD_SPLIT_THRESH) {
    const scaled = a * 3.7252902984619140625e-9; // 2^-28
    const temp = DD_SPLITTER * scaled;
    const hi = temp - (temp - scaled);
    return [hi * 268435456.0, (scaled - hi) * 268435456.0];
  }
  const temp = DD_SPLITTER * a;
  const hi = temp - (temp - a);
  return [hi, a - hi];
}

/** fl(a*b) with its exact rounding error (Dekker), what xsf gets from fma(a, b, -a*b). */
function twoProd(a: number, b: number): Dd {
  const p = a * b;
  if (Math.abs(a) > DD_SPLIT_THRESH || Math.abs(b) > DD_SPLIT_THRESH) {
    const [ah, al] = split(a);
    const [bh, bl] = split(b);
    return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
  }
  let temp = DD_SPLITTER * a;
  const ah = temp - (temp - a);
  const al = a - ah;
  temp = DD_SPLITTER * b;
  const bh = temp - (temp - b);
  const bl = b - bh;
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

function ddAdd(a: Dd, b: Dd): Dd {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  const u = quickTwoSum(s.hi, s.lo + t.hi);
  return quickTwoSum(u.hi, u.lo + t.lo);
}

function ddSub(a: Dd, b: Dd): Dd {
  return ddAdd(a, { hi: -b.hi, lo: -b.lo });
}

function ddAddD(a: Dd, b: number): Dd {
  const s = twoSum(a.hi, b);
  return quickTwoSum(s.hi, s.lo + a.lo);
}

function ddSubD(a: Dd, b: number): Dd {
  const s = twoSum(a.hi, -b);
  return quickTwoSum(s.hi, s.lo + a.lo);
}

function ddMul(a: Dd, b: Dd): Dd {
  const p = twoProd(a.hi, b.hi);
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

function ddMulD(a: Dd, b: number): Dd {
  const p1 = twoProd(a.hi, b);
  const p2 = twoProd(a.lo, b);
  return quickTwoSum(p1.hi, p2.lo + p2.hi + p1.lo);
}

function ddDiv(a: Dd, b: Dd): Dd {
  const q1 = a.hi / b.hi;
  let r = ddSub(a, ddMulD(b, q1));
  const q2 = r.hi / b.hi;
  r = ddSub(r, ddMulD(b, q2));
  const q3 = r.hi / b.hi;
  return ddAddD(quickTwoSum(q1, q2), q3);
}

function ddFloor(a: Dd): Dd {
  const hi = Math.floor(a.hi);
  if (hi !== a.hi) return dd(hi);
  // The high word is an integer already: floor the low word.
  return quickTwoSum(hi, Math.floor(a.lo));
}

function ddLdexp(a: Dd, expt: number): Dd {
  return { hi: ldexp(a.hi, expt), lo: ldexp(a.lo, expt) };
}

/** b and e with a = b * 2^e and 0.5 <= |b.hi| < 1 (or |b.hi| = 1 with b.lo of opposite sign). */
function ddFrexp(a: Dd): { man: Dd; expt: number } {
  const { man: m, expt: e } = frexp(a.hi);
  let man = m;
  let expt = e;
  let lo = ldexp(a.lo, -expt);
  if (Math.abs(man) === 0.5 && man * lo < 0) {
    man *= 2;
    lo *= 2;
    expt -= 1;
  }
  return { man: { hi: man, lo }, expt };
}

// ---------------------------------------------------------------------------------------------
// Small numeric helpers
// ---------------------------------------------------------------------------------------------

const float64 = new Float64Array(1);
const words = new Uint32Array(float64.buffer);
/** Index of the word holding sign and exponent (the high word on little-endian machines). */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** C's frexp: x = man * 2^expt with 0.5 <= |man| < 1; zero, infinities and NaN pass through. */
function frexp(x: number): { man: number; expt: number } {
  if (x === 0 || !Number.isFinite(x)) return { man: x, expt: 0 };
  const expt = binaryExponent(x);
  return { man: ldexp(x, -expt), expt };
}

/** The frexp exponent of a finite non-zero x. */
function binaryExponent(x: number): number {
  float64[0] = x;
  const biased = (words[HIGH_WORD] >>> 20) & 0x7ff;
  if (biased !== 0) return biased - 1022;
  float64[0] = x * 2 ** 64; // subnormal: scale into the normal range first
  return ((words[HIGH_WORD] >>> 20) & 0x7ff) - 1022 - 64;
}

/** 2^k for integer -1074 <= k <= 1023, exactly. */
function powerOfTwo(k: number): number {
  if (k < -1022) return powerOfTwo(k + 64) * 2 ** -64;
  float64[0] = 0;
  words[HIGH_WORD] = (k + 1023) << 20;
  return float64[0];
}

/** C's ldexp: x * 2^e rounded once, whatever e. */
function ldexp(x: number, e: number): number {
  if (x === 0 || !Number.isFinite(x) || e === 0) return x;
  const target = binaryExponent(x) + e;
  if (target > 1024) return x > 0 ? Infinity : -Infinity;
  if (target < -1074) return x > 0 ? 0 : -0;
  if (target >= -1021) {
    // Normal result: every intermediate lies between x and the result, so each step is exact.
    let y = x;
    let rest = e;
    while (rest > 1000) {
      y *= powerOfTwo(1000);
      rest -= 1000;
    }
    while (rest < -1000) {
      y *= powerOfTwo(-1000);
      rest += 1000;
    }
    return y * powerOfTwo(rest);
  }
  // Subnormal result: bring x to [0.5, 1) exactly, then round once.
  const man = x * powerOfTwo(-binaryExponent(x));
  return man * powerOfTwo(target);
}

/** numpy's `np.round`: to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
