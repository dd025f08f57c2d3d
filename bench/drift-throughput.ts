import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type DatasetDrift, samplesDrift, windowDrift } from '../lambda/monitoring/core/drift/dataset-drift';
import { DEFAULT_POLICY } from '../lambda/monitoring/core/drift/drift-policy';
import { compareSamples, compareSketches } from '../lambda/monitoring/core/drift/numeric-comparison';
import {
  type BaselineProfile,
  buildBaseline,
  type Column,
  type NumericFeatureProfile,
  numericProfile,
} from '../lambda/monitoring/core/profile/baseline-profile';
import { addNumericColumn } from '../lambda/monitoring/core/profile/numeric-sketch';
import { emptyWindow, type WindowSketch } from '../lambda/monitoring/core/profile/window-sketch';
import { seededRandom } from '../test/support/seeded-random';
import { quantile, round } from './stats';

/**
 * Drift throughput, single-threaded, on seeded normal data: the drift job's path (sketch a window
 * in the baseline's frame, then every method of `windowDrift`) and the exact path (`samplesDrift`
 * on raw columns), for one numeric feature and for a wide table, next to scipy's `ks_2samp` and
 * `wasserstein_distance` and a numpy PSI timed in the same run on the same values
 * (`drift_scipy.py`). Every figure is the median of `repetitions` runs after `warmups` untimed ones.
 */
export interface DriftThroughputOptions {
  /** Rows of each side, reference and current. */
  readonly rows: number;
  /** Runs timed, and untimed runs before them, for the one-feature case and scipy. */
  readonly repetitions: number;
  readonly warmups: number;
  /**
   * The wide case: `features` numeric features, the first being the one-feature case's. It runs
   * after the one-feature case, so the code is warm already; each of its runs takes `features`
   * times as long.
   */
  readonly wide: { readonly features: number; readonly repetitions: number; readonly warmups: number };
  /** @default 1 */
  readonly seed?: number;
  /** @default 'python3' */
  readonly python?: string;
  /** @default - silent */
  readonly progress?: (message: string) => void;
}

export interface ScipyFigures {
  readonly versions: Record<string, string>;
  readonly ksMs: number;
  readonly wassersteinMs: number;
  readonly ksPlusWassersteinMs: number;
  readonly psiMs: number;
  readonly ksStatistic: number;
  readonly ksPValue: number;
  readonly ksMethod: string;
  readonly wasserstein: number;
  readonly psi: number;
}

const REFERENCE = { mean: 0, std: 1 };
const CURRENT = { mean: 0.05, std: 1.02 };
/** How close the exact path must come to scipy (both compute the same floating-point sums). */
const EXACT_TOLERANCE = 1e-9;

export function measureDriftThroughput(options: DriftThroughputOptions) {
  const { rows, repetitions, warmups } = options;
  const wideFeatures = options.wide.features;
  const seed = options.seed ?? 1;
  const progress = options.progress ?? (() => {});
  const timing = { repetitions, warmups };

  progress(`drift: generating ${rows} rows x ${wideFeatures} numeric features per side`);
  const reference = Array.from({ length: wideFeatures }, (_, feature) => normalColumn(rows, REFERENCE, seed + 2 * feature));
  const current = Array.from({ length: wideFeatures }, (_, feature) => normalColumn(rows, CURRENT, seed + 2 * feature + 1));
  const columns = (values: Float64Array[]): Column[] => values.map((column, feature) => ({ name: `x${feature}`, kind: 'numeric', values: column }));
  const createdAt = new Date(0).toISOString();

  progress('drift: one feature, baseline then the sketch path and the exact path');
  const narrowBuild = timeMedian(() => buildBaseline(columns(reference.slice(0, 1)), { createdAt }), timing);
  const narrowBaseline = narrowBuild.result;
  const narrowSketch = timeSketchPath(narrowBaseline, current.slice(0, 1), timing);
  const narrowExact = timeMedian(() => samplesDrift(columns(reference.slice(0, 1)), columns(current.slice(0, 1)), DEFAULT_POLICY), timing);

  progress(`drift: scipy and numpy on the same feature (${options.python ?? 'python3'} drift_scipy.py)`);
  const scipy = runScipy(reference[0], current[0], options);
  const agreement = checkAgreement(narrowBaseline, narrowSketch, narrowExact.result, reference[0], current[0], scipy);

  progress(`drift: ${wideFeatures} features, baseline (once) then both paths`);
  const wideBuildStart = performance.now();
  const wideBaseline = buildBaseline(columns(reference), { createdAt });
  const wideBuildMs = performance.now() - wideBuildStart;
  const wideTiming = { repetitions: options.wide.repetitions, warmups: options.wide.warmups };
  const wideSketch = timeSketchPath(wideBaseline, current, wideTiming);
  const wideExact = timeMedian(() => samplesDrift(columns(reference), columns(current), DEFAULT_POLICY), wideTiming);

  const ours = narrowSketch.totalMs;
  return {
    data: {
      rowsPerSide: rows,
      wideFeatures,
      reference: `normal(${REFERENCE.mean}, ${REFERENCE.std})`,
      current: `normal(${CURRENT.mean}, ${CURRENT.std})`,
      generator: `mulberry32 + Box-Muller, seed ${seed}`,
      repetitions,
      warmups,
      wideRepetitions: options.wide.repetitions,
      wideWarmups: options.wide.warmups,
    },
    oneFeature: {
      baselineBuildMs: round(narrowBuild.ms, 1),
      sketchPath: sketchPathFigures(narrowSketch, rows, 1),
      exactPath: pathFigures(narrowExact.ms, rows, 1),
    },
    wide: {
      baselineBuildMs: round(wideBuildMs, 1),
      sketchPath: sketchPathFigures(wideSketch, rows, wideFeatures),
      exactPath: pathFigures(wideExact.ms, rows, wideFeatures),
    },
    scipy: {
      ...scipy,
      ksMs: round(scipy.ksMs, 1),
      wassersteinMs: round(scipy.wassersteinMs, 1),
      ksPlusWassersteinMs: round(scipy.ksPlusWassersteinMs, 1),
      psiMs: round(scipy.psiMs, 1),
    },
    agreement,
    vsScipy: {
      oursKsPsiJsWassersteinMs: round(ours, 1),
      scipyKsPlusWassersteinMs: round(scipy.ksPlusWassersteinMs, 1),
      ratio: round(scipy.ksPlusWassersteinMs / ours, 2),
      meetsTarget: ours <= scipy.ksPlusWassersteinMs,
      exactPathMs: round(narrowExact.ms, 1),
      exactPathRatio: round(scipy.ksPlusWassersteinMs / narrowExact.ms, 2),
    },
  };
}

