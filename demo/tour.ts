import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { renderAliasHistory } from '../cli/commands/registry/alias-history';
import { EXIT_DRIFT_DETECTED } from '../cli/exit-status';
import { shortDigest } from '../cli/render/format';
import { renderTable } from '../cli/render/table';
import type { RegistryClient } from '../client/registry/registry-client';
import type { RunRecord } from '../lambda/experiments/core/model';
import type { CheckSummary } from '../lambda/monitoring/core/check-drift';
import type { AliasChangeRecord, ModelVersionRecord } from '../lambda/registry/core/model';
import type { ShimProcess } from '../local/serving-shim-process';
import { DEPLOYMENT_TOUR_STEPS, type DeploymentTourResult, deployAndOperate, type TourDeployments } from './tour-deployments';
import { monitorProduction, type TourMonitoring } from './tour-monitoring';

/**
 * The scripted tour behind `npm run demo`: train two candidate models with a real training
 * script, register both, compare them, promote the better one with an audited alias move, show
 * the result and, with monitoring, watch the production version's inputs drift. It only talks to
 * clients, so it runs the same against the local platform, a deployed stack or a test fake.
 */

/** What the tour calls on the registry; a `RegistryClient` has it all. */
export type TourRegistry = Pick<RegistryClient, 'registerModelFromFile' | 'getVersion' | 'getModel' | 'setAlias' | 'aliasHistory'>;

/**
 * Experiment tracking for the tour: the `mlops` CLI run in-process (its output is the caller's to
 * show), and the experiment's runs as the platform returns them.
 */
export interface TourTracking {
  /** Runs `mlops` with these arguments; resolves to its exit code. */
  readonly mlops: (argv: readonly string[]) => Promise<number>;
  /** The experiment's runs, newest first. */
  readonly runs: (experiment: string) => Promise<readonly RunRecord[]>;
}

export interface TourOptions {
  readonly registry: TourRegistry;
  /**
   * Train under `mlops run exec` and register versions from their runs.
   * @default - train with the script alone and register its metrics directly
   */
  readonly tracking?: TourTracking;
  /** Where the training runs write their data, model and metrics, one folder per run. */
  readonly workDir: string;
  /** Receives the tour's output, one line at a time (no trailing newline). */
  readonly print: (line: string) => void;
  /** @default 'churn-demo' */
  readonly modelName?: string;
  /**
   * Monitor the production version for drift after promoting it.
   * @default - no monitoring
   */
  readonly monitoring?: TourMonitoring;
  /**
   * Package the production version as an inference image with `mlops image register --wait` (needs `tracking`, which runs the CLI).
   * @default false
   */
  readonly images?: boolean;
  /**
   * Serves a READY image (its newest version) on this machine, to send it predictions after packaging it.
   * @default - the image is not served
   */
  readonly serveImage?: (image: string) => Promise<ShimProcess>;
  /**
   * Deploy the packaged image on an endpoint that follows `production`, send it traffic, check its monitor, retrain
   * and promote with a canary, and ship a broken release that is rolled back (needs `images` and `monitoring`).
   * @default - nothing is deployed
   */
  readonly deployments?: TourDeployments;
}

export interface TourResult {
  readonly modelName: string;
  /** The versions the tour registered, oldest first, as the registry returns them. */
  readonly versions: readonly ModelVersionRecord[];
  /** The version `production` points at when the tour ends. */
  readonly production: number;
  /** The moves of `production`, newest first. */
  readonly history: readonly AliasChangeRecord[];
  /** The monitoring part's drift checks, oldest first: an hour like the training data, then a shifted one. */
  readonly driftChecks?: readonly CheckSummary[];
  /** The deployments part: its drift checks and what callers saw during the two rollouts. */
  readonly deployment?: DeploymentTourResult;
}

export class DemoTrainingError extends Error {
  override readonly name = 'DemoTrainingError';
}

/** The training script, next to this file (not relative to the working directory). */
export const TRAIN_SCRIPT = join(__dirname, 'train-model.mjs');
/** The entry script the demo's inference image serves the model with. */
export const SCORE_SCRIPT = join(__dirname, 'score.py');

const ALIAS = 'production';
const ACTOR = 'mlops-demo';
const SEED = 7;
/** The metric that decides which version goes to production. */
const DECIDING_METRIC = 'auc';
const LOWER_IS_BETTER = new Set(['logloss', 'train_logloss']);

