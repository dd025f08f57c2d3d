/** Below this, p-values count as equal when both are (scipy underflows to 0 or subnormals there). */
export const NEGLIGIBLE_PROBABILITY = 1e-300;

/**
 * |actual - expected| / |expected|; 0 when both are equal (both 0 included) or both below
 * `NEGLIGIBLE_PROBABILITY` in magnitude, Infinity when only one is NaN.
 */
export function relativeError(actual: number, expected: number): number {
  if (actual === expected || (Number.isNaN(actual) && Number.isNaN(expected))) return 0;
  if (Math.abs(expected) < NEGLIGIBLE_PROBABILITY && Math.abs(actual - expected) <= NEGLIGIBLE_PROBABILITY) return 0;
  return Math.abs(actual - expected) / Math.abs(expected);
}

/** Asserts `actual` is within `rel` of `expected` relatively (absolutely 1e-300 for tiny expected values). */
export function expectRelativelyClose(actual: number, expected: number, rel = 1e-9, label = ''): void {
  const error = relativeError(actual, expected);
  if (!(error <= rel)) {
    throw new Error(`${label ? `${label}: ` : ''}expected ${expected}, got ${actual} (relative error ${error}, allowed ${rel})`);
  }
}
