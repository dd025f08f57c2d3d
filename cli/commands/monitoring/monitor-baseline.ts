import { stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { MAX_BASELINE_PROFILE_BYTES, type MonitoringClient } from '../../../client/monitoring/monitoring-client';
import type { BaselineRecord } from '../../../lambda/monitoring/core/model';
import { type BaselineProfile, buildBaseline, DEFAULT_SKETCH_BINS } from '../../../lambda/monitoring/core/profile/baseline-profile';
import { BaselineProfileSchema } from '../../../lambda/monitoring/core/profile/baseline-schema';
import { ValidationError } from '../../../lambda/shared/errors';
import { parseRequest } from '../../../lambda/shared/validation';
import { connectMonitoring } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { parseVersionNumber } from '../../parse';
import { formatBytes, formatDate, plural } from '../../render/format';
import { writeBlocks, writeJson } from '../../render/output';
import { uploadProgress } from '../../render/progress';
import { renderFields } from '../../render/table';
import { globalOptions } from '../options';
import { type ProfiledFeature, profiledFeatures, renderProfiledFeatures } from './drift-table';
import {
  addDatasetOptions,
  BadInputError,
  type Dataset,
  type DatasetFormat,
  type DatasetOptions,
  failOnBadInput,
  fileError,
  formatOf,
  readDataset,
  type StatusLine,
  statusLine,
} from './monitor-dataset';

interface BaselineOptions extends DatasetOptions {
  readonly out?: string;
  readonly bins: number;
  readonly model?: string;
  readonly version?: number;
  readonly remote?: boolean;
  readonly replace?: boolean;
}

/** What the command did, and its `--json` output. */
export interface BaselineSummary {
  readonly source: string;
  /** Where the profile was written; absent when it was only registered. */
  readonly out?: string;
  readonly sizeBytes: number;
  readonly rows: number;
  readonly features: readonly ProfiledFeature[];
  /** The registered baseline, with `--model` and `--version`. */
  readonly baseline?: BaselineRecord;
}

/** What `--remote` did, and its `--json` output. */
export interface RemoteBaselineSummary {
  readonly source: string;
  /** Where the training data was uploaded for the function to profile. */
  readonly uploadedTo: string;
  readonly baseline: BaselineRecord;
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

/** Reads and profiles the training file, and writes the profile to `--out` when given. */
async function profileBaseline(
  file: string,
  options: BaselineOptions,
  context: CliContext,
  progress: StatusLine,
): Promise<{ profile: BaselineProfile; summary: BaselineSummary }> {
  const dataset = await readDataset(file, options, progress);
  progress.show(`profiling ${dataset.columns.length} features of ${file}`);
  const profile = buildBaseline(dataset.columns, { createdAt: new Date(clockOf(context).now()).toISOString(), source: file, sketchBins: options.bins });
  const text = profileJson(dataset, profile);
  if (options.out) {
    progress.show(`writing ${options.out}`);
    try {
      await writeFile(options.out, text);
    } catch (error) {
      throw fileError('write', options.out, error);
    }
  }
  const sizeBytes = Buffer.byteLength(text);
  return {
    profile,
    summary: { source: file, ...(options.out ? { out: options.out } : {}), sizeBytes, rows: profile.rows, features: profiledFeatures(profile) },
  };
}

/** A profile too large for one Lambda request: say how to register it anyway. */
function checkProfileSize(file: string, summary: BaselineSummary): void {
  if (summary.sizeBytes <= MAX_BASELINE_PROFILE_BYTES) return;
  throw new BadInputError(
    `the profile of ${file} is ${formatBytes(summary.sizeBytes)}, more than one Lambda request takes (${formatBytes(MAX_BASELINE_PROFILE_BYTES)}): ` +
      'add --remote to upload the training file to the artifact bucket and profile it in the function, or profile with fewer --bins',
  );
}

/** The usage errors of option combinations commander cannot express. */
function optionProblem(options: BaselineOptions, command: Command): string | undefined {
  const registering = options.model !== undefined || options.version !== undefined;
  if (registering && (options.model === undefined || options.version === undefined))
    return 'error: --model and --version go together: the model version whose baseline this is';
  if (!registering && options.remote) return 'error: --remote registers the baseline: add --model and --version';
  if (!registering && options.replace) return 'error: --replace replaces a registered baseline: add --model and --version';
  if (!registering && !options.out) return "error: required option '--out <profile.json>' not specified (or register the profile with --model and --version)";
  if (options.remote && options.out) return 'error: --remote profiles in the function, which writes no local profile: leave out --out';
  if (options.remote && command.getOptionValueSource('bins') !== 'default')
    return `error: --remote profiles at the function's ${DEFAULT_SKETCH_BINS} bins: leave out --bins`;
  return undefined;
}

/** `registered the baseline of churn version 3: 2000 rows, 5 features (4 numeric, 1 categorical)`, then where it is. */
function renderRegistration(baseline: BaselineRecord): string[] {
  const numeric = baseline.features.filter((feature) => feature.kind === 'numeric').length;
  const byType = [`${numeric} numeric`, `${baseline.features.length - numeric} categorical`].join(', ');
  return [
    `registered the baseline of ${baseline.model} version ${baseline.version}: ${plural(baseline.rows, 'row')}, ${plural(baseline.features.length, 'feature')} (${byType})`,
    renderFields([
      ['stored', baseline.uri],
      ['source', baseline.source],
      ['created', formatDate(baseline.createdAt)],
    ]),
  ];
}

/** Profiles locally, then registers the profile (`--model`, `--version`) when asked. */
async function profileAndRegister(file: string, options: BaselineOptions, context: CliContext, command: Command): Promise<void> {
  const globals = globalOptions(command);
  const client = options.model === undefined ? undefined : await connectMonitoring(context, globals, ['registerBaseline']);
  const progress = statusLine(context.stderr);
  let summary: BaselineSummary;
  let profile: BaselineProfile;
  try {
    ({ profile, summary } = await profileBaseline(file, options, context, progress));
    if (client) checkProfileSize(file, summary);
  } catch (error) {
    progress.clear();
    return failOnBadInput(context, error);
  }
  try {
    if (client) {
      progress.show(`registering the baseline of ${options.model} version ${options.version}`);
      summary = {
        ...summary,
        baseline: await client.registerBaseline({ model: options.model!, version: options.version!, profile, replace: options.replace === true }),
      };
    }
  } finally {
    progress.clear();
  }
  if (globals.json) return writeJson(context.stdout, summary);
  const wrote = summary.out ? `; wrote ${summary.out} (${formatBytes(summary.sizeBytes)})` : '';
  writeBlocks(
    context.stdout,
    `profiled ${file}: ${summary.rows} rows, ${summary.features.length} features${wrote}`,
    renderProfiledFeatures(summary.features),
    ...(summary.baseline ? renderRegistration(summary.baseline) : []),
  );
}

/** `--remote`: uploads the training file and has the function profile it and register the baseline. */
async function registerRemotely(file: string, options: BaselineOptions, context: CliContext, command: Command): Promise<void> {
  const globals = globalOptions(command);
  let format: DatasetFormat;
  try {
    format = formatOf(file, options.format);
    const info = await stat(file).catch((error: unknown) => {
      throw fileError('read', file, error);
    });
    if (info.isDirectory()) throw new BadInputError(`cannot read ${file}: it is a directory`);
  } catch (error) {
    return failOnBadInput(context, error);
  }
  const client: MonitoringClient = await connectMonitoring(context, globals, ['registerBaseline', 'artifactBucket']);
  const progress = uploadProgress(context.stderr, basename(file), { quiet: globals.json === true });
  let uploadedTo = '';
  let baseline: BaselineRecord;
  try {
    baseline = await client.registerBaselineFromFile(
      file,
      {
        model: options.model!,
        version: options.version!,
        format,
        exclude: options.exclude,
        categorical: options.categorical,
        replace: options.replace === true,
      },
      {
        onProgress: progress.update,
        onUploaded: (uploaded) => {
          uploadedTo = uploaded.uri;
          progress.done(uploaded);
        },
      },
    );
  } catch (error) {
    progress.fail();
    throw error;
  }
  const summary: RemoteBaselineSummary = { source: file, uploadedTo, baseline };
  if (globals.json) return writeJson(context.stdout, summary);
  writeBlocks(context.stdout, ...renderRegistration(baseline));
}

export function addBaselineCommand(monitor: Command, context: CliContext): void {
  addDatasetOptions(
    monitor
      .command('baseline')
      .summary('profile training data as the baseline drift is measured against, and register it')
      .description(
        'profile training data (CSV with a header row, or JSON Lines of objects) as a baseline: per numeric feature, equal-mass bins, deciles and moments; ' +
          'per categorical feature, the most frequent categories. Writes the profile as compact JSON (--out) and lists the features profiled; ' +
          "with --model and --version, registers it as that model version's baseline, which its monitors compare production data with. " +
          'A profile too large for one Lambda request (about 6 MB: some 150 features at the default bins) is registered with --remote: ' +
          'the training file is uploaded to the artifact bucket and profiled by the function.',
      )
      .argument('<training-file>', 'the training data')
      .option('--out <profile.json>', 'where to write the profile (required unless registering it)')
      .option(
        '--bins <n>',
        'equal-mass bins per numeric feature: more bins, tighter drift bounds and a larger profile (a multiple of 10)',
        parseBins,
        DEFAULT_SKETCH_BINS,
      )
      .option('--model <name>', 'register the profile as the baseline of a version of this model (with --version)')
      .option('--version <n>', 'the model version the baseline is for (with --model)', parseVersionNumber)
      .option('--remote', 'upload the training file and profile it in the function instead (for profiles over 6 MB; files up to about 1 GB)')
      .option('--replace', "replace the version's baseline if it has one (without it, registering over an existing baseline is refused)"),
  ).action(async (file: string, options: BaselineOptions, command: Command) => {
    const problem = optionProblem(options, command);
    if (problem) command.error(problem);
    if (options.remote) return registerRemotely(file, options, context, command);
    return profileAndRegister(file, options, context, command);
  });
}
