import { formatDate } from '../../render/format';
import type { Column } from '../../render/table';

/**
 * A `deleted` column when any row was deleted through MLflow's API (the registry keeps such models and
 * versions as the record of what was registered); none otherwise, so most tables keep their shape.
 */
export function deletedColumn<T extends { readonly deletedAt?: string }>(rows: readonly T[]): Column<T>[] {
  if (!rows.some((row) => row.deletedAt !== undefined)) return [];
  return [{ header: 'deleted', value: (row) => (row.deletedAt === undefined ? '-' : formatDate(row.deletedAt)) }];
}