interface TrainingRun {
  readonly label: string;
  readonly epochs: number;
  readonly learningRate: number;
  /** @default SEED */
  readonly seed?: number;
  /** Train on the customers of a later month (`--shifted`). */
  readonly shifted?: boolean;
}

/** Same data, same model; only the training budget differs, enough to tell the two apart. */
const RUNS: readonly TrainingRun[] = [
  { label: 'quick', epochs: 5, learningRate: 0.1 },
  { label: 'thorough', epochs: 200, learningRate: 0.5 },
];

/** The thorough run again, on a later month's customers (a new sample of them, hence another seed). */
const RETRAINING: TrainingRun = { label: 'later-month', epochs: 200, learningRate: 0.5, seed: 11, shifted: true };

/** The parts of the script's `model.json` the tour reads. */
interface ModelFile {
  readonly data: Readonly<Record<'train' | 'validation', { readonly file: string; readonly rows: number; readonly sha256: string }>>;
}

interface TrainedModel {
  readonly run: TrainingRun;
  /** The tracked run it came from, when the tour tracks. */
  readonly trackedRun?: RunRecord;
  readonly outDir: string;
  readonly modelFile: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly data: ModelFile['data'];
}

const execFileAsync = promisify(execFile);

const formatMetric = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(4));

const describeMetrics = (metrics: Readonly<Record<string, number>>) =>
  Object.keys(metrics)
    .sort((a, b) => (a === DECIDING_METRIC ? -1 : b === DECIDING_METRIC ? 1 : a.localeCompare(b)))
    .map((name) => `${name} ${formatMetric(metrics[name])}`)
    .join(', ');

