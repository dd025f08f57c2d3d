import type { Comparison, FieldKind, FilterExpr } from './ast';

/** Prefixes every entity that has the field accepts (experiments take `attribute.`, not `attributes.`). */
const PREFIX: Readonly<Record<FieldKind, string>> = { metric: 'metrics', param: 'params', tag: 'tags', attribute: 'attribute', dataset: 'datasets' };
const PLAIN_KEY = /^[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}\p{N}_$]+)*$/u;

/**
 * The canonical text of a filter: `parseFilter` gives back the same expression. OR inside AND is
 * parenthesized, nothing else is. Page tokens are bound to it, so `a and b` and `a AND b` page alike.
 */
export function printFilter(expr: FilterExpr): string {
  switch (expr.kind) {
    case 'and':
      return expr.operands.map((operand) => (operand.kind === 'or' ? `(${printFilter(operand)})` : printFilter(operand))).join(' AND ');
    case 'or':
      return expr.operands.map(printFilter).join(' OR ');
    default:
      return printComparison(expr);
  }
}

function printComparison({ field, key, comparator, value }: Comparison): string {
  const identifier = `${PREFIX[field]}.${quoteKey(key)}`;
  if (value === null) return `${identifier} ${comparator}`;
  const operand = typeof value === 'number' ? String(value) : typeof value === 'string' ? quoteValue(value) : `(${value.map(quoteValue).join(', ')})`;
  return `${identifier} ${comparator} ${operand}`;
}

const quoteValue = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Backticks unless the key has one; then double quotes. Parsing trims backticks, so no parsed key is wrapped in them. */
function quoteKey(key: string): string {
  if (PLAIN_KEY.test(key)) return key;
  if (!key.includes('`')) return `\`${key}\``;
  if (key.length >= 2 && key.startsWith('`') && key.endsWith('`')) throw new Error(`a key wrapped in backticks cannot be written in a filter: ${key}`);
  return `"${key.replaceAll('"', '""')}"`;
}
