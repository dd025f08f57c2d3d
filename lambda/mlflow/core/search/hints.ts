import type { Comparison, FilterExpr } from './ast';

/**
 * What every match must have, for a caller to narrow what it reads: per attribute compared with `=` or
 * `IN` at the top level of the filter (alone, or an operand of its outermost AND), the values one of
 * which a match has. Several clauses on one attribute intersect; an empty list means nothing matches.
 * Keys are canonical attribute names (`status`, `run_id`, `name`, ...).
 */
export function attributeHints(filter: FilterExpr | undefined): ReadonlyMap<string, readonly string[]> {
  const conjuncts = filter === undefined ? [] : filter.kind === 'and' ? filter.operands : [filter];
  const hints = new Map<string, readonly string[]>();
  for (const clause of conjuncts) {
    const values = equalityValues(clause);
    if (values === undefined) continue;
    const known = hints.get((clause as Comparison).key);
    hints.set((clause as Comparison).key, known === undefined ? values : known.filter((value) => values.includes(value)));
  }
  return hints;
}

function equalityValues(expr: FilterExpr): readonly string[] | undefined {
  if (expr.kind !== 'comparison' || expr.field !== 'attribute') return undefined;
  if (expr.comparator === '=' && typeof expr.value === 'string') return [expr.value];
  if (expr.comparator === 'IN' && Array.isArray(expr.value)) return [...new Set(expr.value as readonly string[])];
  return undefined;
}
