import { type Command, InvalidArgumentError, Option } from 'commander';
import { samplesDrift } from '../../../lambda/monitoring/core/drift/dataset-drift';
import {
  type CategoricalMethod,
  DEFAULT_THRESHOLDS,
  type DriftPolicy,
  type DriftThresholds,
  type NumericMethod,
} from '../../../lambda/monitoring/core/drift/drift-policy';
import type { CliContext } from '../../context';
import { EXIT_DRIFT_DETECTED, ExitStatus } from '../../exit-status';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { renderDriftCheck } from './drift-table';
import { addDatasetOptions, type Dataset, type DatasetOptions, failOnBadInput, readDataset, statusLine } from './monitor-dataset';

interface CheckOptions extends DatasetOptions {
  readonly numericMethod: NumericMethod | 'auto';
  readonly categoricalMethod: CategoricalMethod | 'auto';
  readonly psi?: number;
  readonly js?: number;
  readonly wasserstein?: number;
  readonly pValue?: number;
  readonly driftShare?: number;
}

/** `--psi 0.2`: a distance threshold, more than 0. */
function parseDistance(text: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new InvalidArgumentError('expected a number more than 0.');
  return value;
}

/** `--p-value 0.01`, `--drift-share 0.3`: a fraction, more than 0 and at most 1. */
function parseFraction(text: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!(value > 0 && value <= 1)) throw new InvalidArgumentError('expected a number more than 0 and at most 1.');
  return value;
}

/** The policy the options describe: Evidently's defaults, with the thresholds given replacing theirs. */
export function checkPolicy(options: CheckOptions): DriftPolicy {
  const thresholds: DriftThresholds = {
    ksPValue: options.pValue ?? DEFAULT_THRESHOLDS.ksPValue,
    chiSquarePValue: options.pValue ?? DEFAULT_THRESHOLDS.chiSquarePValue,
    psi: options.psi ?? DEFAULT_THRESHOLDS.psi,
    jensenShannon: options.js ?? DEFAULT_THRESHOLDS.jensenShannon,
    wasserstein: options.wasserstein ?? DEFAULT_THRESHOLDS.wasserstein,
    driftShare: options.driftShare ?? DEFAULT_THRESHOLDS.driftShare,
  };
  return { thresholds, numericMethod: options.numericMethod, categoricalMethod: options.categoricalMethod };
}

const defaults = DEFAULT_THRESHOLDS;

export function addCheckCommand(monitor: Command, context: CliContext): void {
  addDatasetOptions(
    monitor
      .command('check')
      .summary('compare a data set with a reference and say which features drifted')
      .description(
        "compare a data set with a reference, feature by feature (columns matched by name; the reference's are the features): " +
          'numeric features by KS, PSI, Jensen-Shannon and Wasserstein (in reference standard deviations) computed exactly, categorical ones by chi-square, PSI and Jensen-Shannon. ' +
          'One method per type decides each verdict; the data set drifts when at least the drift share of its features does. ' +
          `Exits 0 when the data set did not drift, ${EXIT_DRIFT_DETECTED} when it did.`,
      )
      .argument('<reference>', 'the reference data, e.g. the training set (CSV with a header row, or JSON Lines of objects)')
      .argument('<current>', 'the data to check, in the same form'),
  )
    .addOption(
      new Option('--numeric-method <method>', 'the method deciding numeric features (auto: ks up to 1000 reference values, wasserstein beyond)')
        .choices(['auto', 'ks', 'psi', 'wasserstein', 'jensen_shannon'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--categorical-method <method>',
        'the method deciding categorical features (auto: chi_square up to 1000 reference values, jensen_shannon beyond)',
      )
        .choices(['auto', 'chi_square', 'psi', 'jensen_shannon'])
        .default('auto'),
    )
    .option('--psi <x>', `PSI at or above this is drift (default ${defaults.psi})`, parseDistance)
    .option('--js <x>', `a Jensen-Shannon distance at or above this is drift (default ${defaults.jensenShannon})`, parseDistance)
    .option(
      '--wasserstein <x>',
      `a Wasserstein distance, in reference standard deviations, at or above this is drift (default ${defaults.wasserstein})`,
      parseDistance,
    )
    .option('--p-value <x>', `a KS or chi-square p-value below this is drift (default ${defaults.ksPValue})`, parseFraction)
    .option('--drift-share <x>', `the data set drifts when at least this share of its features does (default ${defaults.driftShare})`, parseFraction)
    .action(async (referencePath: string, currentPath: string, options: CheckOptions, command: Command) => {
      const globals = globalOptions(command);
      const progress = statusLine(context.stderr);
      let reference: Dataset;
      let current: Dataset;
      try {
        reference = await readDataset(referencePath, options, progress);
        current = await readDataset(currentPath, options, progress);
      } catch (error) {
        progress.clear();
        return failOnBadInput(context, error);
      }
      progress.show(`comparing ${reference.columns.length} features`);
      const drift = samplesDrift(reference.columns, current.columns, checkPolicy(options));
      progress.clear();
      if (globals.json) writeJson(context.stdout, drift);
      else writeBlocks(context.stdout, ...renderDriftCheck(drift, { reference: reference.label, current: current.label }));
      if (drift.datasetDrift) throw new ExitStatus(EXIT_DRIFT_DETECTED);
    });
}
