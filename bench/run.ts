/**
 * `npm run bench`: measures the platform as deployed and prints one JSON report on stdout.
 * - bundles: each function's minified bundle (the asset `cdk synth` produces), its gzip size, and
 *   its init time: importing it in a fresh Node process with its template environment, median of
 *   several runs (every function of the stack: the registry's and experiment tracking's);
 * - registry: RegisterModel latency and throughput, and 100 concurrent registrations of one
 *   model, running those same bundles against DynamoDB Local and moto on loopback;
 * - tracking: LogMetrics points per second through its core alone, and 1000-point batches through
 *   the LogMetrics bundle against the emulators;
 * - drift: drift detection's throughput on 1M-row numeric features, single-threaded, next to scipy
 *   and numpy timed in the same run on the same data (needs python3 with numpy and scipy).
 * - cli: `mlops --version` and `mlops --local model list` start-up (the bundle, fresh processes) next
 *   to `aws --version` in the same run, against a local platform of its own.
 * - local: `npm run local` to ready, cold (empty synthesis cache) and warm, and `npm run demo` (bench/local-start.ts).
 * - mlflow: MLflow's REST API over HTTP on the local platform, 20 callers at once: create-run, log-batch
 *   of 10 and of 1,000 metrics, get-run, search-runs over 10,000 runs, a 100,000-point metric history
 *   (bench/mlflow-load.ts).
 * - deployments: on a local platform, `deploy create` until the endpoint answers through the SageMaker Runtime
 *   stand-in and until the platform records it IN_SERVICE (its every-minute schedule), and InvokeEndpoint through
 *   the stand-in against the same requests straight to a serving shim (bench/deployments.ts).
 * Progress goes to stderr. `BENCH_ONLY=drift` runs the drift section alone (no synth, no emulators);
 * `BENCH_ONLY=cli` the CLI section alone; `BENCH_ONLY=local` the local section alone; `BENCH_ONLY=mlflow` the MLflow section alone;
 * `BENCH_ONLY=deployments` the deployments section alone.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { startCodeBuildStandIn } from '../local/codebuild-stand-in';
import { emulatorClients, startEmulators } from '../local/emulators';
import { functionEnvironments, provisionFromTemplate } from '../local/provision-from-template';
import { synthesizeFunctions } from '../local/synthesize';
import { measureCliStart } from './cli-start';
import { measureDeployments } from './deployments';
import { measureDriftThroughput } from './drift-throughput';
import { registerFloor } from './emulator-floor';
import { bundleFigures, measureInit } from './init-time';
import { measureLocalStart } from './local-start';
import { measureMlflowApi } from './mlflow-load';
import { loadHandlers, measureRegistry } from './registry-load';
import { round, summarize } from './stats';
import { measureLogMetricsCore, measureLogMetricsEndToEnd } from './tracking-load';

/**
 * Targets this machine can meet and a regression would miss. Absolute bundle, init and register
 * targets could not be met here (the emulator calls alone take about 20 ms; the SDK's import
 * dominates init), so those are ratios measured in the same run: register p50 against the sum of
 * its own emulator calls, and each function's init against the lightest function's (a function
 * should not load clients it does not use on its path).
 */
const TARGETS = {
  registerP50OverEmulatorFloor: 2,
  initMedianOverLightest: 1.5,
  logMetrics1000PointBatchP50Ms: 100,
  localWarmStartMs: 10_000,
  demoMs: 45_000,
  mlflowCreateRunP50Ms: 25,
  mlflowLogBatch10P50Ms: 25,
  mlflowSearchFirstPageMs: 1000,
};
const LOCAL_WARM_RUNS = Number(process.env.BENCH_LOCAL_WARM_RUNS ?? 3);
const TRACKING_FUNCTIONS = ['StartRun', 'LogMetrics', 'EndRun', 'QueryRuns', 'SweepRuns'];
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 15);
const ONLY = process.env.BENCH_ONLY;
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const machine = () => ({ cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version });
const DRIFT_NOTE =
  "drift: one process, single-threaded (scipy with OMP/OpenBLAS/MKL threads at 1); medians; rows are rows per side; the sketch path is the drift job's (baseline built beforehand: sketch the current window in its frame, then windowDrift: KS with p-value and bounds, PSI, Jensen-Shannon, Wasserstein); the exact path is samplesDrift on the raw columns (sorts both); vsScipy.ratio = scipy ks_2samp + wasserstein_distance time over the sketch path's (>= 1 meets the target)";

