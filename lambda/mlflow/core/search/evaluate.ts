import type { Comparison, DatasetRef, FilterExpr } from './ast';
import { like } from './like';

/** A dataset a run was fed, as `datasets.name / digest / context` compare it. */
export interface DatasetInput {
  readonly name: string;
  readonly digest: string;
  /** The input's `mlflow.data.context` tag (`train`, `eval`, ...). */
  readonly context?: string;
}

/**
 * How a search reads one record (a run, an experiment, a model, a version, a logged model): the caller
 * maps its own record onto it. Absent values are `undefined`. Entities without metrics, params or
 * datasets leave those methods out.
 */
export interface SearchSubject {
  /** By the canonical name the parser gives (`start_time`, `run_name`, `version_number`, `last_updated_timestamp`). */
  attribute(name: string): string | number | undefined;
  tag(key: string): string | undefined;
  /** The latest value; for logged models optionally the one computed on `dataset`. */
  metric?(key: string, dataset?: DatasetRef): number | undefined;
  param?(key: string): string | undefined;
  datasets?(): readonly DatasetInput[];
}

/** Whether `subject` matches `filter` (no filter matches everything). */
export function matches(filter: FilterExpr | undefined, subject: SearchSubject): boolean {
  if (filter === undefined) return true;
  switch (filter.kind) {
    case 'and':
      return filter.operands.every((operand) => matches(operand, subject));
    case 'or':
      return filter.operands.some((operand) => matches(operand, subject));
    default:
      return compare(filter, subject);
  }
}

/**
 * One clause, as MLflow's SQL store answers it: a clause on a metric, param or tag the record lacks
 * matches nothing (an inner join), `!=` included; only IS NULL matches absence. `datasets.*` matches when
 * any of the record's datasets does.
 */
function compare(clause: Comparison, subject: SearchSubject): boolean {
  switch (clause.field) {
    case 'metric':
      return holds(clause, subject.metric?.(clause.key));
    case 'param':
      return holds(clause, subject.param?.(clause.key));
    case 'tag':
      return holds(clause, subject.tag(clause.key));
    case 'attribute':
      return holds(clause, subject.attribute(clause.key));
    case 'dataset':
      return (subject.datasets?.() ?? []).some((input) => holds(clause, input[clause.key as keyof DatasetInput]));
  }
}

function holds({ comparator, value }: Comparison, actual: string | number | undefined): boolean {
  if (comparator === 'IS NULL') return actual === undefined;
  if (comparator === 'IS NOT NULL') return actual !== undefined;
  if (actual === undefined) return false;
  if (typeof value === 'number') return compareNumbers(comparator, Number(actual), value);
  const text = String(actual);
  switch (comparator) {
    case '=':
      return text === value;
    case '!=':
      return text !== value;
    case 'LIKE':
      return like(text, value as string, false);
    case 'ILIKE':
      return like(text, value as string, true);
    case 'IN':
      return (value as readonly string[]).includes(text);
    case 'NOT IN':
      return !(value as readonly string[]).includes(text);
    default:
      return false;
  }
}

function compareNumbers(comparator: Comparison['comparator'], actual: number, value: number): boolean {
  switch (comparator) {
    case '=':
      return actual === value;
    case '!=':
      return actual !== value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    default:
      return false;
  }
}
