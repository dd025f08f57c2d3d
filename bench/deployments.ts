import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { DeploymentsClient } from '../client/deployments/deployments-client';
import {
  DEFAULT_DATA_DIRECTORY,
  localAwsClients,
  localDeploymentsClient,
  localImagesClient,
  localRegistryClient,
  localSageMakerRuntimeClient,
} from '../client/shared/local-connection';
import { systemClock } from '../lambda/shared/clock';
import { startLocalPlatform } from '../local/platform';
import { serveImageLocally } from '../local/serve-image';
import { latencyOverhead } from './latency-overhead';
import { quantile, round } from './stats';

/**
 * Deployments on the local platform (`startLocalPlatform` in this process, its schedules running as `npm run local`
 * runs them): how long from `deploy create` (the DeploymentsClient `mlops deploy create` calls) until the endpoint
 * answers through the SageMaker Runtime stand-in, and until the platform records the deployment IN_SERVICE (its
 * every-minute AdvanceDeployments does that); then InvokeEndpoint's latency through the stand-in against the same
 * requests sent straight to a serving shim of the same image.
 */

const ROOT = path.join(__dirname, '..');
/** `npm run local`'s and the demo's cache: the synthesis is not measured here, and a user's runs share it. */
const SYNTH_CACHE = path.join(ROOT, DEFAULT_DATA_DIRECTORY, 'synth-cache');
/** AdvanceDeployments' schedule, rate(1 minute): creates spread over one period sample every phase of it. */
const SCHEDULE_MS = 60_000;
const ANSWER_POLL_MS = 50;
const RECORD_POLL_MS = 1000;
const WAIT_LIMIT_MS = 3 * SCHEDULE_MS;
const BODY = '10,40,0.5\n';
const CONTENT_TYPE = 'text/csv';
const SCORE_PY = [
  'import glob, json, os',
  'model = None',
  'def init():',
  '    global model',
  "    [found] = glob.glob(os.path.join(os.environ['MLOPS_MODEL_DIR'], '*', '*', 'model.json'))",
  '    model = json.load(open(found))',
  'def run(rows):',
  "    return {'predictions': [model['bias'] + sum(w * float(v) for w, v in zip(model['weights'], row)) for row in rows]}",
];

export interface DeploymentsBenchOptions {
  /** Deployments created, spread evenly over one period of the schedule. */
  readonly deployments: number;
  /** Requests per path, sequential, alternating between the paths. */
  readonly requests: number;
  /** Callers at once in the concurrent variant (`requests` per path). */
  readonly concurrency: number;
  readonly progress: (message: string) => void;
}