const CLI_NOTE =
  'cli: wall time of fresh `node dist/mlops.cjs` processes (as an installed mlops runs), medians of 10 after one unmeasured run (which also writes the code cache, as a first call does), from a folder outside the repository; --local model list against npm run local started for the bench (its own process, in memory, no models); aws --version is the AWS CLI found on PATH, timed in the same run';

/** `npm run local` cold and warm, and the demo, against the targets. */
async function measureLocal() {
  progress('local platform: npm run local cold and warm, then npm run demo');
  const local = await measureLocalStart({ warmRuns: LOCAL_WARM_RUNS, progress });
  return {
    local,
    targets: {
      localWarmStartUnder10s: { target: TARGETS.localWarmStartMs, measured: local.warmMedianMs, met: local.warmMedianMs < TARGETS.localWarmStartMs },
      demoUnder45s: { target: TARGETS.demoMs, measured: local.demo.wallMs, met: local.demo.wallMs < TARGETS.demoMs },
    },
  };
}

const MLFLOW_NOTE =
  "mlflow: HTTP to the MLflow endpoint of npm run local (its own process, in memory), 20 callers at once; latencies per request, throughput over each operation; log-batch of 1,000 metrics is 10 keys x 100 steps; searchRuns: 10,000 runs of one experiment, filter on a metric and a param, ORDER BY the metric, first page of 100: firstSearchMs is the first search of a fresh function instance (reads the experiment's whole run index), repeated the next 100 with 20 callers (reads only what changed); metricHistory: all pages (25,000 points each) of a 100,000-point metric";

/** MLflow's REST API on the local platform, against the targets. */
async function measureMlflow() {
  progress('MLflow API on the local platform');
  const mlflow = await measureMlflowApi({
    requests: 400,
    searchRuns: Number(process.env.BENCH_MLFLOW_SEARCH_RUNS ?? 10_000),
    historyPoints: 100_000,
    progress,
  });
  const searchMs = Math.max(mlflow.searchRuns.repeated.p50Ms, mlflow.searchRuns.firstSearchMs);
  return {
    mlflow,
    targets: {
      mlflowCreateRunP50Under25Ms: {
        target: TARGETS.mlflowCreateRunP50Ms,
        measured: mlflow.createRun.p50Ms,
        met: mlflow.createRun.p50Ms < TARGETS.mlflowCreateRunP50Ms,
      },
      mlflowLogBatch10P50Under25Ms: {
        target: TARGETS.mlflowLogBatch10P50Ms,
        measured: mlflow.logBatch10.p50Ms,
        met: mlflow.logBatch10.p50Ms < TARGETS.mlflowLogBatch10P50Ms,
      },
      mlflowSearchFirstPageUnder1s: { target: TARGETS.mlflowSearchFirstPageMs, measured: searchMs, met: searchMs < TARGETS.mlflowSearchFirstPageMs },
    },
  };
}

const DEPLOYMENTS_CREATES = 4;
const DEPLOYMENTS_NOTE = `deployments: a local platform in this process (in memory; its schedules as npm run local runs them), an image built by the local build simulator, deployed with the DeploymentsClient mlops deploy create calls (serverless, all-at-once, the defaults); ${DEPLOYMENTS_CREATES} creates spread over one minute so they meet every phase of AdvanceDeployments' rate(1 minute) schedule; firstAnswer: from the create call until InvokeEndpoint through the SageMaker Runtime stand-in is answered (polled every 50 ms; the stand-in refuses the endpoint until SageMaker's stand-in has it InService); recordInService: until the IN_SERVICE history entry the schedule writes (what deploy status and deploy create --wait show; --wait polls every 10 s on top); invokeLatency: InvokeEndpointCommand through the stand-in (SigV4 signed and verified, counted, captured) against fetch POST /invocations to a second shim of the same image, same body, from this process; sequential requests alternate between the paths, the concurrent variant runs stand-in, shim, shim, stand-in blocks; ratio = stand-in / shim`;

