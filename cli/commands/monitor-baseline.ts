import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { type BaselineProfile, buildBaseline, DEFAULT_SKETCH_BINS } from '../../lambda/monitoring/core/profile/baseline-profile';
import { BaselineProfileSchema } from '../../lambda/monitoring/core/profile/baseline-schema';
import { ValidationError } from '../../lambda/shared/errors';
import { parseRequest } from '../../lambda/shared/validation';
import type { CliContext } from '../context';
import { clockOf } from '../exec/node-process';
import { formatBytes } from '../render/format';
import { type ProfiledFeature, profiledFeatures, renderProfiledFeatures } from '../render/drift-table';
import { writeBlocks, writeJson } from '../render/output';
import { addDatasetOptions, BadInputError, type Dataset, type DatasetOptions, failOnBadInput, fileError, readDataset, type StatusLine, statusLine } from './monitor-dataset';
import { globalOptions } from './options';

interface BaselineOptions extends DatasetOptions {
  readonly out: string;
  readonly bins: number;
}

/** What the command did, and its `--json` output. */
export interface BaselineSummary {
  readonly source: string;
  readonly out: string;
  readonly sizeBytes: number;
  readonly rows: number;
  readonly features: readonly ProfiledFeature[];
}

/** The most sketch bins a baseline may have (its schema's limit of 10,001 edges). */
const MAX_BINS = 10_000;

/** `--bins 1000`: a multiple of 10, from 10 to 10000. */
function parseBins(text: string): number {
  const bins = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(bins >= 10 && bins <= MAX_BINS && bins % 10 === 0)) throw new InvalidArgumentError(`expected a multiple of 10, from 10 to ${MAX_BINS}.`);
  return bins;
}

/**
 * The profile of the training data as JSON, checked against the baseline schema, so what is written
 * is what the platform accepts when the baseline is registered.
 */
function profileJson(dataset: Dataset, profile: BaselineProfile): string {
  const text = JSON.stringify(profile);
  try {
    parseRequest(BaselineProfileSchema, JSON.parse(text));
  } catch (error) {
    if (error instanceof ValidationError) throw new BadInputError(`the profile of ${dataset.label} is not a valid baseline: ${error.message}`);
    throw error;
  }
  return text;
}

/** Reads and profiles the training file and writes the profile to `--out`. */
async function writeBaseline(file: string, options: BaselineOptions, context: CliContext, progress: StatusLine): Promise<{ profile: BaselineProfile; summary: BaselineSummary }> {
  const dataset = await readDataset(file, options, progress);
  progress.show(`profiling ${dataset.columns.length} features of ${file}`);
  const profile = buildBaseline(dataset.columns, { createdAt: new Date(clockOf(context).now()).toISOString(), source: file, sketchBins: options.bins });
  const text = profileJson(dataset, profile);
  progress.show(`writing ${options.out}`);
  try {
    await writeFile(options.out, text);
  } catch (error) {
    throw fileError('write', options.out, error);
  }
  return { profile, summary: { source: file, out: options.out, sizeBytes: Buffer.byteLength(text), rows: profile.rows, features: profiledFeatures(profile) } };
}

export function addBaselineCommand(monitor: Command, context: CliContext): void {
  addDatasetOptions(
    monitor
      .command('baseline')
      .summary('profile training data as the baseline drift is measured against')
      .description(
        'profile training data (CSV with a header row, or JSON Lines of objects) as a baseline: per numeric feature, equal-mass bins, deciles and moments; ' +
          'per categorical feature, the most frequent categories. Writes the profile as compact JSON and lists the features profiled.',
      )
      .argument('<training-file>', 'the training data')
      .requiredOption('--out <profile.json>', 'where to write the profile')
      .option('--bins <n>', 'equal-mass bins per numeric feature: more bins, tighter drift bounds and a larger profile (a multiple of 10)', parseBins, DEFAULT_SKETCH_BINS),
  ).action(async (file: string, options: BaselineOptions, command: Command) => {
    const globals = globalOptions(command);
    const progress = statusLine(context.stderr);
    let summary: BaselineSummary;
    try {
      ({ summary } = await writeBaseline(file, options, context, progress));
    } catch (error) {
      progress.clear();
      return failOnBadInput(context, error);
    }
    progress.clear();
    if (globals.json) return writeJson(context.stdout, summary);
    writeBlocks(
      context.stdout,
      `profiled ${file}: ${summary.rows} rows, ${summary.features.length} features; wrote ${summary.out} (${formatBytes(summary.sizeBytes)})`,
      renderProfiledFeatures(summary.features),
    );
  });
}
