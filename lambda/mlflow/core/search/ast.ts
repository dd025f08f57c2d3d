/** What a filter clause compares, MLflow's identifier prefixes resolved (`metrics.` and `metric.` are both `metric`). */
export type FieldKind = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

/** One clause: `metrics.auc > 0.8`, `tags."mlflow.user" = 'x'`, `attributes.run_id IN ('a', 'b')`, `tags.team IS NULL`. */
export interface Comparison {
  readonly kind: 'comparison';
  readonly field: FieldKind;
  /** Unquoted; an attribute's canonical name (`created` is `start_time`). */
  readonly key: string;
  readonly comparator: Comparator;
  /** A number for metrics and numeric attributes, a string otherwise, a list for IN / NOT IN, null for IS [NOT] NULL. */
  readonly value: number | string | readonly string[] | null;
}

/** AND / OR over two or more operands; the parser flattens `a AND (b AND c)` to one AND of three. */
export interface Junction {
  readonly kind: 'and' | 'or';
  readonly operands: readonly FilterExpr[];
}

export type FilterExpr = Comparison | Junction;

/** A dataset a logged model's metric was computed on (MLflow 3's `datasets` of search-logged-models). */
export interface DatasetRef {
  readonly name: string;
  readonly digest?: string;
}

/** One sort key of an `order_by`. */
export interface OrderClause {
  readonly field: 'attribute' | 'metric' | 'param' | 'tag';
  readonly key: string;
  readonly ascending: boolean;
  /** Logged models only: the metric's value on this dataset. */
  readonly dataset?: DatasetRef;
}
