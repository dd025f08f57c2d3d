import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parse } from 'csv-parse/sync';
import type { CollectDataRequest } from '../../../lambda/monitoring/core/schemas';
import { connectMonitoring } from '../../config';
import type { CliContext } from '../../context';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { BadInputError, collectColumns, type DatasetFormat, failOnBadInput, fileError, formatOf } from './monitor-dataset';

interface CollectOptions {
  readonly format?: DatasetFormat;
  readonly exclude?: string[];
  readonly inferenceTime?: string;
}

/** Records a batch holds: a tenth of what one request takes, well under its 5 MB for rows of tens of features. */
const BATCH_RECORDS = 1_000;

/** The client validates the values (finite numbers, text, booleans, null) before anything is sent. */
type FeatureRecord = CollectDataRequest['records'][number];

/** Each row of a CSV file (a header row, numbers as numbers) or JSON Lines file, blanks as missing values. */
function recordsOf(text: string, format: DatasetFormat): FeatureRecord[] {
  if (format === 'csv') return parse(text, { columns: true, cast: true, skip_empty_lines: true }) as FeatureRecord[];
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as FeatureRecord;
      } catch {
        throw new BadInputError(`line ${index + 1} is not JSON`);
      }
    });
}

function withoutColumns(record: FeatureRecord, excluded: ReadonlySet<string>): FeatureRecord {
  return Object.fromEntries(
    Object.entries(record)
      .map(([name, value]) => [name, value === '' ? null : value])
      .filter(([name]) => !excluded.has(name as string)),
  );
}

function parseTime(text: string): string {
  if (Number.isNaN(Date.parse(text))) throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-12-06T14:30:00Z.');
  return text;
}

export function addCollectCommand(monitor: Command, context: CliContext): void {
  monitor
    .command('collect')
    .summary("send production records (a model's inputs) to a monitor, as a serving application does")
    .description(
      'send the rows of a data file (CSV with a header row, or JSON Lines of objects) to a monitor as production records, ' +
        `in batches of ${BATCH_RECORDS} (CollectData); the monitor's next check compares the records of its window with the baseline. ` +
        'For monitors without a SageMaker endpoint (their records are in collected/<monitor>/ of the monitoring bucket).',
    )
    .argument('<monitor>', 'the monitor name')
    .argument('<file>', 'the records')
    .addOption(new Option('--format <format>', "the file's format (default: by extension, .csv or .jsonl/.ndjson)").choices(['csv', 'jsonl']))
    .option('--exclude <columns>', 'columns that are not model inputs, e.g. labels and ids (comma-separated, repeatable)', collectColumns)
    .option('--inference-time <time>', 'when the predictions were made (ISO 8601; default: now)', parseTime)
    .action(async (name: string, file: string, options: CollectOptions, command: Command) => {
      const globals = globalOptions(command);
      let records: FeatureRecord[];
      try {
        const format = formatOf(file, options.format);
        const text = await readFile(file, 'utf8').catch((error: unknown) => {
          throw fileError('read', file, error);
        });
        const excluded = new Set(options.exclude ?? []);
        records = recordsOf(text, format).map((record) => withoutColumns(record, excluded));
        if (records.length === 0) throw new BadInputError(`${file} holds no records`);
      } catch (error) {
        return failOnBadInput(context, error instanceof BadInputError || !(error instanceof Error) ? error : new BadInputError(`${file}: ${error.message}`));
      }
      const client = await connectMonitoring(context, globals, ['collectData']);
      // One inference time for every batch: the records are one window's, whatever the batching.
      const inferenceTime = options.inferenceTime ?? new Date().toISOString();
      const batches = Math.ceil(records.length / BATCH_RECORDS);
      for (let batch = 0; batch < batches; batch++) {
        await client.collect({ monitor: name, records: records.slice(batch * BATCH_RECORDS, (batch + 1) * BATCH_RECORDS), inferenceTime });
      }
      const summary = { monitor: name, records: records.length, batches, inferenceTime };
      if (globals.json) return writeJson(context.stdout, summary);
      writeBlocks(
        context.stdout,
        `sent ${records.length} records from ${file} to monitor ${name} in ${batches} batch${batches === 1 ? '' : 'es'} (inference time ${inferenceTime})`,
      );
    });
}
