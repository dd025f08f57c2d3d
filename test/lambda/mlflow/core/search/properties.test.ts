import * as fc from 'fast-check';
import type { Comparator, Comparison, FilterExpr } from '../../../../../lambda/mlflow/core/search/ast';
import { matches } from '../../../../../lambda/mlflow/core/search/evaluate';
import { like } from '../../../../../lambda/mlflow/core/search/like';
import { parseFilter } from '../../../../../lambda/mlflow/core/search/parse-filter';
import { printFilter } from '../../../../../lambda/mlflow/core/search/print-filter';
import { subject } from './subjects';

const NUMERIC: Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING: Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];

interface Pools {
  readonly key: fc.Arbitrary<string>;
  readonly text: fc.Arbitrary<string>;
  readonly number: fc.Arbitrary<number>;
}

/** Clauses a run search accepts, of every kind of field. */
function comparisons({ key, text, number }: Pools): fc.Arbitrary<Comparison> {
  const make = (field: Comparison['field'], k: string, comparator: Comparator, value: Comparison['value']): Comparison => ({
    kind: 'comparison',
    field,
    key: k,
    comparator,
    value,
  });
  const list = fc.array(text, { minLength: 1, maxLength: 3 });
  return fc.oneof(
    fc.tuple(key, fc.constantFrom(...NUMERIC), number).map(([k, c, v]) => make('metric', k, c, v)),
    fc.tuple(fc.constantFrom<Comparison['field']>('param', 'tag'), key, fc.constantFrom(...STRING), text).map(([f, k, c, v]) => make(f, k, c, v)),
    fc
      .tuple(fc.constantFrom<Comparison['field']>('param', 'tag'), key, fc.constantFrom<Comparator>('IS NULL', 'IS NOT NULL'))
      .map(([f, k, c]) => make(f, k, c, null)),
    fc
      .tuple(fc.constantFrom('run_name', 'status', 'user_id', 'artifact_uri', 'run_id'), fc.constantFrom(...STRING), text)
      .map(([k, c, v]) => make('attribute', k, c, v)),
    fc.tuple(fc.constantFrom<Comparator>('IN', 'NOT IN'), list).map(([c, v]) => make('attribute', 'run_id', c, v)),
    fc
      .tuple(fc.constantFrom('start_time', 'end_time'), fc.constantFrom(...NUMERIC), fc.integer({ min: 0, max: 5 }))
      .map(([k, c, v]) => make('attribute', k, c, v)),
    fc
      .tuple(fc.constantFrom('name', 'digest', 'context'), fc.constantFrom<Comparator>(...STRING, 'IN', 'NOT IN'), text, list)
      .map(([k, c, v, l]) => make('dataset', k, c, c === 'IN' || c === 'NOT IN' ? l : v)),
  );
}

/** Filters in the parser's normal form: no junction directly inside one of its own kind. */
function filters(pools: Pools): fc.Arbitrary<FilterExpr> {
  const clause = comparisons(pools);
  const { and, or } = fc.letrec<{ and: FilterExpr; or: FilterExpr }>((tie) => ({
    and: fc
      .array(fc.oneof({ depthSize: 'small', withCrossShrink: true }, clause, tie('or')), { minLength: 2, maxLength: 3 })
      .map((operands) => ({ kind: 'and', operands })),
    or: fc
      .array(fc.oneof({ depthSize: 'small', withCrossShrink: true }, clause, tie('and')), { minLength: 2, maxLength: 3 })
      .map((operands) => ({ kind: 'or', operands })),
  }));
  return fc.oneof(clause, and, or);
}

/** Any key MLflow can write (none both starts and ends with a backtick), any string, any finite number. */
const wide: Pools = {
  key: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((key) => !(key.length >= 2 && key.startsWith('`') && key.endsWith('`'))),
  text: fc.string({ unit: 'grapheme', maxLength: 12 }),
  number: fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (Object.is(value, -0) ? 0 : value)),
  ),
};

/** Few keys and values, so that filters and runs meet. */
const narrow: Pools = {
  key: fc.constantFrom('a', 'b.c', 'x y'),
  text: fc.constantFrom('A', 'a', 'ab', 'a%', '_b', ''),
  number: fc.integer({ min: -2, max: 2 }),
};

const runs = fc
  .record({
    metrics: fc.dictionary(narrow.key, narrow.number),
    params: fc.dictionary(narrow.key, narrow.text),
    tags: fc.dictionary(narrow.key, narrow.text),
    attributes: fc.record({
      run_id: narrow.text,
      run_name: narrow.text,
      status: fc.constantFrom('RUNNING', 'FINISHED', 'a'),
      start_time: fc.integer({ min: 0, max: 5 }),
    }),
    datasets: fc.array(fc.record({ name: narrow.text, digest: narrow.text, context: narrow.text }), { maxLength: 2 }),
  })
  .map((record) => subject('run', record));

const reparse = (text: string) => parseFilter('runs', text);

describe('filter properties', () => {
  it('prints any filter so that it parses back to the same filter', () => {
    fc.assert(
      fc.property(filters(wide), (filter) => {
        expect(reparse(printFilter(filter))).toEqual(filter);
      }),
      { numRuns: 400 },
    );
  });

  it('evaluates a OR b as a or b, and a AND b as a and b', () => {
    fc.assert(
      fc.property(filters(narrow), filters(narrow), runs, (a, b, run) => {
        const [left, right] = [printFilter(a), printFilter(b)];

        expect(matches(reparse(`(${left}) OR (${right})`), run)).toBe(matches(a, run) || matches(b, run));
        expect(matches(reparse(`(${left}) and (${right})`), run)).toBe(matches(a, run) && matches(b, run));
      }),
      { numRuns: 300 },
    );
  });

  it('binds AND tighter than OR without parentheses, and obeys parentheses', () => {
    fc.assert(
      fc.property(comparisons(narrow), comparisons(narrow), comparisons(narrow), runs, (a, b, c, run) => {
        const [x, y, z] = [a, b, c].map((clause) => matches(clause, run));
        const [ta, tb, tc] = [a, b, c].map(printFilter);

        expect(matches(reparse(`${ta} AND ${tb} OR ${tc}`), run)).toBe((x && y) || z);
        expect(matches(reparse(`${ta} OR ${tb} AND ${tc}`), run)).toBe(x || (y && z));
        expect(matches(reparse(`(${ta} OR ${tb}) AND ${tc}`), run)).toBe((x || y) && z);
      }),
      { numRuns: 300 },
    );
  });

  it('parses MLflow-style AND lists to one AND, whatever the keyword case', () => {
    fc.assert(
      fc.property(fc.array(comparisons(narrow), { minLength: 2, maxLength: 4 }), fc.constantFrom('AND', 'and', 'And'), (clauses, keyword) => {
        expect(reparse(clauses.map(printFilter).join(` ${keyword} `))).toEqual({ kind: 'and', operands: clauses });
      }),
    );
  });

  it('matches LIKE as a RegExp of the pattern does, on short values', () => {
    const short = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '%', '_', '.', '*'), maxLength: 8 });
    fc.assert(
      fc.property(short, short, fc.boolean(), (value, pattern, caseInsensitive) => {
        const body = [...pattern].map((char) => (char === '%' ? '.*' : char === '_' ? '.' : char.replace(/[.*]/, '\\$&'))).join('');

        expect(like(value, pattern, caseInsensitive)).toBe(new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's').test(value));
      }),
      { numRuns: 500 },
    );
  });
});
