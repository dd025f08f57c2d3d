import { ValidationError } from '../../../shared/errors';
import type { Comparator, Comparison, FieldKind, FilterExpr } from './ast';
import {
  DATASET_COMPARATORS,
  DATASET_KEYS,
  ENTITY_RULES,
  type EntityRules,
  NUMERIC_COMPARATORS,
  pythonSet,
  type SearchEntity,
  STRING_COMPARATORS,
} from './entities';
import { LexError, MultipleStatementsError, type Token, tokenize, trimBackticks, unquote } from './lexer';

/**
 * Parses an MLflow `filter` (search runs, experiments, registered models, model versions, logged models)
 * into an expression, checked against what MLflow allows for that entity. MLflow joins clauses with AND
 * only; OR and parentheses are ours, with SQL's precedence (AND binds tighter). A blank filter is no filter.
 */
export function parseFilter(entity: SearchEntity, filter: string | undefined): FilterExpr | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  return new FilterParser(filter, ENTITY_RULES[entity]).parse();
}

const MAX_NESTING = 32;
const filterError = (message: string) => ValidationError.of('filter', message);
const inClause = (message: string, clause: string) => filterError(`${message} (in clause: ${clause})`);

/** A value as written, before the clause's field says what it must be. */
type RawValue =
  | { readonly kind: 'string' | 'number' | 'word'; readonly token: Token }
  | { readonly kind: 'list'; readonly items: readonly Token[]; readonly text: string }
  | { readonly kind: 'none' };

class FilterParser {
  private readonly tokens: Token[];
  private at = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly rules: EntityRules,
  ) {
    try {
      this.tokens = tokenize(text);
    } catch (error) {
      if (!(error instanceof LexError)) throw error;
      throw filterError(
        error instanceof MultipleStatementsError
          ? `Search filter contained multiple expression '${text}'. Provide AND-ed expression list.`
          : `Invalid clause(s) in filter string: ${error.message}`,
      );
    }
  }

  parse(): FilterExpr {
    const expr = this.or();
    const rest = this.peek();
    if (rest.type !== 'end') throw this.syntax(rest, rest.type === ')' ? 'this parenthesis closes nothing' : 'expected AND, OR or the end of the filter');
    return expr;
  }

  private or(): FilterExpr {
    const operands = [this.and()];
    while (this.peekKeyword('OR')) {
      this.at += 1;
      operands.push(this.and());
    }
    return junction('or', operands);
  }

  private and(): FilterExpr {
    const operands = [this.primary()];
    while (this.peekKeyword('AND')) {
      this.at += 1;
      operands.push(this.primary());
    }
    return junction('and', operands);
  }

  private primary(): FilterExpr {
    const token = this.peek();
    if (token.type !== '(') return this.comparison();
    this.at += 1;
    // Bounds the recursion of parsing and of evaluation alike.
    if (++this.depth > MAX_NESTING) throw this.syntax(token, `parentheses nest deeper than ${MAX_NESTING}`);
    const inner = this.or();
    this.depth -= 1;
    const close = this.next();
    if (close.type !== ')') throw this.syntax(close, `the parenthesis at character ${token.start + 1} is not closed`);
    return inner;
  }

  private comparison(): Comparison {
    const identifier = this.next();
    if (identifier.type === 'number' || identifier.type === 'string') {
      throw filterError(`Invalid comparison clause. Expected 'Identifier' found '${identifier.text}'`);
    }
    if (identifier.type !== 'identifier') throw this.syntax(identifier, 'expected a comparison such as metrics.auc > 0.8');
    const comparator = this.comparator(identifier);
    const value = this.value(comparator);
    const clause = this.text.slice(identifier.start, this.tokens[this.at - 1]?.end);
    return buildComparison(this.rules, identifier.text, comparator, value, clause);
  }

  private comparator(identifier: Token): string {
    const token = this.next();
    if (token.type === 'operator') return token.text;
    if (token.type === 'keyword' && ['LIKE', 'ILIKE', 'IN'].includes(token.text)) return token.text;
    if (token.type === 'keyword' && token.text === 'NOT') {
      if (this.next().text === 'IN') return 'NOT IN';
      throw this.syntax(token, 'NOT is only supported in NOT IN');
    }
    if (token.type === 'keyword' && token.text === 'IS') {
      const not = this.peekKeyword('NOT');
      if (not) this.at += 1;
      if (this.next().text === 'NULL') return not ? 'IS NOT NULL' : 'IS NULL';
      throw this.syntax(token, 'IS must be followed by NULL or NOT NULL');
    }
    throw this.syntax(token, `expected a comparator after '${identifier.text}'`);
  }

  private value(comparator: string): RawValue {
    if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return { kind: 'none' };
    const token = this.next();
    if (token.type === '(') return this.list(token);
    if (comparator === 'IN' || comparator === 'NOT IN') throw this.syntax(token, `${comparator} needs a parenthesized list such as ('a', 'b')`);
    if (token.type === 'string' || token.type === 'number') return { kind: token.type, token };
    if (token.type === 'identifier') return { kind: 'word', token };
    throw this.syntax(token, `expected a value after ${comparator}`);
  }

  private list(open: Token): RawValue {
    const items: Token[] = [];
    let token = this.next();
    while (token.type !== ')') {
      if (token.type !== 'string' && token.type !== 'number' && token.type !== 'identifier') throw this.syntax(token, 'expected a quoted string in the list');
      items.push(token);
      token = this.next();
      if (token.type === ',') token = this.next();
      else if (token.type !== ')') throw this.syntax(token, 'expected , or ) in the list');
    }
    return { kind: 'list', items, text: this.text.slice(open.start, token.end) };
  }

  private syntax(token: Token, why: string): ValidationError {
    const fragment = token.type === 'end' ? 'the end of the filter' : `'${this.text.slice(token.start)}'`;
    return filterError(`Invalid clause(s) in filter string: ${fragment}: ${why}`);
  }

  private peek(): Token {
    return this.tokens[this.at] as Token;
  }

  private peekKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.type === 'keyword' && token.text === keyword;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.at += 1;
    return token;
  }
}