/**
 * The drift job's path for one window: a window in the baseline's frame, each column added in bulk,
 * then `windowDrift` (KS, PSI, Jensen-Shannon and Wasserstein for every feature).
 */
function timeSketchPath(baseline: BaselineProfile, current: readonly Float64Array[], timing: Timing) {
  const sketchSamples: number[] = [];
  const driftSamples: number[] = [];
  const totalSamples: number[] = [];
  let window: WindowSketch | undefined;
  let drift: DatasetDrift | undefined;
  for (let run = 0; run < timing.warmups + timing.repetitions; run++) {
    const start = performance.now();
    window = emptyWindow(baseline);
    window.features.forEach((feature, index) => {
      if (feature.kind === 'numeric') addNumericColumn(feature.sketch, current[index]);
    });
    window.rows = current[0].length;
    const sketched = performance.now();
    drift = windowDrift(baseline, window, DEFAULT_POLICY);
    const end = performance.now();
    if (run < timing.warmups) continue;
    sketchSamples.push(sketched - start);
    driftSamples.push(end - sketched);
    totalSamples.push(end - start);
  }
  return { window: window!, drift: drift!, sketchMs: quantile(sketchSamples, 0.5), driftMs: quantile(driftSamples, 0.5), totalMs: quantile(totalSamples, 0.5) };
}

/** Rows are rows per side; row-features count each feature of each row once. */
function pathFigures(ms: number, rows: number, features: number) {
  return {
    features,
    p50Ms: round(ms, 1),
    rowsPerSecond: Math.round(rows / (ms / 1000)),
    rowFeaturesPerSecond: Math.round((rows * features) / (ms / 1000)),
  };
}

/** The sketch path's figures, with its two parts: sketching scales with the rows, windowDrift does not. */
function sketchPathFigures(path: { sketchMs: number; driftMs: number; totalMs: number }, rows: number, features: number) {
  return {
    ...pathFigures(path.totalMs, rows, features),
    sketchMs: round(path.sketchMs, 1),
    windowDriftMs: round(path.driftMs, 1),
    sketchRowFeaturesPerSecond: Math.round((rows * features) / (path.sketchMs / 1000)),
  };
}

