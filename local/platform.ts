import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mapOperations } from '../client/shared/catalogue';
import { DESCRIPTOR_FILE, type LocalPlatformDescriptor, localAwsClients, writeDescriptor } from '../client/shared/local-connection';
import type { CheckSummary } from '../lambda/monitoring/core/check-drift';
import type { MonitorOptions } from '../lib/monitoring/monitor';
import { type StartedBuild, startCodeBuildStandIn } from './codebuild-stand-in';
import { driftCheckRunner } from './drift-check-runner';
import { emulatorClients, emulatorEnvironment, LOCAL_REGION, startDynamoDbLocal, startMoto } from './emulators';
import { imageBuildSimulator } from './image-build-simulator';
import { startLambdaServer } from './lambda-server';
import { functionEnvironments, provisionFromTemplate } from './provision-from-template';
import { scheduledDriftChecks, scheduledTargets, startSchedules } from './schedules';
import type { LocalCredentials } from './sigv4-verifier';
import { synthesizeFunctions } from './synthesize';

export interface LocalPlatformOptions {
  /**
   * Where state (DynamoDB files, moto's request recording), the synthesized app and the
   * descriptor (`platform.json`) live.
   * @default - a new temporary directory, with everything in memory
   */
  readonly dataDirectory?: string;
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
   * Models to monitor, as `MlopsPlatformStackProps.monitors`: their drift checks run on their
   * schedules, and on demand with `checkDrift`.
   * @default - none
   */
  readonly monitors?: readonly MonitorOptions[];
  /** Progress lines. @default - silent */
  readonly log?: (line: string) => void;
  /** One line per function invocation. @default - none */
  readonly logInvocation?: (line: string) => void;
}

export interface LocalPlatform {
  readonly descriptor: LocalPlatformDescriptor;
  /** Where the descriptor was written, if anywhere. */
  readonly descriptorFile?: string;
  /** Checks the window of a monitor that ends at `windowEnd` now, as its schedule would. */
  checkDrift(monitor: string, windowEnd: Date): Promise<CheckSummary>;
  stop(): Promise<void>;
}

const NAME_PREFIX = 'mlops-local';

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
  const log = options.log ?? (() => undefined);
  const persistent = options.dataDirectory !== undefined && !options.inMemory;
  const dataDirectory = options.dataDirectory && path.resolve(options.dataDirectory);
  if (dataDirectory) {
    // The descriptor holds the credentials, and the state is the platform's: this user's only.
    mkdirSync(dataDirectory, { recursive: true, mode: 0o700 });
    chmodSync(dataDirectory, 0o700);
  }

  log('synthesizing the platform (bundling the functions with esbuild)');
  const { template, functions } = synthesizeFunctions(dataDirectory ? path.join(dataDirectory, 'cdk.out') : undefined, { monitors: options.monitors });

  log(`starting DynamoDB Local and moto${persistent ? ` with state in ${dataDirectory}` : ' in memory'}`);
  const stateOf = (emulator: string) => (persistent ? { dataDirectory: path.join(dataDirectory!, emulator) } : {});
  // The descriptor's credentials sign the clients' S3 requests too: moto accepts them besides its own.
  const credentials = newCredentials();
  const [dynamodb, moto] = await Promise.all([startDynamoDbLocal(stateOf('dynamodb')), startMoto({ ...stateOf('moto'), alsoAccepted: [credentials] })]);
  const builds: Promise<void>[] = [];
  let simulateBuild: (build: StartedBuild) => Promise<void> = async () => undefined;
  const codeBuild = await startCodeBuildStandIn({ onBuild: (build) => void builds.push(simulateBuild(build)) });
  const stops: (() => Promise<void>)[] = [() => dynamodb.stop(), () => moto.stop(), () => codeBuild.close()];
  const stop = async () => {
    // A build in flight still talks to the emulators and the functions: let it end first.
    await Promise.allSettled(builds);
    await Promise.all(stops.map((stopOne) => stopOne()));
  };
  try {
    const environment = emulatorEnvironment(dynamodb.endpoint, moto);
    const clients = emulatorClients(environment, codeBuild.endpoint);
    const names = await provisionFromTemplate(template, clients, NAME_PREFIX);
    const environments = functionEnvironments(template, names);
    log(`created ${names.size} resources from the template`);

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
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...environments.get(fn.logicalId),
      },
    }));
    const server = await startLambdaServer({ functions: localFunctions, credentials, port: options.lambdaPort, log: options.logInvocation });
    stops.unshift(() => server.stop());

    // The template's schedules (the heartbeat sweep, ...) fire as deployed; `mlops run sweep` fires one now.
    const scheduled = scheduledTargets(template).map((target) => ({
      target,
      functionName: localName(functions.find((fn) => fn.logicalId === target.functionLogicalId)!),
    }));
    const environmentOf = (name: string) => environments.get(functions.find((fn) => fn.name === name)!.logicalId)!;
    const registerEnvironment = environmentOf('RegisterModel');
    const descriptor: LocalPlatformDescriptor = {
      region: LOCAL_REGION,
      credentials,
      endpoints: { lambda: server.endpoint, dynamodb: dynamodb.endpoint, s3: moto.endpoint },
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
    const driftChecks = scheduledDriftChecks(template, names);
    const schedules = startSchedules({
      targets: scheduled,
      lambda,
      driftChecks: driftChecks.map((check) => ({ check, run: runDriftCheck })),
      log: options.logInvocation,
    });
    stops.unshift(async () => schedules.stop());
    for (const { target, functionName } of scheduled) log(`schedule ${target.expression} -> ${functionName}`);
    for (const check of driftChecks) log(`schedule ${check.expression} -> drift check of monitor ${check.inputAt(new Date()).config.monitor}`);

    const checkDrift = async (monitor: string, windowEnd: Date) => {
      const check = driftChecks.map((each) => each.inputAt(windowEnd)).find((input) => input.config.monitor === monitor);
      if (!check)
        throw new Error(
          `no monitor named ${monitor}: the local platform has ${driftChecks.map((each) => each.inputAt(windowEnd).config.monitor).join(', ') || 'none'}`,
        );
      return (await runDriftCheck(check)).check;
    };
    const descriptorFile = dataDirectory && path.join(dataDirectory, DESCRIPTOR_FILE);
    if (descriptorFile) writeDescriptor(descriptorFile, descriptor);
    log(`Lambda endpoint ${server.endpoint}: ${localFunctions.map((fn) => fn.name).join(', ')}`);
    return { descriptor, descriptorFile, checkDrift, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