/** Deployments on a local platform: create to first answer, and the Runtime stand-in's overhead over the shim. */
async function measureDeploymentsSection() {
  progress('deployments on the local platform');
  return measureDeployments({ deployments: DEPLOYMENTS_CREATES, requests: 400, concurrency: 8, progress });
}

/** Drift runs before the emulators start, so the JVM and moto take no CPU from it. */
function measureDrift() {
  progress('drift throughput: ours, then scipy and numpy on the same data');
  const drift = measureDriftThroughput({ rows: 1_000_000, repetitions: 5, warmups: 1, wide: { features: 20, repetitions: 1, warmups: 0 }, progress });
  return { drift, target: { driftVsScipy: drift.vsScipy } };
}

async function main() {
  if (ONLY !== undefined && !['drift', 'cli', 'local', 'mlflow', 'deployments'].includes(ONLY)) {
    throw new Error(`BENCH_ONLY must be "drift", "cli", "local", "mlflow", "deployments" or unset, got "${ONLY}"`);
  }
  if (ONLY === 'deployments') {
    const deployments = await measureDeploymentsSection();
    process.stdout.write(`${JSON.stringify({ machine: machine(), notes: [DEPLOYMENTS_NOTE], deployments }, null, 2)}\n`);
    return;
  }
  if (ONLY === 'mlflow') {
    const { mlflow, targets } = await measureMlflow();
    process.stdout.write(`${JSON.stringify({ machine: machine(), notes: [MLFLOW_NOTE], mlflow, targets }, null, 2)}
`);
    return;
  }
  if (ONLY === 'local') {
    const { local, targets } = await measureLocal();
    process.stdout.write(`${JSON.stringify({ machine: machine(), local, targets }, null, 2)}\n`);
    return;
  }
  if (ONLY === 'cli') {
    const { figures, targets } = await measureCliStart({ progress });
    process.stdout.write(`${JSON.stringify({ machine: machine(), notes: [CLI_NOTE], cli: figures, targets }, null, 2)}\n`);
    return;
  }
  const { drift, target: driftTarget } = measureDrift();
  if (ONLY === 'drift') {
    process.stdout.write(`${JSON.stringify({ machine: machine(), notes: [DRIFT_NOTE], drift, targets: driftTarget }, null, 2)}\n`);
    return;
  }
  // This machine runs Node 20; the bundles target the Lambda runtime's Node 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  progress('synthesizing the stack with bundling');
  const { template, functions } = synthesizeFunctions();

  progress('starting DynamoDB Local and moto');
  const emulators = await startEmulators();
  try {
    const env = emulators.environment;
    Object.assign(process.env, env);
    // Image builds are not measured: the stand-in only takes the build project's creation.
    const codeBuild = await startCodeBuildStandIn();
    const clients = emulatorClients(env, codeBuild.endpoint);
    const names = await provisionFromTemplate(template, clients, 'bench');
    await codeBuild.close();
    const byLogicalId = functionEnvironments(template, names);
    const environments: Record<string, Record<string, string>> = Object.fromEntries(
      functions.map((fn) => [fn.name, { ...env, ...byLogicalId.get(fn.logicalId) }]),
    );

    progress(`timing cold imports (${INIT_RUNS} fresh processes per bundle)`);
    const emptyModule = path.join(mkdtempSync(path.join(tmpdir(), 'mlops-bench-')), 'empty.mjs');
    writeFileSync(emptyModule, 'export {};\n');
    const baseline = summarize(measureInit(emptyModule, {}, INIT_RUNS));
    const missing = TRACKING_FUNCTIONS.filter((name) => !environments[name]);
    if (missing.length > 0) throw new Error(`the synthesized stack has no function ${missing.join(', ')}`);
    const bundles = Object.fromEntries(functions.map((fn) => [fn.name, bundleFigures(fn.bundlePath, environments[fn.name], INIT_RUNS)]));

    progress('loading the bundles against the emulators and registering models');
    Object.assign(process.env, {
      POWERTOOLS_METRICS_DISABLED: 'true',
      // moto 5.2.1's server decompresses gzip bodies twice and answers 500: the SDK gzips PutMetricData bodies of 10 KiB or more.
      AWS_DISABLE_REQUEST_COMPRESSION: 'true',
    });
    const handlers = await loadHandlers(functions, environments);
    const registry = await measureRegistry(handlers, clients.s3, environments.RegisterModel.ARTIFACT_BUCKET_NAME, {
      sequentialRegistrations: 200,
      throughputRegistrations: 400,
      throughputConcurrency: 8,
      racingCallers: 100,
    });

    progress('timing the emulator calls on the registration path');
    const floor = await registerFloor(clients, {
      table: environments.RegisterModel.REGISTRY_TABLE_NAME,
      bucket: environments.RegisterModel.ARTIFACT_BUCKET_NAME,
      key: 'models/bench/model.bin',
      bus: environments.RegisterModel.EVENT_BUS_NAME,
    });

    progress('LogMetrics: the core alone, then the bundle against the emulators');
    const logMetricsCore = await measureLogMetricsCore({ batches: 200, pointsPerBatch: 1000, warmupBatches: 20 });
    const logMetricsEndToEnd = await measureLogMetricsEndToEnd(handlers, { batches: 60, pointsPerBatch: 1000, warmupBatches: 5 });

    const inits = Object.entries(bundles)
      .map(([name, bundle]) => ({ name, ms: bundle.initMedianMs }))
      .sort((a, b) => a.ms - b.ms);
    const lightest = inits[0];
    const heaviest = inits[inits.length - 1];
    const initRatio = round(heaviest.ms / lightest.ms, 2);
    const registerRatio = round(registry.registerModel.p50Ms / floor.sumMs, 2);
    const report = {
      machine: machine(),
      notes: [
        'init = time to import the bundle in a fresh process (includes Node module loading; emptyModuleInitMs is that floor)',
        'registry figures run the deployed bundles in one process against the emulators on loopback; EMF metric output disabled',
        'registerModelEmulatorFloor: p50 of each emulator call on the registration critical path, sent bare; their sum bounds register p50 from below',
        "tracking.logMetricsCore: the LogMetrics use case with an in-memory store and a no-op publisher (no I/O), sequential 1000-point batches of 4 metrics; parseRequest and planPutMetricData are the handler's other CPU per batch",
        'tracking.logMetricsEndToEnd: the LogMetrics bundle, sequential 1000-point batches (4 metrics, batch ids) of one run: one DynamoDB Local transaction and one PutMetricData to moto each; request compression off (moto 5.2.1 cannot read gzip bodies)',
        DRIFT_NOTE,
      ],
      bundles,
      emptyModuleInitMs: baseline.p50Ms,
      registry,
      registerModelEmulatorFloor: floor,
      tracking: { logMetricsCore, logMetricsEndToEnd },
      drift,
      targets: {
        registerP50WithinTwiceItsEmulatorCalls: {
          target: TARGETS.registerP50OverEmulatorFloor,
          measured: registerRatio,
          registerP50Ms: registry.registerModel.p50Ms,
          emulatorCallsMs: floor.sumMs,
          met: registerRatio <= TARGETS.registerP50OverEmulatorFloor,
        },
        initWithin1_5xOfTheLightestFunction: {
          target: TARGETS.initMedianOverLightest,
          measured: initRatio,
          lightest,
          heaviest,
          met: initRatio <= TARGETS.initMedianOverLightest,
        },
        logMetrics1000PointBatchUnder100Ms: {
          target: TARGETS.logMetrics1000PointBatchP50Ms,
          measured: logMetricsEndToEnd.p50Ms,
          met: logMetricsEndToEnd.p50Ms < TARGETS.logMetrics1000PointBatchP50Ms,
        },
        ...driftTarget,
      },
    };
    await emulators.stop();
    // After the emulators stop: the CLI's local platform runs emulators of its own.
    const cli = await measureCliStart({ progress });
    report.notes.push(CLI_NOTE);
    const local = await measureLocal();
    const mlflow = await measureMlflow();
    report.notes.push(MLFLOW_NOTE);
    const deployments = await measureDeploymentsSection();
    report.notes.push(DEPLOYMENTS_NOTE);
    process.stdout.write(
      `${JSON.stringify(
        {
          ...report,
          cli: cli.figures,
          local: local.local,
          mlflow: mlflow.mlflow,
          deployments,
          targets: { ...report.targets, ...cli.targets, ...local.targets, ...mlflow.targets },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await emulators.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