/** Polls `attempt` until it gives a value, failing after `WAIT_LIMIT_MS`. */
async function until<T>(what: string, attempt: () => Promise<T | undefined>, pollMs: number): Promise<T> {
  const deadline = performance.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: still waiting after ${WAIT_LIMIT_MS / 1000} s`);
    await systemClock.sleep(pollMs);
  }
}

const invokeEndpoint = (runtime: SageMakerRuntimeClient, endpoint: string) =>
  runtime.send(new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: CONTENT_TYPE, Body: Buffer.from(BODY) }));

/**
 * One deployment from create to answer: the first request the Runtime stand-in answers (it refuses the endpoint as
 * unknown until SageMaker's stand-in has it InService), then the IN_SERVICE the schedule records, timed by its
 * history entry.
 */
async function deployOnce(deployments: DeploymentsClient, runtime: SageMakerRuntimeClient, name: string, image: { name: string; version: number }) {
  const issuedAt = Date.now();
  const started = performance.now();
  const { endpoint } = await deployments.create({ name, image: image.name, version: image.version });
  const createAnsweredMs = performance.now() - started;
  await until(
    `${endpoint} answering`,
    () =>
      invokeEndpoint(runtime, endpoint).then(
        () => true,
        (error: Error) => {
          if (error.name !== 'ValidationError') throw error;
          return undefined;
        },
      ),
    ANSWER_POLL_MS,
  );
  const firstAnswerMs = performance.now() - started;
  await until(
    `deployment ${name} IN_SERVICE`,
    async () => {
      const { status, reason } = await deployments.getDeployment(name);
      if (status === 'FAILED') throw new Error(`deployment ${name} FAILED: ${reason}`);
      return status === 'IN_SERVICE' || undefined;
    },
    RECORD_POLL_MS,
  );
  const { items } = await deployments.deploymentHistory(name);
  const inService = items.find(({ to }) => to === 'IN_SERVICE');
  if (!inService) throw new Error(`deployment ${name} is IN_SERVICE without a history entry saying so`);
  const recordInServiceMs = Date.parse(inService.at) - issuedAt;
  return {
    name,
    endpoint,
    createAnsweredMs: round(createAnsweredMs, 0),
    firstAnswerMs: round(firstAnswerMs, 0),
    recordInServiceMs,
    scheduleWaitMs: round(recordInServiceMs - firstAnswerMs, 0),
  };
}

/** Median and max of one figure over the repetitions. */
function medianAndMax(values: readonly number[]) {
  return { medianMs: round(quantile(values, 0.5), 0), maxMs: round(Math.max(...values), 0) };
}

/** How long one call of `send` takes, in milliseconds. */
async function once(send: () => Promise<unknown>): Promise<number> {
  const sent = performance.now();
  await send();
  return performance.now() - sent;
}

/** Times each call of `send`, `callers` at once, until `requests` are answered. */
async function timed(send: () => Promise<unknown>, requests: number, callers: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next++ < requests) latencies.push(await once(send));
    }),
  );
  return latencies;
}

export async function measureDeployments(options: DeploymentsBenchOptions) {
  const sectionStarted = performance.now();
  const workDir = mkdtempSync(path.join(tmpdir(), 'mlops-bench-deployments-'));
  options.progress('deployments: starting a local platform (in memory, npm run local synthesis cache)');
  const platform = await startLocalPlatform({ synthCacheDirectory: SYNTH_CACHE, userDescriptorFile: false });
  try {
    const { descriptor } = platform;
    const deployments = localDeploymentsClient(descriptor);
    const runtime = localSageMakerRuntimeClient(descriptor);
    const images = localImagesClient(descriptor);

    options.progress('deployments: registering a model and building its image (the local build simulator)');
    writeFileSync(path.join(workDir, 'model.json'), JSON.stringify({ features: ['amount', 'age', 'score'], weights: [0.5, -2, 10], bias: 1 }));
    writeFileSync(path.join(workDir, 'score.py'), `${SCORE_PY.join('\n')}\n`);
    await localRegistryClient(descriptor).registerModelFromFile(path.join(workDir, 'model.json'), { name: 'bench-model' });
    const registered = await images.register({ name: 'bench-scorer', models: ['bench-model:1'], entry: path.join(workDir, 'score.py') });
    const image = await images.waitForImage('bench-scorer', registered.version, { pollIntervalMs: 250 });
    if (image.status !== 'READY') throw new Error(`the bench image's build ended ${image.status}: ${image.build?.failure ?? 'no reason given'}`);

    const stagger = SCHEDULE_MS / options.deployments;
    options.progress(`deployments: ${options.deployments} creates, ${stagger / 1000} s apart, each until it answers and is IN_SERVICE`);
    const runs = await Promise.all(
      Array.from({ length: options.deployments }, async (_, index) => {
        await systemClock.sleep(index * stagger);
        return deployOnce(deployments, runtime, `bench-${index + 1}`, { name: image.name, version: image.version });
      }),
    );

    options.progress(`deployments: ${options.requests} requests through the SageMaker Runtime stand-in and straight to a shim, alternating`);
    const shim = await serveImageLocally(localAwsClients(descriptor).s3, image);
    try {
      const throughStandIn = () => invokeEndpoint(runtime, runs[0].endpoint);
      const straightToShim = async () => {
        const answer = await fetch(`${shim.endpoint}/invocations`, { method: 'POST', headers: { 'content-type': CONTENT_TYPE }, body: BODY });
        if (!answer.ok) throw new Error(`the shim answered ${answer.status}: ${await answer.text()}`);
        return answer.arrayBuffer();
      };
      // Both paths give the same answer (the same model), and are warm (connections, the SDK's first signing) before anything is timed.
      const answers = [Buffer.from((await throughStandIn()).Body!).toString('utf8'), Buffer.from(await straightToShim()).toString('utf8')];
      if (answers[0] !== answers[1]) throw new Error(`the stand-in answered ${answers[0]}, the shim ${answers[1]}`);
      await timed(throughStandIn, 20, 1);
      await timed(straightToShim, 20, 1);
      const sequential = { standIn: [] as number[], shim: [] as number[] };
      for (let request = 0; request < options.requests; request++) {
        sequential.standIn.push(await once(throughStandIn));
        sequential.shim.push(await once(straightToShim));
      }
      // Concurrent: stand-in, shim, shim, stand-in, so a change of the machine's load weighs on both alike.
      const half = Math.ceil(options.requests / 2);
      const concurrent = { standIn: await timed(throughStandIn, half, options.concurrency), shim: await timed(straightToShim, half, options.concurrency) };
      concurrent.shim.push(...(await timed(straightToShim, half, options.concurrency)));
      concurrent.standIn.push(...(await timed(throughStandIn, half, options.concurrency)));
      const overhead = (samples: { standIn: number[]; shim: number[] }) => {
        const { wrapper, wrapped, ratio } = latencyOverhead(samples.standIn, samples.shim);
        return { standIn: wrapper, shim: wrapped, ratio };
      };
      return {
        // The section's own cost (a synthesis when the cache is cold), to keep npm run bench's budget in view.
        platform: { synthCached: platform.timings.synthCached, readyMs: platform.timings.readyMs },
        sectionWallMs: round(performance.now() - sectionStarted, 0),
        deployToFirstAnswer: {
          repetitions: runs.length,
          createAnswered: medianAndMax(runs.map((run) => run.createAnsweredMs)),
          firstAnswer: medianAndMax(runs.map((run) => run.firstAnswerMs)),
          recordInService: medianAndMax(runs.map((run) => run.recordInServiceMs)),
          scheduleWait: medianAndMax(runs.map((run) => run.scheduleWaitMs)),
          runs,
        },
        invokeLatency: {
          sequential: overhead(sequential),
          concurrent: { callers: options.concurrency, ...overhead(concurrent) },
        },
      };
    } finally {
      await shim.stop();
    }
  } finally {
    await platform.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