function junction(kind: 'and' | 'or', operands: FilterExpr[]): FilterExpr {
  if (operands.length === 1) return operands[0] as FilterExpr;
  return { kind, operands: operands.flatMap((operand) => (operand.kind !== 'comparison' && operand.kind === kind ? operand.operands : [operand])) };
}

/** MLflow's `_get_identifier`: split at the first dot, unquote the key, check it against the entity. */
export function resolveIdentifier(rules: EntityRules, raw: string, attributes: ReadonlyMap<string, string>): { field: FieldKind; key: string } {
  const dot = raw.indexOf('.');
  const written = dot < 0 ? raw : raw.slice(dot + 1);
  const unquoted = unquote(written);
  // A double-quoted key may double a quote inside, as in SQL (MLflow would keep both; no key of its has them).
  const key = trimBackticks(unquoted === undefined ? written : written.startsWith('"') ? unquoted.replaceAll('""', '"') : unquoted);
  let field: FieldKind = 'attribute';
  if (dot >= 0) {
    const prefixWritten = raw.slice(0, dot);
    const prefix = rules.trimPrefixBackticks ? trimBackticks(prefixWritten) : prefixWritten;
    const named = rules.prefixes.get(prefix);
    if (named === undefined) throw new IdentifierError(rules.prefixError(prefix));
    field = named;
  }
  if (field === 'attribute') {
    const canonical = attributes.get(key);
    if (canonical === undefined) throw new IdentifierError(`Invalid attribute key '${key}' specified. Valid keys are '${pythonSet(attributes.keys())}'`);
    return { field, key: canonical };
  }
  if (field === 'dataset' && !DATASET_KEYS.has(key)) {
    throw new IdentifierError(`Invalid dataset key '${key}' specified. Valid keys are '${pythonSet(DATASET_KEYS)}'`);
  }
  return { field, key };
}

/** An identifier MLflow would refuse; `filter` and `order_by` each word it for their own path. */
export class IdentifierError extends Error {}

