import type { Comparator, FieldKind, OrderClause } from './ast';

/** The five things MLflow searches, each with its own identifiers, defaults and limits. */
export type SearchEntity = 'runs' | 'experiments' | 'registeredModels' | 'modelVersions' | 'loggedModels';

/**
 * What MLflow (3.x, `mlflow/utils/search_utils.py` and the SQL stores) allows when searching one entity.
 * Messages quote MLflow's own text, so a user's search for it finds its docs.
 */
export interface EntityRules {
  /** Identifier prefixes as MLflow spells them, to what they name. */
  readonly prefixes: ReadonlyMap<string, FieldKind>;
  /** Runs and logged models take a backticked prefix (`` `metrics`.a ``); the others take it as written. */
  readonly trimPrefixBackticks: boolean;
  readonly prefixError: (prefix: string) => string;
  /** Searchable attributes, MLflow's aliases included, to their canonical name. */
  readonly filterAttributes: ReadonlyMap<string, string>;
  /** Canonical names of the attributes compared as numbers. */
  readonly numericAttributes: ReadonlySet<string>;
  /** Canonical names of the attributes that take a list (IN / NOT IN); 'all' for every one. */
  readonly listAttributes: ReadonlySet<string> | 'all';
  readonly stringAttributeComparators: readonly Comparator[];
  /** Fields that take IS NULL / IS NOT NULL, and what to say to the others. */
  readonly nullableFields: ReadonlySet<FieldKind>;
  readonly nullError: (field: FieldKind, key: string) => string;
  /** How `order_by` names a key: as a filter identifier (`attributes.start_time`), or a plain key (registered models). */
  readonly orderKeys: 'identifier' | 'plain';
  readonly orderFields: ReadonlySet<OrderClause['field']>;
  /** Orderable attributes (aliases included) to their canonical name. */
  readonly orderAttributes: ReadonlyMap<string, string>;
  /** MLflow rejects an `order_by` naming one field twice (runs and registered models only). */
  readonly rejectDuplicateOrder: boolean;
  /** The order when the caller gives none. */
  readonly defaultOrder: readonly OrderClause[];
  /** Appended when the order does not already name their key, so every order is total. */
  readonly tieBreakers: readonly OrderClause[];
  readonly maxResults: { readonly default: number; readonly max: number };
}

export const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
export const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
export const DATASET_COMPARATORS: readonly Comparator[] = [...STRING_COMPARATORS, 'IN', 'NOT IN'];
export const DATASET_KEYS: ReadonlySet<string> = new Set(['name', 'digest', 'context']);

const asc = (key: string): OrderClause => ({ field: 'attribute', key, ascending: true });
const desc = (key: string): OrderClause => ({ field: 'attribute', key, ascending: false });
const identity = (...names: string[]): [string, string][] => names.map((name) => [name, name]);

const TRACKING_PREFIXES: [string, FieldKind][] = [
  ['metric', 'metric'],
  ['metrics', 'metric'],
  ['parameter', 'param'],
  ['parameters', 'param'],
  ['param', 'param'],
  ['params', 'param'],
  ['tag', 'tag'],
  ['tags', 'tag'],
  ['attribute', 'attribute'],
  ['attributes', 'attribute'],
  ['attr', 'attribute'],
  ['run', 'attribute'],
];
const DATASET_PREFIXES: [string, FieldKind][] = [
  ['dataset', 'dataset'],
  ['datasets', 'dataset'],
];
const trackingPrefixError = (prefix: string) => `Invalid entity type '${prefix}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`;

/** Experiments and the model registry take `attribute.`, `tag.` and `tags.` only. */
const REGISTRY_PREFIXES = new Map<string, FieldKind>([
  ['attribute', 'attribute'],
  ['tag', 'tag'],
  ['tags', 'tag'],
]);
const registryPrefixError = (prefix: string) => `Invalid entity type '${prefix}'. Valid entity types are ('attribute', 'tag', 'tags')`;
const tagsAndParamsOnly = (field: FieldKind, key: string) => `IS NULL / IS NOT NULL is only supported for tags and params, not for '${field}' '${key}'`;
const notSupported = (what: string) => () => `IS NULL / IS NOT NULL is not supported when searching ${what}`;

const TRACKING_LIMITS = { default: 1000, max: 50_000 };

