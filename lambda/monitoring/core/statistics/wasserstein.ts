/**
 * The first Wasserstein (earth mover's) distance between two samples: the area between their
 * empirical CDFs, as `scipy.stats.wasserstein_distance(u, v)` computes it. Both samples must be
 * sorted ascending and non-empty; one merge pass, O(n + m).
 */
export function wassersteinDistance(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  const n = sortedA.length;
  const m = sortedB.length;
  let a = 0;
  let b = 0;
  let previous = Math.min(sortedA[0], sortedB[0]);
  let area = 0;
  while (a < n || b < m) {
    const next = b >= m || (a < n && sortedA[a] <= sortedB[b]) ? sortedA[a] : sortedB[b];
    // Between `previous` and `next` the CDFs are flat at the shares consumed so far.
    area += Math.abs(a / n - b / m) * (next - previous);
    while (a < n && sortedA[a] === next) a++;
    while (b < m && sortedB[b] === next) b++;
    previous = next;
  }
  return area;
}
