import { ValidationError } from '../../../shared/errors';
import type { OrderClause } from './ast';
import { ENTITY_RULES, type EntityRules, pythonSet, type SearchEntity } from './entities';
import type { SearchSubject } from './evaluate';
import { LexError, type Token, tokenize, trimBackticks, unquote } from './lexer';
import { IdentifierError, resolveIdentifier } from './parse-filter';

const orderError = (message: string) => ValidationError.of('order_by', message);

/**
 * Parses MLflow's `order_by` strings (`metrics.auc DESC`, `attributes.start_time`, `` params.`lr` ASC ``,
 * `name`) for every entity but logged models, whose `order_by` is a list of objects
 * (`parseLoggedModelOrderBy`). Returns the caller's clauses only; `orderComparator` adds the defaults.
 */
export function parseOrderBy(entity: Exclude<SearchEntity, 'loggedModels'>, orderBy: readonly string[] | undefined): OrderClause[] {
  const rules = ENTITY_RULES[entity];
  const clauses = (orderBy ?? []).map((text) => parseClause(rules, text));
  if (rules.rejectDuplicateOrder) {
    const seen = new Set<string>();
    for (const { field, key } of clauses) {
      const id = `${field}\u0000${key}`;
      if (seen.has(id)) throw orderError(`\`order_by\` contains duplicate fields: [${(orderBy ?? []).map((text) => `'${text}'`).join(', ')}]`);
      seen.add(id);
    }
  }
  return clauses;
}

function parseClause(rules: EntityRules, text: string): OrderClause {
  const unparsable = () => orderError(`Invalid order_by clause '${text}'. Could not be parsed.`);
  // MLflow refuses surrounding whitespace (`'params.lr '`); whitespace inside is fine.
  if (text === '' || text.trim() !== text) throw unparsable();
  let tokens: Token[];
  try {
    tokens = tokenize(text).filter((token) => token.type !== 'end');
  } catch (error) {
    if (error instanceof LexError) throw unparsable();
    throw error;
  }
  const [identifier, direction, ...rest] = tokens;
  if (identifier?.type !== 'identifier' || rest.length > 0 || (direction !== undefined && direction.type !== 'identifier')) throw unparsable();
  const order = direction?.text.toLowerCase() ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw orderError(`Invalid ordering key in order_by clause '${text}'.`);
  const ascending = order === 'asc';

  if (rules.orderKeys === 'plain') {
    const key = trimBackticks(unquote(identifier.text) ?? identifier.text);
    const canonical = rules.orderAttributes.get(key);
    if (canonical === undefined) throw orderError(`Invalid order by key '${key}' specified. Valid keys are '${pythonSet(rules.orderAttributes.keys())}'`);
    return { field: 'attribute', key: canonical, ascending };
  }
  let resolved: ReturnType<typeof resolveIdentifier>;
  try {
    resolved = resolveIdentifier(rules, identifier.text, rules.orderAttributes);
  } catch (error) {
    if (error instanceof IdentifierError) throw orderError(error.message);
    throw error;
  }
  const { field, key } = resolved;
  if (field === 'dataset' || !rules.orderFields.has(field)) throw orderError(`Invalid order_by entity: ${field}`);
  return { field, key, ascending };
}

/** One entry of MLflow 3's search-logged-models `order_by`. */
export interface LoggedModelOrderBy {
  readonly field_name?: unknown;
  readonly ascending?: unknown;
  readonly dataset_name?: unknown;
  readonly dataset_digest?: unknown;
}

/** MLflow's `parse_order_by_for_logged_models`: attributes by name, metrics as `metrics.<key>`, optionally on a dataset. */
export function parseLoggedModelOrderBy(orderBy: readonly LoggedModelOrderBy[] | undefined): OrderClause[] {
  const rules = ENTITY_RULES.loggedModels;
  return (orderBy ?? []).map((entry) => {
    if (entry === null || typeof entry !== 'object') throw orderError('`order_by` must be a list of dictionaries.');
    const { field_name: fieldName, ascending = true, dataset_name: datasetName, dataset_digest: datasetDigest } = entry;
    if (typeof fieldName !== 'string') throw orderError('`field_name` in the `order_by` clause must be specified.');
    if (typeof ascending !== 'boolean') {
      throw orderError(`Value of \`ascending\` in the \`order_by\` clause must be a boolean, got ${typeof ascending} for field ${fieldName}.`);
    }
    if (datasetDigest !== undefined && datasetName === undefined) {
      throw orderError('`dataset_digest` can only be specified if `dataset_name` is also specified.');
    }
    const dot = fieldName.indexOf('.');
    if (dot >= 0) {
      const entity = fieldName.slice(0, dot);
      if (entity !== 'metrics') throw orderError(`Invalid order by field name: ${entity}, only \`metrics.<name>\` is allowed.`);
      const dataset =
        typeof datasetName === 'string' ? { name: datasetName, ...(typeof datasetDigest === 'string' ? { digest: datasetDigest } : {}) } : undefined;
      return { field: 'metric', key: fieldName.slice(dot + 1), ascending, ...(dataset ? { dataset } : {}) };
    }
    const key = rules.orderAttributes.get(fieldName.trim());
    if (key === undefined) throw orderError(`Invalid order by field name: ${fieldName}.`);
    return { field: 'attribute', key, ascending };
  });
}

/**
 * The total order of a search, as MLflow's SQL store sorts: the caller's clauses (or the entity's default
 * order when there are none), then its tie-breakers (runs: `start_time DESC, run_id`). A record lacking the
 * value sorts last whichever the direction (a NaN metric just before those), as MLflow's
 * `CASE WHEN value IS NULL` columns do. Numbers compare as numbers, strings by code unit.
 */
export function orderComparator(entity: SearchEntity, clauses: readonly OrderClause[]): (a: SearchSubject, b: SearchSubject) => number {
  const rules = ENTITY_RULES[entity];
  const order = clauses.length > 0 ? [...clauses] : [...rules.defaultOrder];
  for (const tieBreaker of rules.tieBreakers) {
    if (!order.some((clause) => clause.field === 'attribute' && clause.key === tieBreaker.key)) order.push(tieBreaker);
  }
  return (a, b) => {
    for (const clause of order) {
      const result = compareOn(clause, sortValue(a, clause), sortValue(b, clause));
      if (result !== 0) return result;
    }
    return 0;
  };
}

function sortValue(subject: SearchSubject, { field, key, dataset }: OrderClause): string | number | undefined {
  switch (field) {
    case 'attribute':
      return subject.attribute(key);
    case 'metric':
      return subject.metric?.(key, dataset);
    case 'param':
      return subject.param?.(key);
    case 'tag':
      return subject.tag(key);
  }
}

/** 0 for a value, 1 for NaN, 2 for none: sorted ascending in every direction. */
const rank = (value: string | number | undefined) => (value === undefined ? 2 : Number.isNaN(value) ? 1 : 0);

function compareOn({ ascending }: OrderClause, a: string | number | undefined, b: string | number | undefined): number {
  const byRank = rank(a) - rank(b);
  if (byRank !== 0 || rank(a) !== 0) return byRank;
  const [x, y] = typeof a === 'number' && typeof b === 'number' ? [a, b] : [String(a), String(b)];
  const result = x < y ? -1 : x > y ? 1 : 0;
  return ascending ? result : -result;
}