export const ENTITY_RULES: Readonly<Record<SearchEntity, EntityRules>> = {
  runs: {
    prefixes: new Map([...TRACKING_PREFIXES, ...DATASET_PREFIXES]),
    trimPrefixBackticks: true,
    prefixError: trackingPrefixError,
    filterAttributes: new Map([
      ...identity('run_id', 'run_name', 'user_id', 'status', 'start_time', 'end_time', 'artifact_uri'),
      ['created', 'start_time'],
      ['Created', 'start_time'],
      ['run name', 'run_name'],
      ['Run name', 'run_name'],
      ['Run Name', 'run_name'],
    ]),
    numericAttributes: new Set(['start_time', 'end_time']),
    listAttributes: new Set(['run_id']),
    stringAttributeComparators: DATASET_COMPARATORS,
    nullableFields: new Set(['tag', 'param']),
    nullError: tagsAndParamsOnly,
    orderKeys: 'identifier',
    orderFields: new Set(['attribute', 'metric', 'param', 'tag']),
    orderAttributes: new Map([
      ...identity('run_id', 'run_name', 'user_id', 'status', 'start_time', 'end_time', 'artifact_uri'),
      ['created', 'start_time'],
      ['Created', 'start_time'],
    ]),
    rejectDuplicateOrder: true,
    defaultOrder: [],
    tieBreakers: [desc('start_time'), asc('run_id')],
    maxResults: TRACKING_LIMITS,
  },
  experiments: {
    prefixes: REGISTRY_PREFIXES,
    trimPrefixBackticks: false,
    prefixError: registryPrefixError,
    filterAttributes: new Map(identity('name', 'creation_time', 'last_update_time')),
    numericAttributes: new Set(['creation_time', 'last_update_time']),
    listAttributes: new Set(),
    stringAttributeComparators: STRING_COMPARATORS,
    nullableFields: new Set(['tag']),
    nullError: (_, key) => `IS NULL / IS NOT NULL is only supported for tags, not for attribute '${key}'`,
    orderKeys: 'identifier',
    orderFields: new Set(['attribute']),
    orderAttributes: new Map(identity('name', 'experiment_id', 'creation_time', 'last_update_time')),
    rejectDuplicateOrder: false,
    defaultOrder: [desc('creation_time'), asc('experiment_id')],
    tieBreakers: [desc('experiment_id')],
    maxResults: TRACKING_LIMITS,
  },
  registeredModels: {
    prefixes: REGISTRY_PREFIXES,
    trimPrefixBackticks: false,
    prefixError: registryPrefixError,
    filterAttributes: new Map(identity('name')),
    numericAttributes: new Set(),
    listAttributes: new Set(),
    stringAttributeComparators: STRING_COMPARATORS,
    nullableFields: new Set(),
    nullError: notSupported('registered models'),
    orderKeys: 'plain',
    orderFields: new Set(['attribute']),
    // MLflow's SQL store orders `timestamp` by the last update, as it does `last_updated_timestamp`.
    orderAttributes: new Map([...identity('name', 'last_updated_timestamp'), ['timestamp', 'last_updated_timestamp']]),
    rejectDuplicateOrder: true,
    defaultOrder: [],
    tieBreakers: [asc('name')],
    maxResults: { default: 100, max: 1000 },
  },
  modelVersions: {
    prefixes: REGISTRY_PREFIXES,
    trimPrefixBackticks: false,
    prefixError: registryPrefixError,
    filterAttributes: new Map(identity('name', 'version_number', 'run_id', 'source_path')),
    numericAttributes: new Set(['version_number']),
    listAttributes: new Set(['run_id']),
    stringAttributeComparators: [...STRING_COMPARATORS, 'IN'],
    nullableFields: new Set(),
    nullError: notSupported('model versions'),
    orderKeys: 'identifier',
    orderFields: new Set(['attribute']),
    orderAttributes: new Map(identity('name', 'version_number', 'creation_timestamp', 'last_updated_timestamp')),
    rejectDuplicateOrder: false,
    defaultOrder: [desc('last_updated_timestamp'), asc('name'), desc('version_number')],
    tieBreakers: [asc('name'), desc('version_number')],
    maxResults: { default: 10_000, max: 200_000 },
  },
  loggedModels: {
    prefixes: new Map(TRACKING_PREFIXES),
    trimPrefixBackticks: true,
    prefixError: (prefix) => `Invalid entity type '${prefix}'. Valid values are ['metric', 'parameter', 'tag', 'attribute']`,
    filterAttributes: new Map([
      ...identity('name', 'model_id', 'model_type', 'status', 'source_run_id', 'creation_timestamp', 'last_updated_timestamp'),
      ['creation_time', 'creation_timestamp'],
      ['last_updated_time', 'last_updated_timestamp'],
    ]),
    numericAttributes: new Set(['creation_timestamp', 'last_updated_timestamp']),
    listAttributes: 'all',
    stringAttributeComparators: DATASET_COMPARATORS,
    nullableFields: new Set(['tag', 'param']),
    nullError: tagsAndParamsOnly,
    orderKeys: 'identifier',
    orderFields: new Set(['attribute', 'metric']),
    orderAttributes: new Map([
      ...identity('name', 'model_id', 'model_type', 'status', 'source_run_id', 'creation_timestamp', 'last_updated_timestamp'),
      ['creation_time', 'creation_timestamp'],
      ['last_updated_time', 'last_updated_timestamp'],
    ]),
    rejectDuplicateOrder: false,
    defaultOrder: [],
    tieBreakers: [desc('creation_timestamp'), asc('model_id')],
    // MLflow's default for search-logged-models; its SQL store shares the tracking maximum.
    maxResults: { default: 100, max: 50_000 },
  },
};

/** Python's repr of a set of strings, sorted so that messages are stable: `{'a', 'b'}`. */
export function pythonSet(values: Iterable<string>): string {
  return `{${[...values]
    .sort()
    .map((value) => `'${value}'`)
    .join(', ')}}`;
}