function buildComparison(rules: EntityRules, identifier: string, written: string, raw: RawValue, clause: string): Comparison {
  let resolved: { field: FieldKind; key: string };
  try {
    resolved = resolveIdentifier(rules, identifier, rules.filterAttributes);
  } catch (error) {
    if (error instanceof IdentifierError) throw inClause(error.message, clause);
    throw error;
  }
  const { field, key } = resolved;
  const comparator = written.toUpperCase();
  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
    if (!rules.nullableFields.has(field)) throw inClause(rules.nullError(field, key), clause);
    return { kind: 'comparison', field, key, comparator, value: null };
  }
  const value = valueFor(rules, field, key, raw, clause);
  const allowed = comparatorsFor(rules, field, key);
  if (!allowed.includes(comparator as Comparator)) throw inClause(`Invalid comparator '${written}' not one of '${pythonSet(allowed)}'`, clause);
  if (Array.isArray(value) !== (comparator === 'IN' || comparator === 'NOT IN')) {
    throw inClause(`A list of values is compared with IN or NOT IN, not with ${written}`, clause);
  }
  return { kind: 'comparison', field, key, comparator: comparator as Comparator, value };
}

function comparatorsFor(rules: EntityRules, field: FieldKind, key: string): readonly Comparator[] {
  switch (field) {
    case 'metric':
      return NUMERIC_COMPARATORS;
    case 'dataset':
      return DATASET_COMPARATORS;
    case 'attribute':
      return rules.numericAttributes.has(key) ? NUMERIC_COMPARATORS : rules.stringAttributeComparators;
    default:
      return rules.nullableFields.has(field) ? [...STRING_COMPARATORS, 'IS NULL', 'IS NOT NULL'] : STRING_COMPARATORS;
  }
}

/** MLflow's `_get_value`, with its messages: what a field's value must be. */
function valueFor(rules: EntityRules, field: FieldKind, key: string, raw: RawValue, clause: string): Comparison['value'] {
  const written = raw.kind === 'list' ? raw.text : raw.kind === 'none' ? '' : raw.token.text;
  const fail = (message: string) => inClause(message, clause);
  if (field === 'metric' || (field === 'attribute' && rules.numericAttributes.has(key))) {
    if (raw.kind === 'number' && raw.token.type === 'number') return raw.token.value;
    throw fail(
      field === 'metric'
        ? `Expected numeric value type for metric. Found ${written}`
        : `Expected numeric value type for numeric attribute: ${key}. Found ${written}`,
    );
  }
  if (raw.kind === 'list') {
    const listable = field === 'dataset' || (field === 'attribute' && (rules.listAttributes === 'all' || rules.listAttributes.has(key)));
    if (field === 'attribute' && !listable) throw fail("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    if (!listable) throw fail(`Expected a quoted string value for ${field === 'param' ? 'parameter' : field} (e.g. 'my-value'). Got value ${written}`);
    if (raw.items.length === 0) throw fail('While parsing a list in the query, expected a non-empty list of string values, but got empty list');
    return raw.items.map((item) => {
      const text = stringValue(item);
      if (text === undefined)
        throw fail(`While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ${written}`);
      return text;
    });
  }
  if (raw.kind === 'number' || raw.kind === 'none') {
    const what = field === 'attribute' ? 'attributes' : field === 'dataset' ? 'dataset attributes' : field === 'param' ? 'parameter' : 'tag';
    const example = field === 'param' || field === 'tag' ? " (e.g. 'my-value')" : '';
    throw fail(`Expected a quoted string value for ${what}${example}. Got value ${written}`);
  }
  const text = stringValue(raw.token);
  if (text === undefined) {
    throw fail(`Parameter value is either not quoted or unidentified quote types used for string value ${written}. Use either single or double quotes.`);
  }
  return text;
}

/** A single- or double-quoted string's value; `''` / `""` inside stand for one quote, as in SQL. */
function stringValue(token: Token): string | undefined {
  if (token.type === 'string') return token.value;
  if (token.type !== 'identifier' || !token.text.startsWith('"')) return undefined;
  return unquote(token.text)?.replaceAll('""', '"');
}