/** Runs drift_scipy.py on the same values, written as raw float64 files. */
function runScipy(reference: Float64Array, current: Float64Array, options: DriftThroughputOptions): ScipyFigures {
  const directory = mkdtempSync(path.join(tmpdir(), 'mlops-drift-bench-'));
  try {
    const referencePath = path.join(directory, 'reference.f64');
    const currentPath = path.join(directory, 'current.f64');
    // numpy reads them as '<f8': this assumes a little-endian machine, as x86-64 and arm64 are.
    writeFileSync(referencePath, Buffer.from(reference.buffer, reference.byteOffset, reference.byteLength));
    writeFileSync(currentPath, Buffer.from(current.buffer, current.byteOffset, current.byteLength));
    const script = path.join(__dirname, 'drift_scipy.py');
    const run = spawnSync(options.python ?? 'python3', [script, referencePath, currentPath, String(options.repetitions), String(options.warmups)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      // Single-threaded, as ours: no BLAS or OpenMP threads.
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    if (run.error) throw run.error;
    if (run.status !== 0) throw new Error(`drift_scipy.py exited with status ${run.status}`);
    return JSON.parse(run.stdout) as ScipyFigures;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Asserts that both sides computed the same thing: the exact comparison's KS statistic, p-value
 * and Wasserstein distance equal scipy's; the sketch comparison's KS and Wasserstein intervals hold
 * scipy's values; both paths' PSI (exact on decile bins) equals numpy's, read from the timed runs.
 */
function checkAgreement(
  baseline: BaselineProfile,
  sketchPath: { readonly window: WindowSketch; readonly drift: DatasetDrift },
  exactPath: DatasetDrift,
  reference: Float64Array,
  current: Float64Array,
  scipy: ScipyFigures,
) {
  const profile = baseline.features[0] as NumericFeatureProfile;
  const windowSketch = sketchPath.window.features[0];
  if (windowSketch.kind !== 'numeric') throw new Error('the benchmark window has no numeric feature');
  const sketch = compareSketches(profile, windowSketch.sketch);
  const referenceSorted = Float64Array.from(reference).sort();
  const currentSorted = Float64Array.from(current).sort();
  const exact = compareSamples(referenceSorted, currentSorted, numericProfile('x0', referenceSorted, 10).binEdges);
  const psiOf = (drift: DatasetDrift) => drift.features[0].scores.find((score) => score.method === 'psi')!.score;
  const relative = (ours: number, theirs: number) => Math.abs(ours - theirs) / Math.max(Math.abs(theirs), Number.MIN_VALUE);
  const checks = {
    exactKsStatistic: { ours: exact.ksStatistic.value, scipy: scipy.ksStatistic, ok: Math.abs(exact.ksStatistic.value - scipy.ksStatistic) <= EXACT_TOLERANCE },
    exactKsPValue: { ours: exact.ksPValue.value, scipy: scipy.ksPValue, ok: relative(exact.ksPValue.value, scipy.ksPValue) <= EXACT_TOLERANCE },
    exactWasserstein: { ours: exact.wasserstein.value, scipy: scipy.wasserstein, ok: relative(exact.wasserstein.value, scipy.wasserstein) <= EXACT_TOLERANCE },
    exactPsi: { ours: psiOf(exactPath), numpy: scipy.psi, ok: Math.abs(psiOf(exactPath) - scipy.psi) <= EXACT_TOLERANCE },
    sketchKsStatistic: {
      ...sketch.ksStatistic,
      scipy: scipy.ksStatistic,
      ok: sketch.ksStatistic.low <= scipy.ksStatistic && scipy.ksStatistic <= sketch.ksStatistic.high,
    },
    sketchWasserstein: {
      ...sketch.wasserstein,
      scipy: scipy.wasserstein,
      ok: sketch.wasserstein.low <= scipy.wasserstein && scipy.wasserstein <= sketch.wasserstein.high,
    },
    sketchPsi: { ours: psiOf(sketchPath.drift), numpy: scipy.psi, ok: Math.abs(psiOf(sketchPath.drift) - scipy.psi) <= EXACT_TOLERANCE },
  };
  const failed = Object.entries(checks).filter(([, check]) => !check.ok);
  if (failed.length > 0) throw new Error(`drift bench: ours and scipy disagree: ${JSON.stringify(Object.fromEntries(failed))}`);
  return checks;
}

interface Timing {
  readonly repetitions: number;
  readonly warmups: number;
}

function timeMedian<T>(fn: () => T, timing: Timing): { ms: number; result: T } {
  const samples: number[] = [];
  let result: T | undefined;
  for (let run = 0; run < timing.warmups + timing.repetitions; run++) {
    const start = performance.now();
    result = fn();
    if (run >= timing.warmups) samples.push(performance.now() - start);
  }
  return { ms: quantile(samples, 0.5), result: result! };
}

/** `rows` normal values from a seeded mulberry32 stream by Box-Muller: the same values every run. */
export function normalColumn(rows: number, { mean, std }: { mean: number; std: number }, seed: number): Float64Array {
  const random = seededRandom(seed);
  const values = new Float64Array(rows);
  for (let index = 0; index < rows; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    values[index] = mean + std * radius * Math.cos(angle);
    if (index + 1 < rows) values[index + 1] = mean + std * radius * Math.sin(angle);
  }
  return values;
}
