import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapOperations } from '../client/shared/catalogue';
import {
  DESCRIPTOR_FILE,
  type LocalPlatformDescriptor,
  localAwsClients,
  localMonitoringClient,
  userDescriptorFile,
  writeDescriptor,
} from '../client/shared/local-connection';
import { DynamoImageStore } from '../lambda/images/adapters/dynamo-image-store';
import type { CheckSummary } from '../lambda/monitoring/core/check-drift';
import type { MonitorOptions } from '../lib/monitoring/monitor';
import { type StartedBuild, startCodeBuildStandIn } from './codebuild-stand-in';
import { driftCheckRunner } from './drift-check-runner';
import { emulatorClients, emulatorEnvironment, findFreePort, LOCAL_REGION, startDynamoDbLocal, startMoto } from './emulators';
import { startEventStandIns } from './event-stand-ins';
import { imageBuildSimulator } from './image-build-simulator';
import { startLambdaServer } from './lambda-server';
import { startMlflowServer } from './mlflow-server';
import { functionEnvironments, provisionFromTemplate } from './provision-from-template';
import { startSageMakerStandIns } from './sagemaker-stand-ins';
import { onMinuteOf, scheduledDriftChecks, scheduledTargets, startSchedules } from './schedules';
import type { LocalCredentials } from './sigv4-verifier';
import { synthesizeCached } from './synth-cache';

export interface LocalPlatformOptions {
  /**
   * Where state (DynamoDB files, moto's request recording), the cache of synthesized apps
   * (`synth-cache/`) and the descriptor (`platform.json`) live.
   * @default - a new temporary directory, with everything in memory
   */
  readonly dataDirectory?: string;
  /**
   * Where synthesized apps (template and bundles) are cached by the content hash of their sources
   * (`synth-cache.ts`): a start with unchanged sources does not bundle again.
   * @default - `synth-cache` in the data directory; without one, no cache (a fresh synthesis)
   */
  readonly synthCacheDirectory?: string;
  /**
   * Where else the descriptor is written once the platform is ready, so `mlops --local` finds it
   * from any folder; removed at stop if it still describes this platform. `false`: nowhere else.
   * @default - `userDescriptorFile()` (`$MLOPS_HOME/local-platform.json`, `~/.mlops/...`) with a
   * data directory; nowhere without one (a throwaway platform: the demo's, a test's)
   */
  readonly userDescriptorFile?: string | false;
  /**
   * Keep nothing across restarts, even with a data directory.
   * @default false
   */
  readonly inMemory?: boolean;
  /**
   * The Lambda endpoint's port.
   * @default - a free port
   */
  readonly lambdaPort?: number;
  /**
   * The port of the MLflow endpoint (MLflow's REST API, `endpoints.mlflow` of the descriptor).
   * @default 5000 (MLflow's own), or a free port when that one is taken
   */
  readonly mlflowPort?: number;
  /**
   * Models to monitor, as `MlopsPlatformStackProps.monitors`: their drift checks run on their
   * schedules, and on demand with `checkDrift`.
   * @default - none
   */
  readonly monitors?: readonly MonitorOptions[];
  /**
   * How long a minute of the local SageMaker and CloudWatch lasts, in milliseconds: the waits of an endpoint update
   * (a canary's bake, the old fleet's termination wait) and the rollback alarms' periods scale with it, so a demo
   * runs a ten-minute bake in seconds. So does the schedule that advances deployments (AdvanceDeployments); the
   * platform's other schedules keep real time.
   * @default 60_000 (real time)
   */
  readonly sageMakerMinuteMs?: number;
  /** Progress lines. @default - silent */
  readonly log?: (line: string) => void;
  /** One line per function invocation. @default - none */
  readonly logInvocation?: (line: string) => void;
}

/** How long each phase of a start took, in milliseconds (emulators start while the app is synthesized). */
export interface LocalPlatformTimings {
  /** Whether the synthesized app came from the cache. */
  readonly synthCached: boolean;
  readonly synthMs: number;
  /** From the start until both emulators answer. */
  readonly emulatorsMs: number;
  /** Creating the template's resources on the emulators. */
  readonly provisioningMs: number;
  /** From the start until the platform serves requests. */
  readonly readyMs: number;
}

