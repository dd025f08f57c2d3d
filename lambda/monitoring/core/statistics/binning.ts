/**
 * Bins are defined by ascending edges: a value falls in bin `i` when exactly `i` edges are at or below
 * it (numpy's `searchsorted(edges, v, side='right')`). Bin 0 holds values below the first edge and the
 * last bin values at or above the last edge, so `edges.length + 1` bins cover every number.
 */
export function binOf(edges: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (edges[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Adds each finite value of `values` to the count of its bin; returns how many it added. */
export function addToBins(edges: ArrayLike<number>, counts: number[], values: ArrayLike<number>): number {
  let added = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (!Number.isFinite(value)) continue;
    counts[binOf(edges, value)]++;
    added++;
  }
  return added;
}

/** Sums fine bin counts into the coarse bins of `coarseEdges`, which must be a subset of `fineEdges`. */
export function coarsenBins(fineEdges: readonly number[], fineCounts: readonly number[], coarseEdges: readonly number[]): number[] {
  const coarse = new Array<number>(coarseEdges.length + 1).fill(0);
  let coarseBin = 0;
  for (let bin = 0; bin < fineCounts.length; bin++) {
    // Fine bin `bin` starts at fineEdges[bin - 1]; it lies in the coarse bin of that start.
    if (bin > 0) while (coarseBin < coarseEdges.length && coarseEdges[coarseBin] <= fineEdges[bin - 1]) coarseBin++;
    coarse[coarseBin] += fineCounts[bin];
  }
  return coarse;
}
