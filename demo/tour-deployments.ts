import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../cli/render/format';
import type { DeploymentsClient } from '../client/deployments/deployments-client';
import { ModelInvocationError } from '../client/deployments/endpoint-invocation';
import type { DeploymentRecord } from '../lambda/deployments/core/model';
import type { CheckSummary } from '../lambda/monitoring/core/check-drift';
import { inputsOf, laterCustomers, SHIFTED_FEATURES, type TourMonitoring, verdictOf } from './tour-monitoring';

/**
 * The deployments part of the tour: traffic sent to a deployment's endpoint as its callers would send it, and a
 * deployment watched while requests keep coming, so a rollout's canary, and its rollback, are seen as callers
 * see them.
 */

/** What the tour needs of deployments: a client, and how long a minute of SageMaker lasts where it runs. */
export interface TourDeployments {
  readonly client: Pick<DeploymentsClient, 'invoke' | 'getDeployment' | 'deploymentTraffic'>;
  /**
   * How long a SageMaker minute lasts, in milliseconds: bakes and rollback alarms count in it (the local platform's
   * can be a second).
   * @default 60_000
   */
  readonly minuteMs?: number;
}

/** The applications that call the demo's endpoint, each naming itself in the request's custom attributes. */
export const CALLERS = ['checkout', 'crm', 'retention-app'] as const;

/** Rows per request of the tour's traffic. */
const BATCH = 20;
const POLL_MS = 250;

const request = (records: readonly Record<string, number>[], index: number) => ({
  body: JSON.stringify({ instances: records }),
  contentType: 'application/json',
  customAttributes: `caller=${CALLERS[index % CALLERS.length]}`,
});

/**
 * Sends `records` to the deployment in requests of 20 rows, the callers taking turns, and resolves once the
 * endpoint's capture has every request (the capture is batched): what a drift check of the window reads.
 */
export async function sendTraffic(deployments: TourDeployments, deployment: string, records: readonly Record<string, number>[]): Promise<number> {
  const { client } = deployments;
  const captured = async () => (await client.deploymentTraffic(deployment, 2)).hours.reduce((total, hour) => total + hour.requests, 0);
  const before = await captured();
  let requests = 0;
  for (let start = 0; start < records.length; start += BATCH) {
    await client.invoke(deployment, request(records.slice(start, start + BATCH), requests));
    requests += 1;
  }
  await waitUntil(captured, (count) => count >= before + requests, `${requests} requests captured for deployment ${deployment}`);
  return requests;
}

/** What callers saw while a deployment changed. */
export interface TrafficTally {
  readonly answered: number;
  readonly failed: number;
  /** The deployment as it settled. */
  readonly deployment: DeploymentRecord;
}

/**
 * Sends one-row requests, the callers taking turns, until the deployment has taken a revision after `since` and
 * settled again: a rollout's whole life as callers see it. A request the model fails is counted, not thrown.
 */
export async function trafficThroughRollout(
  deployments: TourDeployments,
  deployment: string,
  records: readonly Record<string, number>[],
  since: DeploymentRecord,
  timeoutMs = 120 * (deployments.minuteMs ?? 60_000),
): Promise<TrafficTally> {
  const { client } = deployments;
  const deadline = Date.now() + timeoutMs;
  let answered = 0;
  let failed = 0;
  for (let sent = 0; ; sent++) {
    await client.invoke(deployment, request([records[sent % records.length]], sent)).then(
      () => answered++,
      (error: unknown) => {
        if (!(error instanceof ModelInvocationError)) throw error;
        failed++;
      },
    );
    if (sent % 10 !== 9) continue;
    const now = await client.getDeployment(deployment);
    if (now.lastRevision > since.lastRevision && now.status === 'IN_SERVICE') return { answered, failed, deployment: now };
    if (Date.now() > deadline) {
      throw new Error(
        `deployment ${deployment} is ${now.status} (revision ${now.lastRevision}) after ${timeoutMs} ms: no rollout settled after revision ${since.lastRevision}`,
      );
    }
  }
}

/** Polls `read` until `done` holds of what it answers; fails saying what was awaited after `timeoutMs`. */
export async function waitUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, awaited: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${awaited} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The bug the tour ships: a typo in the entry script that every request reaches (init() and /ping still work). */
const TYPO = { correct: 'scaling["mean"]', typo: 'scaling["means"]' };

