import type { AliasChangeRecord } from '../../../lambda/registry/core/model';
import { formatDate } from '../../render/format';
import { type Column, renderTable } from '../../render/table';

/** Alias moves as a table, newest first as given; the alias column only when the moves are of several. */
export function renderAliasHistory(moves: readonly AliasChangeRecord[], options: { showAlias: boolean }): string {
  const columns: Column<AliasChangeRecord>[] = [
    { header: 'changed', value: (row) => formatDate(row.changedAt) },
    ...(options.showAlias ? [{ header: 'alias', value: (row: AliasChangeRecord) => row.alias }] : []),
    { header: 'rev', value: (row) => row.revision, align: 'right' },
    { header: 'from', value: (row) => row.fromVersion ?? '-', align: 'right' },
    { header: 'to', value: (row) => row.toVersion ?? 'removed', align: 'right' },
    { header: 'by', value: (row) => row.changedBy ?? '-' },
    { header: 'reason', value: (row) => row.reason ?? '' },
  ];
  return renderTable(columns, moves);
}
