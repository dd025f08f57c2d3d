import { parse as parseCsv } from 'csv-parse/sync';
import { excerpt } from '../../../shared/excerpt';
import type { Column } from './baseline-profile';
import { numberOf } from './window-sketch';

/**
 * Turns a training or production data file into typed columns: CSV with a header row, or JSON Lines
 * of objects. A column is numeric when every present value is a finite number (or numeric text),
 * unless it is named in `categorical`; columns named in `exclude` (labels, ids) are left out.
 */
export interface ColumnOptions {
  readonly exclude?: readonly string[];
  readonly categorical?: readonly string[];
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

export function columnsFromCsv(text: string, options: ColumnOptions = {}): Column[] {
  let rows: string[][];
  try {
    rows = parseCsv(text, { skip_empty_lines: true, trim: true });
  } catch (error) {
    // The parser's message may quote the file (a field, the header): a short excerpt of it at most.
    const { lines } = error as { lines?: number };
    throw new DatasetError(`the CSV cannot be read${lines ? ` at line ${lines}` : ''}: ${excerpt((error as Error).message)}`);
  }
  if (rows.length === 0) throw new DatasetError('the CSV is empty: it needs a header row');
  const [header, ...body] = rows;
  return typedColumns(
    header,
    header.map((_, index) => body.map((row) => row[index])),
    options,
  );
}

export function columnsFromJsonLines(text: string, options: ColumnOptions = {}): Column[] {
  const records = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        const record: unknown = JSON.parse(line);
        if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new Error('not an object');
        return record as Record<string, unknown>;
      } catch {
        throw new DatasetError(`line ${index + 1} is not a JSON object`);
      }
    });
  const names = [...new Set(records.flatMap((record) => Object.keys(record)))];
  return typedColumns(
    names,
    names.map((name) => records.map((record) => (Object.hasOwn(record, name) ? record[name] : undefined))),
    options,
  );
}

function typedColumns(names: readonly string[], values: readonly unknown[][], options: ColumnOptions): Column[] {
  const excluded = new Set(options.exclude ?? []);
  const categorical = new Set(options.categorical ?? []);
  return names.flatMap((name, index): Column[] => {
    if (excluded.has(name)) return [];
    const raw = values[index];
    if (!categorical.has(name) && raw.every(isNumericOrMissing)) return [{ name, kind: 'numeric', values: Float64Array.from(raw, numberOf) }];
    return [{ name, kind: 'categorical', values: raw }];
  });
}

const isNumericOrMissing = (value: unknown) =>
  value === undefined || value === null || value === '' || (typeof value !== 'boolean' && Number.isFinite(numberOf(value)));