/** Writes the entry script with the typo to `directory` and returns its path and the line it broke. */
export async function entryScriptWithTypo(scoreScript: string, directory: string): Promise<{ readonly file: string; readonly typo: string }> {
  const source = await readFile(scoreScript, 'utf8');
  if (!source.includes(TYPO.correct)) throw new Error(`${scoreScript} no longer reads ${TYPO.correct}: the tour's typo needs another line to break`);
  await mkdir(directory, { recursive: true });
  const file = join(directory, 'score.py');
  await writeFile(file, source.replace(TYPO.correct, TYPO.typo));
  return { file, typo: TYPO.typo };
}

/** A version the tour trained again, registered from its run. */
export interface RetrainedVersion {
  readonly version: number;
  readonly trainFile: string;
}

/** What the deployments part works with: the platform, the CLI, and what the tour before it made. */
export interface DeploymentTourStep {
  readonly deployments: TourDeployments;
  readonly monitoring: TourMonitoring;
  /** Moves the alias (the tour's audited compare-and-set move). */
  readonly moveAlias: (version: number, expectedVersion: number, reason: string) => Promise<void>;
  /** Runs `mlops` with these arguments; fails on a non-zero exit. */
  readonly mlops: (argv: readonly string[]) => Promise<void>;
  /** Trains on the later month's customers and registers the result from its run. */
  readonly retrain: () => Promise<RetrainedVersion>;
  readonly heading: (text: string) => void;
  readonly print: (line: string) => void;
  readonly model: string;
  readonly alias: string;
  /** The model version the alias names, and the image packaged for it. */
  readonly servedVersion: number;
  readonly image: string;
  readonly scoreScript: string;
  /** The served version's validation rows: what the callers send, a month later. */
  readonly validationFile: string;
  readonly label: string;
  readonly workDir: string;
}

export interface DeploymentTourResult {
  /** The deployment's monitor on the captured traffic: against the served version's baseline, then the retrained one's. */
  readonly driftChecks: readonly CheckSummary[];
  /** Callers during the retrained version's canary rollout, and during the broken release's rollout and rollback. */
  readonly canary: TrafficTally;
  readonly broken: TrafficTally;
}

/** The 4 steps of the deployments part. */
export const DEPLOYMENT_TOUR_STEPS = 4;

const INSTANCE_TYPE = 'ml.m5.large';
const CANARY_PERCENT = 20;
const BAKE_MINUTES = 3;

const percent = (part: number, whole: number) => `${whole === 0 ? 0 : Math.round((100 * part) / whole)}%`;

/** The latest window a check of the hourly monitor covers now: the hour up to the end of this minute. */
const windowEndNow = () => new Date((Math.floor(Date.now() / 60_000) + 1) * 60_000);

const verdict = (check: CheckSummary) =>
  `${check.records} captured records, ${verdictOf(check)}, ${check.driftedFeatures} features drifted (share ${check.driftShare.toFixed(2)})`;

/**
 * Deploys the packaged image on an endpoint that follows the alias, sends it the later month's customers and
 * checks the deployment's own monitor on the capture (drift), retrains on them and moves the alias (a canary
 * rollout under traffic; no drift against the new baseline), then ships a release with a typo in its entry
 * script, which the deployment rolls out by itself and its canary's alarm rolls back.
 */