/** Which of two values of a metric is better: -1 the first, 1 the second, 0 neither. */
function compareMetric(metric: string, first: number, second: number): -1 | 0 | 1 {
  if (first === second) return 0;
  const secondIsHigher = second > first;
  return secondIsHigher !== LOWER_IS_BETTER.has(metric) ? 1 : -1;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/**
 * Runs the training script as a child process, as a user's pipeline would (under `mlops run exec`
 * when tracking), and reads what it wrote.
 */
async function train(run: TrainingRun, outDir: string, experiment: string, tracking?: TourTracking): Promise<TrainedModel> {
  const args = ['--epochs', String(run.epochs), '--learning-rate', String(run.learningRate), '--seed', String(run.seed ?? SEED), '--out', outDir];
  if (run.shifted) args.push('--shifted');
  if (tracking) {
    const exitCode = await tracking.mlops(['run', 'exec', '--experiment', experiment, '--name', run.label, '--', process.execPath, TRAIN_SCRIPT, ...args]);
    if (exitCode !== 0) throw new DemoTrainingError(`mlops run exec of the training script exited ${exitCode} (${TRAIN_SCRIPT} ${args.join(' ')})`);
  } else {
    try {
      await execFileAsync(process.execPath, [TRAIN_SCRIPT, ...args], { timeout: 60_000 });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new DemoTrainingError(`the training script failed (${TRAIN_SCRIPT} ${args.join(' ')}): ${stderr || (error as Error).message}`);
    }
  }
  const metrics = await readJson<Record<string, number>>(join(outDir, 'metrics.json'));
  const invalid = Object.entries(metrics).find(([, value]) => typeof value !== 'number' || !Number.isFinite(value));
  if (invalid) throw new DemoTrainingError(`the training script wrote a metric that is not a finite number: ${invalid[0]}=${String(invalid[1])}`);
  const model = await readJson<ModelFile>(join(outDir, 'model.json'));
  return { run, outDir, modelFile: join(outDir, 'model.json'), metrics, data: model.data };
}

/** Three validation rows as CSV and as JSON, a request `run()` refuses, then `/ping`: what a served image answers. */
async function sendPredictions(served: ShimProcess, validationFile: string, print: (line: string) => void): Promise<void> {
  try {
    const [header, ...lines] = (await readFile(validationFile, 'utf8')).trim().split('\n');
    const columns = header.split(',');
    const label = columns.length - 1;
    // Two customers who churned and one who stayed, so the probabilities can be told apart.
    const byLabel = (value: string) => lines.map((line) => line.split(',')).filter((row) => row[label] === value);
    const rows = [...byLabel('1').slice(0, 2), ...byLabel('0').slice(0, 1)];
    const post = async (contentType: string, body: string) => {
      const response = await fetch(`${served.endpoint}/invocations`, { method: 'POST', headers: { 'content-type': contentType }, body });
      return `${response.status} ${(await response.text()).trim()}`;
    };
    const csv = rows.map((row) => row.slice(0, label).join(',')).join('\n');
    print(`  POST text/csv, 3 validation rows (${columns.slice(0, label).join(', ')}) -> ${await post('text/csv', csv)}`);
    print(`    their labels (${columns[label]}): ${rows.map((row) => row[label]).join(', ')}`);
    const instances = rows.slice(0, 1).map((row) => Object.fromEntries(columns.slice(0, label).map((column, index) => [column, Number(row[index])])));
    print(`  POST application/json ${JSON.stringify({ instances })} -> ${await post('application/json', JSON.stringify({ instances }))}`);
    print(`  POST application/json [[1, 2]] (two features of four) -> ${await post('application/json', '[[1, 2]]')}`);
    const ping = await fetch(`${served.endpoint}/ping`);
    print(`  GET /ping after the failed request -> ${ping.status} ${(await ping.text()).trim()}`);
  } finally {
    await served.stop();
  }
}

/** Registers a trained model: its file uploaded, its metrics and parameters (from its run, when tracked), its data sets. */
async function register(registry: TourRegistry, name: string, model: TrainedModel, print: (line: string) => void): Promise<number> {
  const { run, data } = model;
  const dataset = (split: 'train' | 'validation', role: 'training' | 'validation') => ({
    uri: pathToFileURL(join(model.outDir, data[split].file)).href,
    sha256: data[split].sha256,
    name: `synthetic churn data${run.shifted ? ' of a later month' : ''}, ${split} split (${data[split].rows} rows)`,
    role,
  });
  const result = await registry.registerModelFromFile(model.modelFile, {
    name,
    description: `Churn classifier trained by the demo: logistic regression, ${run.epochs} epochs at learning rate ${run.learningRate} (${run.label} run).`,
    framework: 'logistic-regression (demo)',
    ...(model.trackedRun
      ? { sourceRunId: model.trackedRun.runId }
      : { metrics: model.metrics, parameters: { epochs: String(run.epochs), learning_rate: String(run.learningRate), seed: String(run.seed ?? SEED) } }),
    tags: { demo: 'true', stage: 'candidate' },
    datasets: [dataset('train', 'training'), dataset('validation', 'validation')],
    actor: ACTOR,
  });
  print(`  version ${result.version} (${run.label} run): ${result.artifact.uri}, sha256 ${shortDigest(result.artifact.sha256)}`);
  return result.version;
}

/** Prints a rendered table (or any block) line by line, indented under its step. */
function printBlock(print: (line: string) => void, block: string): void {
  for (const line of block.replace(/\n$/, '').split('\n')) print(`  ${line}`);
}

export async function runTour(options: TourOptions): Promise<TourResult> {
  const { registry, workDir, print, tracking, monitoring } = options;
  const images = options.images === true && tracking !== undefined;
  const serveImage = images ? options.serveImage : undefined;
  const name = options.modelName ?? 'churn-demo';
  const image = `${name}-scorer`;
  const deploying = images && monitoring !== undefined && options.deployments !== undefined;
  const steps = (tracking ? 6 : 5) + (images ? 1 : 0) + (serveImage ? 1 : 0) + (monitoring ? (tracking ? 2 : 1) : 0) + (deploying ? DEPLOYMENT_TOUR_STEPS : 0);
  let step = 0;
  const heading = (text: string) => {
    if (step > 0) print('');
    step += 1;
    print(`[${step}/${steps}] ${text}`);
  };

  print(`A tour of the ${tracking ? 'platform' : 'model registry'} with model "${name}" (training output in ${workDir})`);

  // 1. Train: the registry never sees this part, only what it produces (and, when tracking, the runs).
  heading(
    tracking
      ? `Train two candidates as tracked runs of experiment "${name}": mlops run exec records the metrics the script prints`
      : `Train two candidates with the demo training script: same data (seed ${SEED}), different training budgets`,
  );
  /** Trains, says how it went, and finds the tracked run it made. */
  const trainRun = async (run: TrainingRun): Promise<TrainedModel> => {
    const started = performance.now();
    const model = await train(run, join(workDir, `run-${run.label}`), name, tracking);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    print(`  ${run.label} run: ${run.epochs} epochs at learning rate ${run.learningRate} -> ${describeMetrics(model.metrics)} (${seconds} s)`);
    if (!tracking) return model;
    const trackedRun = (await tracking.runs(name)).find((each) => each.runName === run.label);
    if (!trackedRun) throw new DemoTrainingError(`experiment ${name} has no run named ${run.label}`);
    return { ...model, trackedRun };
  };
  const trained: TrainedModel[] = [];
  for (const run of RUNS) trained.push(await trainRun(run));

  if (tracking) {
    heading('Compare the runs as experiment tracking recorded them: params that differ, final metrics, the best by auc');
    const exitCode = await tracking.mlops(['run', 'compare', ...trained.map((model) => model.trackedRun!.runId), '--metric', DECIDING_METRIC]);
    if (exitCode !== 0) throw new DemoTrainingError(`mlops run compare exited ${exitCode}`);
  }

  // 2. Register: upload the model file, record metrics, hyperparameters, tags and the data's digests.
  heading(
    tracking
      ? "Register both from their runs: upload model.json; the registry copies each run's params and final metrics and links the run"
      : 'Register both: upload model.json to the artifact bucket and record metrics, hyperparameters, tags and data sets',
  );
  const registered: number[] = [];
  for (const model of trained) registered.push(await register(registry, name, model, print));
  const trainingDigests = new Set(trained.map((model) => model.data.train.sha256));
  const training = trained[0].data.train;
  print(
    `  training data: ${training.file}, ${training.rows} rows, sha256 ${shortDigest(training.sha256)}` +
      (trainingDigests.size === 1 ? ', the same for both versions' : ', different between the versions'),
  );

  // 3. Compare what the registry stored, not what the script printed.
  heading('Compare the two versions as the registry returns them');
  const [first, second] = await Promise.all(registered.map((version) => registry.getVersion(name, version)));
  const metricNames = [...new Set([...Object.keys(first.metrics), ...Object.keys(second.metrics)])].sort();
  const label = (version: ModelVersionRecord) => `v${version.version}`;
  const rows = metricNames.map((metric) => {
    const [a, b] = [first.metrics[metric], second.metrics[metric]];
    const winner = a === undefined || b === undefined ? undefined : compareMetric(metric, a, b);
    return {
      metric: LOWER_IS_BETTER.has(metric) ? `${metric} (lower is better)` : metric,
      first: a === undefined ? '-' : formatMetric(a),
      second: b === undefined ? '-' : formatMetric(b),
      better: winner === undefined ? '-' : winner === 0 ? 'tie' : label(winner < 0 ? first : second),
    };
  });
  printBlock(
    print,
    renderTable(
      [
        { header: 'metric', value: (row) => row.metric },
        { header: label(first), value: (row) => row.first, align: 'right' },
        { header: label(second), value: (row) => row.second, align: 'right' },
        { header: 'better', value: (row) => row.better },
      ],
      rows,
    ),
  );

  // 4. Promote: a compare-and-set alias move, recorded in the alias history.
  const [best, other] =
    compareMetric(DECIDING_METRIC, first.metrics[DECIDING_METRIC] ?? Number.NaN, second.metrics[DECIDING_METRIC] ?? Number.NaN) < 0
      ? [first, second]
      : [second, first];
  const before = await registry.getModel(name);
  const current = before.aliases[ALIAS];
  heading(
    `Promote: point alias "${ALIAS}" at version ${best.version}, the higher ${DECIDING_METRIC}, ` +
      (current === undefined ? `provided "${ALIAS}" does not exist yet` : `provided it still points at version ${current}`),
  );
  const move = await registry.setAlias({
    name,
    alias: ALIAS,
    version: best.version,
    expectedVersion: current ?? null,
    reason: `${DECIDING_METRIC} ${formatMetric(best.metrics[DECIDING_METRIC])} beats ${formatMetric(other.metrics[DECIDING_METRIC])} of version ${other.version} on the validation split`,
    actor: ACTOR,
  });
  if (!move.changed) print(`  ${ALIAS} already pointed at version ${move.version}; nothing changed`);
  else if (move.previousVersion === undefined) print(`  ${ALIAS} created at version ${move.version} (revision ${move.revision})`);
  else print(`  ${ALIAS} moved from version ${move.previousVersion} to ${move.version} (revision ${move.revision})`);
  const history = (await registry.aliasHistory(name, ALIAS, { limit: 10 })).items;
  print(`  the history of ${ALIAS}, newest first (every move is kept, with who made it and why):`);
  printBlock(print, renderAliasHistory(history, { showAlias: false }));

  // 5. The model as a consumer sees it.
  const after = await registry.getModel(name);
  const aliases = Object.entries(after.aliases)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([alias, version]) => `${alias} -> v${version}`);
  heading(`The model now: ${after.name}, latest version ${after.latestVersion}, aliases: ${aliases.join(', ') || 'none'}`);
  const served = await registry.getVersion(name, ALIAS);
  print(`  a service asking for ${name}@${ALIAS} gets version ${served.version}: ${served.artifact.uri}`);

  const servedModel = trained[registered.indexOf(served.version)];
  if (images) {
    // 6. Package: the production version with the code that serves it, built into a scanned image (simulated locally).
    heading(`Package ${name}@${ALIAS} as inference image "${image}": mlops image register with its entry script, then the build followed to READY`);
    for (const argv of [
      [
        'image',
        'register',
        image,
        '--model',
        `${name}@${ALIAS}`,
        '--entry',
        SCORE_SCRIPT,
        '--description',
        'The demo churn model behind the SageMaker contract',
        '--wait',
        // The local build takes seconds: the default 5 s between polls would be most of the wait.
        '--interval',
        '1s',
      ],
      ['image', 'show', image],
    ]) {
      const exitCode = await tracking!.mlops(argv);
      if (exitCode !== 0) throw new DemoTrainingError(`mlops ${argv.join(' ')} exited ${exitCode}`);
    }
    if (serveImage) {
      heading(
        `Serve "${image}" as its container would: the shim and score.py from its build context, the model data the build packed, python3; POST /invocations`,
      );
      await sendPredictions(await serveImage(image), join(servedModel.outDir, servedModel.data.validation.file), print);
    }
  }

  const result = { modelName: name, versions: [first, second], production: after.aliases[ALIAS] ?? move.version, history };
  if (!monitoring) return result;

  // 7. Monitor: what production sees, compared with what the model was trained on.
  heading(
    `Monitor ${name}@${ALIAS} for drift: its training data as the baseline, then two hours of predictions sent to monitor "${monitoring.monitor}", each hour checked`,
  );
  const driftChecks = await monitorProduction(monitoring, {
    model: name,
    version: served.version,
    trainFile: join(servedModel.outDir, servedModel.data.train.file),
    validationFile: join(servedModel.outDir, servedModel.data.validation.file),
    label: 'churned',
    print,
  });
  if (tracking) {
    heading('The checks as the CLI shows them: mlops monitor status, then the report of the latest check');
    for (const argv of [
      ['monitor', 'status'],
      ['monitor', 'report', monitoring.monitor],
    ]) {
      const exitCode = await tracking.mlops(argv);
      // `monitor report` exits 3 on a drifted check, as `monitor check` does.
      if (exitCode !== 0 && exitCode !== EXIT_DRIFT_DETECTED) throw new DemoTrainingError(`mlops ${argv.join(' ')} exited ${exitCode}`);
    }
  }
  if (!deploying) return { ...result, driftChecks };

  // 9-12. Deploy: serve the image, watch its traffic drift, retrain and promote with a canary, survive a broken release.
  const mlops = async (argv: readonly string[]) => {
    const exitCode = await tracking!.mlops(argv);
    if (exitCode !== 0) throw new DemoTrainingError(`mlops ${argv.join(' ')} exited ${exitCode}`);
  };
  const deployment = await deployAndOperate({
    deployments: options.deployments,
    monitoring,
    moveAlias: async (version, expectedVersion, reason) => {
      await registry.setAlias({ name, alias: ALIAS, version, expectedVersion, reason, actor: ACTOR });
    },
    mlops,
    retrain: async () => {
      const model = await trainRun(RETRAINING);
      const version = await register(registry, name, model, print);
      return { version, trainFile: join(model.outDir, model.data.train.file) };
    },
    heading,
    print,
    model: name,
    alias: ALIAS,
    servedVersion: served.version,
    image,
    scoreScript: SCORE_SCRIPT,
    validationFile: join(servedModel.outDir, servedModel.data.validation.file),
    label: 'churned',
    workDir,
  });
  return { ...result, driftChecks, deployment };
}
