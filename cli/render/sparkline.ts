/** Unicode block sparklines: a metric's history in one line of text. */

const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * At most `width` values: the means of consecutive, equal-sized (to within one) runs of values.
 * Fewer values than `width` are returned as they are.
 */
export function downsample(values: readonly number[], width: number): number[] {
  const slots = Math.max(1, Math.floor(width));
  if (values.length <= slots) return [...values];
  return Array.from({ length: slots }, (_, slot) => {
    const start = Math.floor((slot * values.length) / slots);
    const end = Math.floor(((slot + 1) * values.length) / slots);
    let sum = 0;
    for (let index = start; index < end; index++) sum += values[index];
    return sum / (end - start);
  });
}

/**
 * The values, downsampled to `width` characters, each drawn as one of eight block heights between
 * the lowest and the highest; a flat series is drawn at mid height.
 */
export function sparkline(values: readonly number[], width: number): string {
  const shown = downsample(values, width);
  if (shown.length === 0) return '';
  const low = Math.min(...shown);
  const high = Math.max(...shown);
  if (high === low) return LEVELS[3].repeat(shown.length);
  return shown.map((value) => LEVELS[Math.round(((value - low) / (high - low)) * (LEVELS.length - 1))]).join('');
}