export async function deployAndOperate(step: DeploymentTourStep): Promise<DeploymentTourResult> {
  const { deployments, monitoring, heading, print, model, alias, image, mlops } = step;
  const name = model;
  const minuteMs = deployments.minuteMs ?? 60_000;
  const clock = minuteMs === 60_000 ? '' : ` (a SageMaker minute lasts ${formatDuration(minuteMs)} on this platform)`;
  const callers = await inputsOf(step.validationFile, step.label).then(laterCustomers);

  heading(
    `Deploy "${image}" on a SageMaker endpoint that follows ${model}@${alias}: one ${INSTANCE_TYPE}, ` +
      `updates rolled out as a ${CANARY_PERCENT}% canary baked ${BAKE_MINUTES} minutes, rolled back by its alarms${clock}`,
  );
  const strategy = ['--canary-percent', String(CANARY_PERCENT), '--bake', `${BAKE_MINUTES}m`];
  const follow = ['--follow', `${model}@${alias}`];
  await mlops(['deploy', 'create', name, '--image', image, ...follow, '--instance-type', INSTANCE_TYPE, ...strategy, '--wait', '--poll', '500ms']);
  // DeploymentStateChanged (IN_SERVICE) reaches the monitoring functions on the bus: the deployment gets its monitor.
  await waitUntil(
    () => monitoring.client.listStoredMonitors(),
    (monitors) => monitors.some((monitor) => monitor.deployment === name),
    `the monitor of deployment ${name}`,
  );
  print(`  monitor ${name}: made for the deployment as it went into service, it compares what the endpoint captures with ${model}@${alias}'s baseline`);

  heading(
    `A month later: ${callers.length} customers with ${SHIFTED_FEATURES.join(' and ')} shifted, sent by ${CALLERS.join(', ')} ` +
      `through SageMaker Runtime; the deployment's monitor checks what the endpoint captured`,
  );
  const requests = await sendTraffic(deployments, name, callers);
  const drifted = await monitoring.checkDrift(name, windowEndNow());
  print(`  ${requests} requests of up to ${BATCH} customers, each captured to the monitoring bucket with its caller`);
  print(`  monitor ${name} against ${model} v${step.servedVersion}'s baseline: ${verdict(drifted)}`);
  await mlops(['deploy', 'status', name, '--hours', '2']);

  heading(
    `Retrain on the later month's customers, package the new version, and move ${alias} to it: the deployment rolls it out ` +
      `as a ${CANARY_PERCENT}% canary while the callers keep calling`,
  );
  const retrained = await step.retrain();
  const baseline = await monitoring.client.registerBaselineFromFile(retrained.trainFile, { model, version: retrained.version, exclude: [step.label] });
  print(`  baseline of ${model} v${retrained.version}: ${baseline.rows} training rows of the later month`);
  await mlops(['image', 'register', image, '--model', `${model}:${retrained.version}`, '--entry', step.scoreScript, '--wait', '--interval', '1s']);
  const beforeCanary = await deployments.client.getDeployment(name);
  const started = Date.now();
  await step.moveAlias(retrained.version, step.servedVersion, `${SHIFTED_FEATURES.join(' and ')} drifted: retrained on the later month's customers`);
  const canary = await trafficThroughRollout(deployments, name, callers, beforeCanary);
  const rolledOut = canary.deployment.current!.image;
  print(
    `  ${alias} moved to v${retrained.version}; the deployment rolled ${rolledOut.name}:${rolledOut.version} out in ${formatDuration(Date.now() - started)}: ` +
      `${canary.answered + canary.failed} requests meanwhile, ${canary.failed} failed`,
  );
  const settled = await monitoring.checkDrift(name, windowEndNow());
  print(`  monitor ${name} now against v${retrained.version}'s baseline, on the same hour of capture: ${verdict(settled)}`);

  const { file: brokenScript, typo } = await entryScriptWithTypo(step.scoreScript, join(step.workDir, 'release-with-typo'));
  heading(
    `Ship a release with a bug: score.py with a typo (${typo}), packaged for ${model}@${alias}; the deployment follows ${alias}, ` +
      "so it rolls the build out by itself, and the canary's 5xx alarm rolls it back",
  );
  // The callers call throughout: the rollout starts as the build turns READY, before `image register --wait` returns.
  const beforeRelease = await deployments.client.getDeployment(name);
  const [, broken] = await Promise.all([
    mlops(['image', 'register', image, '--model', `${model}@${alias}`, '--entry', brokenScript, '--wait', '--interval', '1s']),
    trafficThroughRollout(deployments, name, callers, beforeRelease),
  ]);
  const sent = broken.answered + broken.failed;
  print(
    `  ${sent} requests while it rolled out and back: ${broken.failed} failed (${percent(broken.failed, sent)}: the canary's share, ` +
      `until its 5xx alarm fired), the rest answered by ${rolledOut.name}:${rolledOut.version}`,
  );
  const remembered = broken.deployment.rolledBackVersions?.at(-1);
  if (remembered !== undefined) {
    print(
      `  following ${alias} now passes over ${image}:${remembered}: the next move or build does not roll it out again (mlops deploy update ${name} --version ${remembered} would)`,
    );
  }
  await mlops(['deploy', 'history', name]);
  return { driftChecks: [drifted, settled], canary, broken };
}
