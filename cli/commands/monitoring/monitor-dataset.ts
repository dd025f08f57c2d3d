import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Column } from '../../../lambda/monitoring/core/profile/baseline-profile';
import { type ColumnOptions, columnsFromCsv, columnsFromJsonLines, DatasetError } from '../../../lambda/monitoring/core/profile/dataset-columns';
import type { CliContext, Terminal } from '../../context';
import { EXIT_USAGE, ExitStatus } from '../../exit-status';
import { formatBytes } from '../../render/format';

/** What the monitor commands share: how a data file is named, typed and read. */

export type DatasetFormat = 'csv' | 'jsonl';

export interface DatasetOptions {
  readonly format?: DatasetFormat;
  readonly exclude?: string[];
  readonly categorical?: string[];
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, DatasetFormat>> = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** `--exclude a,b --exclude c`: one list, blanks dropped. */
export function collectColumns(text: string, previous: readonly string[] = []): string[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new InvalidArgumentError('expected column names, separated by commas.');
  return [...previous, ...names];
}

/** `--format`, `--exclude`, `--categorical`: how the data files are read. */
export function addDatasetOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', "the data files' format (default: by extension, .csv or .jsonl/.ndjson)").choices(['csv', 'jsonl']))
    .option('--exclude <columns>', 'columns to leave out, e.g. labels and ids (comma-separated, repeatable)', collectColumns)
    .option('--categorical <columns>', 'columns to treat as categorical even when every value is a number (comma-separated, repeatable)', collectColumns);
}

/** A data file read into typed columns. */
export interface Dataset {
  /** The path as given, for messages. */
  readonly label: string;
  readonly columns: Column[];
  readonly rows: number;
}

/** Input the command cannot work with (a missing file, unreadable data): one line, the usage status, no stack. */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/** Says what was wrong with the input on stderr and ends with the usage status. */
export function failOnBadInput(context: CliContext, error: unknown): never {
  if (!(error instanceof BadInputError)) throw error;
  context.stderr.write(`error: ${error.message}\n`);
  throw new ExitStatus(EXIT_USAGE);
}

/** `--format`, else the format the extension says; bad input when it says none. */
export function formatOf(path: string, format: DatasetFormat | undefined): DatasetFormat {
  if (format) return format;
  const byExtension = FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
  if (!byExtension) throw new BadInputError(`cannot tell the format of ${path} from its extension: add --format csv or --format jsonl`);
  return byExtension;
}

const FILE_PROBLEMS: Readonly<Record<string, string>> = { ENOENT: 'no such file or directory', EISDIR: 'it is a directory', EACCES: 'permission denied' };

/** A failed read or write of `path` as bad input: `cannot read x.csv: no such file or directory`. */
export function fileError(action: 'read' | 'write', path: string, error: unknown): BadInputError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new BadInputError(`cannot ${action} ${path}: ${FILE_PROBLEMS[code] ?? (error as Error).message}`);
}

/** Reads and types a CSV or JSON Lines file; parsing a large one takes seconds, shown on `progress`. */
export async function readDataset(path: string, options: DatasetOptions, progress: StatusLine): Promise<Dataset> {
  const format = formatOf(path, options.format);
  progress.show(`reading ${path}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fileError('read', path, error);
  }
  progress.show(`parsing ${path} (${formatBytes(Buffer.byteLength(text))})`);
  const columnOptions: ColumnOptions = { exclude: options.exclude, categorical: options.categorical };
  let columns: Column[];
  try {
    columns = format === 'csv' ? columnsFromCsv(text, columnOptions) : columnsFromJsonLines(text, columnOptions);
  } catch (error) {
    if (error instanceof DatasetError) throw new BadInputError(`${path}: ${error.message}`);
    throw error;
  }
  if (columns.length === 0) throw new BadInputError(`${path} has no columns to work with${options.exclude ? ' once --exclude is applied' : ''}`);
  return { label: path, columns, rows: columns[0].values.length };
}

/**
 * What a long command is doing, on stderr: one line redrawn in place and cleared at the end when
 * stderr is a terminal; nothing otherwise (the command's output says what was read).
 */
export interface StatusLine {
  show(text: string): void;
  clear(): void;
}

export function statusLine(stderr: Terminal): StatusLine {
  const interactive = stderr.isTTY === true;
  let shown = false;
  const fit = (text: string) => [...text].slice(0, Math.max(10, (stderr.columns ?? 80) - 1)).join('');
  return {
    show: (text) => {
      if (!interactive) return;
      stderr.write(`\r\x1b[2K${fit(`${text}...`)}`);
      shown = true;
    },
    clear: () => {
      if (interactive && shown) stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