export interface LocalPlatform {
  readonly descriptor: LocalPlatformDescriptor;
  /** Where the descriptor was written, if anywhere. */
  readonly descriptorFile?: string;
  /** The per-user copy of the descriptor (`userDescriptorFile`), if written. */
  readonly userDescriptorFile?: string;
  readonly timings: LocalPlatformTimings;
  /** Checks the window of a monitor (a CDK one, or one stored) that ends at `windowEnd` now, as its schedule would. */
  checkDrift(monitor: string, windowEnd: Date): Promise<CheckSummary>;
  stop(): Promise<void>;
}

const NAME_PREFIX = 'mlops-local';
/** A schedule firing more often than this logs its failures only: each second's success would drown the log. */
const QUIET_BELOW_MS = 10_000;
/** The scheduled functions that wait on SageMaker's hosting: their schedules run on the local SageMaker's minute. */
const FOLLOWS_SAGEMAKER: ReadonlySet<string> = new Set(['AdvanceDeployments']);

/** A new access key for the Lambda endpoint and moto's S3, written only in the descriptor (0600). */
function newCredentials(): LocalCredentials {
  return { accessKeyId: `LOCAL${randomBytes(10).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64url') };
}

/**
 * Runs the platform on this machine: synthesizes the app (so the bundles and resources are the
 * ones that deploy), starts DynamoDB Local and moto, creates the template's tables, buckets, bus
 * and image repository on them, and serves every function behind a local Lambda Invoke endpoint.
 * Image builds go to a CodeBuild stand-in whose builds are simulated (no Docker engine here).
 */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const log = options.log ?? (() => undefined);
  const persistent = options.dataDirectory !== undefined && !options.inMemory;
  const dataDirectory = options.dataDirectory && path.resolve(options.dataDirectory);
  if (dataDirectory) {
    // The descriptor holds the credentials, and the state is the platform's: this user's only.
    mkdirSync(dataDirectory, { recursive: true, mode: 0o700 });
    chmodSync(dataDirectory, 0o700);
  }

  log(`starting DynamoDB Local and moto${persistent ? ` with state in ${dataDirectory}` : ' in memory'}, and synthesizing the platform meanwhile`);
  const stateOf = (emulator: string) => (persistent ? { dataDirectory: path.join(dataDirectory!, emulator) } : {});
  // The descriptor's credentials sign the clients' S3 requests too: moto accepts them besides its own.
  const credentials = newCredentials();
  // With their ports given, both processes are spawned before the (synchronous) synthesis runs.
  const [dynamodbPort, motoPort] = await Promise.all([findFreePort(), findFreePort()]);
  const emulatorsStarted = Promise.allSettled([
    startDynamoDbLocal({ ...stateOf('dynamodb'), port: dynamodbPort }),
    startMoto({ ...stateOf('moto'), port: motoPort, alsoAccepted: [credentials] }),
  ]).then((outcomes) => ({ outcomes, emulatorsMs: elapsed() }));
  const cacheDirectory = options.synthCacheDirectory ?? (dataDirectory && path.join(dataDirectory, 'synth-cache'));
  const synthesis = (() => {
    try {
      return synthesizeCached({ cacheDirectory, monitors: options.monitors });
    } catch (error) {
      return { error };
    }
  })();
  const synthMs = elapsed();
  const { outcomes, emulatorsMs } = await emulatorsStarted;
  const running = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = 'error' in synthesis ? synthesis.error : outcomes.find((outcome) => outcome.status === 'rejected')?.reason;
  if (failure !== undefined) {
    await Promise.all(running.map((emulator) => emulator.stop()));
    throw failure;
  }
  const [dynamodb, moto] = running as [Awaited<ReturnType<typeof startDynamoDbLocal>>, Awaited<ReturnType<typeof startMoto>>];
  const { template, functions, cached } = synthesis as Exclude<typeof synthesis, { error: unknown }>;
  log(`synth: ${cached ? 'cached' : 'fresh'} (${seconds(synthMs)})`);
  log(`emulators: ready (${seconds(emulatorsMs)})`);
  const builds: Promise<void>[] = [];
  let simulateBuild: (build: StartedBuild) => Promise<void> = async () => undefined;
  const codeBuild = await startCodeBuildStandIn({ onBuild: (build) => void builds.push(simulateBuild(build)) });
  const stops: (() => Promise<void>)[] = [() => dynamodb.stop(), () => moto.stop(), () => codeBuild.close()];
  /** What still writes to the emulators as it stops (the endpoints' capture): stopped before them. */
  const drains: (() => Promise<void>)[] = [];
  const stop = async () => {
    // A build in flight still talks to the emulators and the functions: let it end first.
    await Promise.allSettled(builds);
    await Promise.all(drains.map((drain) => drain()));
    await Promise.all(stops.map((stopOne) => stopOne()));
  };
  try {
    const environment = emulatorEnvironment(dynamodb.endpoint, moto);
    const clients = emulatorClients(environment, codeBuild.endpoint);
    const provisioningStarted = performance.now();
    const names = await provisionFromTemplate(template, clients, NAME_PREFIX);
    const provisioningMs = Math.round(performance.now() - provisioningStarted);
    const environments = functionEnvironments(template, names);
    log(`provisioning: ${names.size} resources from the template (${seconds(provisioningMs)})`);
    const environmentOf = (name: string) => environments.get(functions.find((fn) => fn.name === name)!.logicalId)!;

    // SageMaker hosting and Runtime (moto has no UpdateEndpoint and runs no model): endpoints are served by the images' shims.
    const imageStore = new DynamoImageStore(DynamoDBDocumentClient.from(clients.dynamodb), environmentOf('QueryImages').IMAGES_TABLE_NAME);
    const sageMaker = await startSageMakerStandIns({
      s3: clients.s3,
      cloudWatch: new CloudWatchClient({ region: LOCAL_REGION, credentials: moto.credentials, endpoint: moto.endpoint }),
      findImage: (name, version) => imageStore.getVersion(name, version),
      credentials: [moto.credentials, credentials],
      moto,
      minuteMs: options.sageMakerMinuteMs,
      stateFile: persistent ? path.join(dataDirectory!, 'sagemaker.json') : undefined,
      log,
      logInvocation: options.logInvocation,
    });
    drains.push(() => sageMaker.stop());

    // Moto delivers no bus rule and has no Step Functions: the functions' events and drift check executions go through these.
    const eventStandIns = await startEventStandIns({ template, names, moto, credentials: [moto.credentials, credentials], log: options.logInvocation });
    drains.push(() => eventStandIns.stop());

    const localName = (fn: { name: string }) => `${NAME_PREFIX}-${fn.name}`;
    const localFunctions = functions.map((fn) => ({
      name: localName(fn),
      bundlePath: fn.bundlePath,
      // The deployed limits: Timeout in seconds, MemorySize in MB.
      timeoutMs: Number(template.Resources[fn.logicalId].Properties?.Timeout ?? 3) * 1000,
      memorySizeMb: Number(template.Resources[fn.logicalId].Properties?.MemorySize ?? 128),
      environment: {
        ...environment,
        AWS_ENDPOINT_URL_CODEBUILD: codeBuild.endpoint,
        AWS_ENDPOINT_URL_SAGEMAKER: sageMaker.hostingEndpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: eventStandIns.eventBridgeEndpoint,
        AWS_ENDPOINT_URL_SFN: eventStandIns.stepFunctionsEndpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...environments.get(fn.logicalId),
      },
    }));
    // The template's schedules (the heartbeat sweep, ...) fire as deployed; `mlops run sweep` fires one now. The
    // deployments' own follows SageMaker's rollouts, so it keeps SageMaker's minute: a scaled minute scales a whole rollout.
    const scheduled = scheduledTargets(template).map((target) => {
      const fn = functions.find((each) => each.logicalId === target.functionLogicalId)!;
      const scaled = FOLLOWS_SAGEMAKER.has(fn.name) && options.sageMakerMinuteMs !== undefined;
      const fires = scaled ? onMinuteOf(target, options.sageMakerMinuteMs!) : target;
      return { target: fires, functionName: localName(fn), scaled, quiet: fires.intervalMs < QUIET_BELOW_MS };
    });
    const server = await startLambdaServer({
      functions: localFunctions,
      credentials,
      port: options.lambdaPort,
      log: options.logInvocation,
      quietFunctions: new Set(scheduled.filter(({ quiet }) => quiet).map(({ functionName }) => functionName)),
    });
    stops.unshift(() => server.stop());
    const registerEnvironment = environmentOf('RegisterModel');
    const mlflow = await startMlflowServer({
      lambda: new LambdaClient({ region: LOCAL_REGION, credentials, endpoint: server.endpoint }),
      functionName: localName({ name: 'MlflowApi' }),
      port: options.mlflowPort,
      log,
    });
    stops.unshift(() => mlflow.stop());
    const descriptor: LocalPlatformDescriptor = {
      region: LOCAL_REGION,
      credentials,
      endpoints: {
        lambda: server.endpoint,
        dynamodb: dynamodb.endpoint,
        s3: moto.endpoint,
        mlflow: mlflow.endpoint,
        sagemakerRuntime: sageMaker.runtimeEndpoint,
      },
      functions: mapOperations(({ functionId }) => localName({ name: functionId })),
      artifactBucket: registerEnvironment.ARTIFACT_BUCKET_NAME,
      monitoringBucket: environmentOf('CheckDrift').MONITORING_BUCKET_NAME,
      eventBus: registerEnvironment.EVENT_BUS_NAME,
    };

    const { lambda, s3 } = localAwsClients(descriptor);
    simulateBuild = imageBuildSimulator({
      lambda,
      s3,
      ecr: clients.ecr,
      imageEventsFunction: localName({ name: 'ImageEvents' }),
      logDirectory: path.join(dataDirectory ?? mkdtempSync(path.join(tmpdir(), 'mlops-local-')), 'builds'),
      log,
    });
    const runDriftCheck = driftCheckRunner({
      lambda,
      s3,
      functions: { checkDrift: localName({ name: 'CheckDrift' }), sketchCaptureChunk: localName({ name: 'SketchCaptureChunk' }) },
      monitoringBucket: descriptor.monitoringBucket,
    });
    eventStandIns.serve({ lambda, functionName: (logicalId) => localName(functions.find((fn) => fn.logicalId === logicalId)!), runDriftCheck });
    const driftChecks = scheduledDriftChecks(template, names);
    const schedules = startSchedules({
      targets: scheduled,
      lambda,
      driftChecks: driftChecks.map((check) => ({ check, run: runDriftCheck })),
      log: options.logInvocation,
    });
    stops.unshift(async () => schedules.stop());
    for (const { target, functionName, scaled } of scheduled) {
      log(`schedule ${target.expression} -> ${functionName}${scaled ? ` (on the local SageMaker's minute: every ${target.intervalMs} ms)` : ''}`);
    }
    for (const check of driftChecks) log(`schedule ${check.expression} -> drift check of monitor ${check.inputAt(new Date()).config.monitor}`);

    // A CDK monitor's input comes from its schedule's rule; a stored one's is its config, as MonitorEvents starts it.
    const checkDrift = async (monitor: string, windowEnd: Date) => {
      const declared = driftChecks.map((each) => each.inputAt(windowEnd).config);
      const stored = declared.some((config) => config.monitor === monitor) ? [] : await localMonitoringClient(descriptor).listStoredMonitors();
      const configs = [...declared, ...stored.map((each) => each.config)];
      const config = configs.find((each) => each.monitor === monitor);
      if (!config) throw new Error(`no monitor named ${monitor}: the local platform has ${configs.map((each) => each.monitor).join(', ') || 'none'}`);
      return (await runDriftCheck({ config, windowEnd: windowEnd.toISOString() })).check;
    };
    const descriptorFile = dataDirectory && path.join(dataDirectory, DESCRIPTOR_FILE);
    if (descriptorFile) writeDescriptor(descriptorFile, descriptor);
    const userFile = options.userDescriptorFile ?? (dataDirectory ? userDescriptorFile() : false);
    if (userFile) {
      announce(userFile, descriptor);
      stops.push(async () => withdraw(userFile, descriptor));
    }
    log(`Lambda endpoint ${server.endpoint}: ${localFunctions.map((fn) => fn.name).join(', ')}`);
    log(`MLflow endpoint ${mlflow.endpoint}`);
    log(`SageMaker Runtime endpoint ${sageMaker.runtimeEndpoint} (SageMaker hosting for the functions at ${sageMaker.hostingEndpoint})`);
    const timings: LocalPlatformTimings = { synthCached: cached, synthMs, emulatorsMs, provisioningMs, readyMs: elapsed() };
    return { descriptor, descriptorFile, userDescriptorFile: userFile || undefined, timings, checkDrift, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Writes the per-user copy of the descriptor (its folder 0700, the file 0600: it holds the credentials). */
function announce(file: string, descriptor: LocalPlatformDescriptor): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeDescriptor(file, descriptor);
}

/** Removes the per-user copy, unless another platform started since has written its own there. */
function withdraw(file: string, descriptor: LocalPlatformDescriptor): void {
  try {
    const current = JSON.parse(readFileSync(file, 'utf8')) as LocalPlatformDescriptor;
    if (current.credentials?.accessKeyId === descriptor.credentials.accessKeyId) rmSync(file, { force: true });
  } catch {
    // gone already, or not a descriptor: not ours to remove
  }
}
