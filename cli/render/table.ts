import Table from 'cli-table3';
import { printable } from './printable';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number;
  /** Numbers read best right-aligned. @default 'left' */
  readonly align?: 'left' | 'right';
}

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Lines up rows in columns without borders or colours (easy to read, to grep and to paste); a cell's controls and line breaks print as escapes. */
function layout(rows: readonly (readonly (string | number)[])[], aligns: ('left' | 'right')[]): string {
  const table = new Table({ chars: BORDERLESS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 }, colAligns: aligns });
  table.push(...rows.map((row) => row.map((cell) => printable(String(cell)))));
  return `${table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')}\n`;
}

/** A table with an upper-case header line; each header aligned like its column. */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const header = columns.map((column) => column.header.toUpperCase());
  return layout(
    [header, ...rows.map((row) => columns.map((column) => column.value(row)))],
    columns.map((column) => column.align ?? 'left'),
  );
}

/** Rows of cells lined up as given, the first row included: for tables whose header is data (side-by-side comparisons). */
export function renderGrid(rows: readonly (readonly (string | number)[])[], aligns: readonly ('left' | 'right')[]): string {
  return layout(rows, [...aligns]);
}

/** `label  value` lines, the values lined up; rows with an undefined value are left out. */
export function renderFields(fields: readonly (readonly [string, string | number | undefined])[]): string {
  const shown = fields.filter((field): field is readonly [string, string | number] => field[1] !== undefined);
  return layout(shown, ['left', 'left']);
}
