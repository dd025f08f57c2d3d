/**
 * Quantiles of an ascending-sorted sample, computed as numpy's default (`method='linear'`) computes
 * them, operation for operation: baseline edges made here equal the ones a Python user gets.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  const index = (n - 1) * q;
  const below = Math.min(Math.floor(index), n - 1);
  const above = Math.min(below + 1, n - 1);
  return lerp(sorted[below], sorted[above], index - below);
}

/** numpy's `_lerp`: interpolates from the nearer end, so t = 1 lands exactly on `b`. */
function lerp(a: number, b: number, t: number): number {
  const difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}
