/**
 * What the drift job keeps of one categorical feature: counts of the baseline's categories, and one
 * pooled count for every other value ("unseen"), with the first few such values by name for the
 * report. Pooling keeps the sketch bounded however many new values arrive, and merging exact.
 */
export interface CategoricalSketch {
  /** The baseline's categories; the pooled bin follows them. */
  readonly categories: readonly string[];
  /** One count per category, then the pooled count. */
  readonly counts: number[];
  count: number;
  missing: number;
  /** The alphabetically first values outside `categories`, at most `UNSEEN_EXAMPLES`. */
  unseenExamples: string[];
}

export const UNSEEN_EXAMPLES = 20;

export function emptyCategoricalSketch(categories: readonly string[]): CategoricalSketch {
  return { categories, counts: new Array<number>(categories.length + 1).fill(0), count: 0, missing: 0, unseenExamples: [] };
}

/** Adds one value: strings as they are, numbers and booleans as their text; null, undefined and "" are missing. */
export function addCategoricalValue(sketch: CategoricalSketch, value: unknown): void {
  const category = categoryOf(value);
  if (category === undefined) {
    sketch.missing++;
    return;
  }
  sketch.count++;
  const bin = indexOf(sketch.categories).get(category);
  if (bin !== undefined) {
    sketch.counts[bin]++;
    return;
  }
  sketch.counts[sketch.categories.length]++;
  if (!sketch.unseenExamples.includes(category)) sketch.unseenExamples = firstExamples([...sketch.unseenExamples, category]);
}

export function mergeCategoricalSketches(a: CategoricalSketch, b: CategoricalSketch): CategoricalSketch {
  if (a.categories.length !== b.categories.length || a.categories.some((category, index) => category !== b.categories[index])) {
    throw new RangeError('categorical sketches over different categories cannot merge');
  }
  return {
    categories: a.categories,
    counts: a.counts.map((count, bin) => count + b.counts[bin]),
    count: a.count + b.count,
    missing: a.missing + b.missing,
    unseenExamples: firstExamples([...new Set([...a.unseenExamples, ...b.unseenExamples])]),
  };
}

/** The text a raw value stands for, or `undefined` when it is missing. */
export function categoryOf(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const firstExamples = (values: string[]) => values.sort().slice(0, UNSEEN_EXAMPLES);

/** Category lookups, built once per category list (sketches of one baseline share the list). */
const indexes = new WeakMap<readonly string[], Map<string, number>>();
function indexOf(categories: readonly string[]): Map<string, number> {
  let index = indexes.get(categories);
  if (!index) {
    index = new Map(categories.map((category, position) => [category, position]));
    indexes.set(categories, index);
  }
  return index;
}
