/**
 * Seeded randomness for test data and the bench: the same values on every run, so a failing case
 * can be replayed and a benchmark measures the same work each time.
 */

/** Tommy Ettinger's mulberry32: 32-bit state, uniform on [0, 1) with 2^-32 resolution. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One normal deviate by Box-Muller (its cosine half), from two uniforms of `random`. */
export function normalDeviate(random: () => number, mean: number, std: number): number {
  return mean + std * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
