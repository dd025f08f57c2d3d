import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import { readBody, sendError } from './aws-listener';
import { LOCAL_REGION } from './emulators';
import { type InvokeMessage, type RuntimeError, type SandboxMessage, type SandboxStart, toRuntimeError } from './function-worker';
import { foreignRequestReason } from './loopback-guard';
import { type LocalCredentials, signatureRefusal } from './sigv4-verifier';

/**
 * A local stand-in for the Lambda Invoke API: `POST /2015-03-31/functions/{FunctionName}/invocations`
 * answered as the service answers it, so an unchanged `LambdaClient` (and the platform's CLI and
 * TypeScript client) can invoke the real handler bundles on this machine. Each function runs in
 * its own worker thread with its own environment, like a Lambda sandbox: the bundle is imported
 * once (the cold start) and serves invocations, concurrently (handlers are async), until it times
 * out, crashes or fails to initialise; the next invocation then starts a fresh one.
 *
 * It runs code on this machine, so it answers only the SDK: it listens on loopback, refuses a `Host`
 * that is not loopback and any foreign `Origin` (web pages, DNS rebinding) with 403, and runs
 * nothing unless the request carries a valid SigV4 signature made with `credentials`.
 *
 * Not emulated: versions and aliases (a qualifier is accepted and ignored), retries and
 * destinations of asynchronous invocations, `LogType: Tail`, throttling and IAM.
 */

export interface LocalFunction {
  /** The function's name: what callers put in `FunctionName`, alone or in an ARN. */
  readonly name: string;
  /** The ES module bundle exporting `handler` (`index.mjs` in the function's asset directory). */
  readonly bundlePath: string;
  /**
   * The function's environment. As in Lambda, the function sees nothing of this process's
   * environment, only the variables the Lambda runtime sets (`AWS_LAMBDA_FUNCTION_NAME`, ...) and
   * these, so they include the emulators' endpoints and credentials (`emulatorEnvironment()`).
   */
  readonly environment: Record<string, string>;
  /**
   * How long an invocation may run before it answers `Sandbox.Timedout` and its sandbox is discarded.
   * @default 30_000
   */
  readonly timeoutMs?: number;
  /**
   * What the context reports as `memoryLimitInMB` (not enforced).
   * @default 128
   */
  readonly memorySizeMb?: number;
}

export interface LambdaServerOptions {
  readonly functions: readonly LocalFunction[];
  /** The only credentials whose signed requests are served (the local platform's, from its descriptor). */
  readonly credentials: LocalCredentials;
  /** @default - a free port on 127.0.0.1 */
  readonly port?: number;
  /**
   * Receives one line per request: function, request id, duration and outcome (`ok` or the error type).
   * @default - nothing is logged
   */
  readonly log?: (line: string) => void;
  /**
   * Functions invoked so often (a schedule on a scaled minute) that `log` gets their failures only.
   * @default - every request is logged
   */
  readonly quietFunctions?: ReadonlySet<string>;
  /**
   * Receives each line the functions write to stdout or stderr (their JSON logs and metrics).
   * @default - discarded
   */
  readonly functionOutput?: (functionName: string, line: string) => void;
}

export interface LambdaServer {
  /** Where a `LambdaClient` sends requests: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** Closes the server and terminates every sandbox; invocations in flight fail. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MEMORY_SIZE_MB = 128;
/** Lambda's limit on the init phase. */
const INIT_TIMEOUT_MS = 10_000;
/** The Invoke API's limits on a synchronous request and response payload. */
const MAX_REQUEST_BYTES = 6_291_456;
const MAX_RESPONSE_BYTES = 6_291_556;
/** moto's default account, so local ARNs agree. */
const LOCAL_ACCOUNT = '123456789012';
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const;
type InvocationType = (typeof INVOCATION_TYPES)[number];

/** Starts the endpoint; sandboxes start on each function's first invocation. */
export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  validateFunctions(options.functions);
  const workerCode = sandboxCode();
  const functions = new Map(options.functions.map((definition) => [definition.name, new FunctionRuntime(definition, workerCode, options.functionOutput)]));

  const server = createServer((request, response) => {
    handleRequest(request, response, functions, options).catch((error: unknown) => {
      // A fault here, not in a function: answer as the service does, so the SDK surfaces it.
      sendError(response, 500, 'ServiceException', { Type: 'Service', Message: `local Lambda endpoint failed: ${(error as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...functions.values()].map((runtime) => runtime.stop()));
        server.closeAllConnections();
        await closed;
      })();
      return stopping;
    },
  };
}

function validateFunctions(functions: readonly LocalFunction[]): void {
  for (const { name, bundlePath, timeoutMs } of functions) {
    if (!FUNCTION_NAME.test(name))
      throw new Error(`function name "${name}" is not a Lambda function name: use 1 to 64 letters, digits, hyphens or underscores`);
    if (!existsSync(bundlePath))
      throw new Error(`function ${name} has no bundle at ${bundlePath}: synthesize the app (cdk synth) and pass the asset's index.mjs`);
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new Error(`function ${name} has timeoutMs ${timeoutMs}: use a positive number of milliseconds`);
    }
  }
  const names = functions.map(({ name }) => name);
  if (new Set(names).size !== names.length) {
    throw new Error(`function names must be unique: ${names.filter((name, index) => names.indexOf(name) !== index).join(', ')} appear more than once`);
  }
}

let transpiledSandbox: string | undefined;

/** The worker's code: `function-worker.ts` as CommonJS, run with `eval`, so it loads the same under tsx, jest and node. */
function sandboxCode(): string {
  transpiledSandbox ??= `${
    transformSync(readFileSync(path.join(__dirname, 'function-worker.ts'), 'utf8'), { loader: 'ts', format: 'cjs', platform: 'node', target: 'node20' }).code
  }\nrunSandbox();\n`;
  return transpiledSandbox;
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  functions: ReadonlyMap<string, FunctionRuntime>,
  { log, credentials, quietFunctions }: LambdaServerOptions,
): Promise<void> {
  const started = performance.now();
  const requestId = randomUUID();
  response.setHeader('x-amzn-RequestId', requestId);
  const foreign = foreignRequestReason(request.headers, request.socket.localPort ?? 0);
  if (foreign) {
    request.resume();
    sendError(response, 403, 'AccessDeniedException', { Type: 'User', message: foreign });
    log?.(`refused ${requestId}: ${foreign}`);
    return;
  }
  // The whole body, as the signature covers it; the invocation's limit bounds what is read.
  const body = await readBody(request, MAX_REQUEST_BYTES);
  if (body === undefined) {
    sendError(response, 413, 'RequestTooLargeException', {
      Type: 'User',
      message: `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the InvokeFunction operation`,
    });
    return;
  }
  const refusal = await signatureRefusal({ method: request.method ?? '', url: request.url ?? '/', headers: request.headers, body }, credentials, 'lambda');
  if (refusal) {
    sendError(response, 403, refusal.type, { Type: 'User', message: refusal.message });
    log?.(`refused ${requestId}: ${refusal.type}`);
    return;
  }
  const { pathname, searchParams } = new URL(request.url ?? '/', 'http://localhost');
  const match = INVOKE_PATH.exec(pathname);
  if (request.method !== 'POST' || !match) {
    sendError(response, 404, 'UnknownOperationException', {
      Type: 'User',
      message: `the local Lambda endpoint serves Invoke only (POST /2015-03-31/functions/{FunctionName}/invocations), not ${request.method} ${pathname}`,
    });
    return;
  }
  const target = parseFunctionName(safeDecode(match[1]), searchParams.get('Qualifier'));
  const runtime = target && functions.get(target.name);
  const logLine = (outcome: string) => log?.(`${target?.name ?? match[1]} ${requestId} ${Math.round(performance.now() - started)} ms ${outcome}`);
  if (!target || !runtime) {
    const arn = target ? functionArn(target) : safeDecode(match[1]);
    sendError(response, 404, 'ResourceNotFoundException', { Type: 'User', Message: `Function not found: ${arn}` });
    logLine('ResourceNotFoundException');
    return;
  }

  const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (!INVOCATION_TYPES.includes(invocationType as InvocationType)) {
    sendError(response, 400, 'InvalidParameterValueException', {
      Type: 'User',
      message: `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${INVOCATION_TYPES.join(', ')}]`,
    });
    logLine('InvalidParameterValueException');
    return;
  }
  if (invocationType === 'DryRun') {
    response.writeHead(204).end();
    logLine('DryRun');
    return;
  }

  // The runtime hands an empty payload to the handler as an empty object.
  const payload = body.length === 0 ? '{}' : body.toString('utf8');
  try {
    JSON.parse(payload);
  } catch (error) {
    sendError(response, 400, 'InvalidRequestContentException', {
      Type: 'User',
      message: `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    });
    logLine('InvalidRequestContentException');
    return;
  }

  const invocation = runtime.invoke(requestId, payload, functionArn(target));
  if (invocation === undefined) {
    sendError(response, 503, 'ServiceException', { Type: 'Service', Message: 'the local Lambda endpoint is stopping' });
    return;
  }
  if (invocationType === 'Event') {
    response.writeHead(202).end();
    const { outcome, initMs } = await invocation;
    if (!(outcome.ok && quietFunctions?.has(target.name))) logLine(`${describe(outcome, initMs)} (Event)`);
    return;
  }
  const { outcome, initMs } = await invocation;
  const answer: Outcome =
    outcome.ok && Buffer.byteLength(outcome.payload) > MAX_RESPONSE_BYTES
      ? {
          ok: false,
          error: {
            errorType: 'Function.ResponseSizeTooLarge',
            errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
          },
        }
      : outcome;
  const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' };
  if (answer.ok) {
    response.writeHead(200, headers).end(answer.payload);
  } else {
    // A function error is a successful Invoke: the SDK returns it as FunctionError and Payload.
    response.writeHead(200, { ...headers, 'X-Amz-Function-Error': 'Unhandled' }).end(JSON.stringify(answer.error));
  }
  logLine(describe(answer, initMs));
}

function describe(outcome: Outcome, initMs: number | undefined): string {
  const result = outcome.ok ? 'ok' : outcome.error.errorType;
  return initMs === undefined ? result : `${result} (cold start ${Math.round(initMs)} ms)`;
}

interface FunctionTarget {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly qualifier?: string;
}

/** `name`, `name:qualifier`, `account:function:name[:qualifier]` or `arn:aws:lambda:region:account:function:name[:qualifier]`. */
function parseFunctionName(functionName: string, qualifierParameter: string | null): FunctionTarget | undefined {
  const parts = functionName.split(':');
  const withQualifier = (target: FunctionTarget) => ({ ...target, qualifier: target.qualifier ?? qualifierParameter ?? undefined });
  if (parts[0] === 'arn') {
    if (parts.length < 7 || parts.length > 8 || parts[2] !== 'lambda' || parts[5] !== 'function') return undefined;
    return withQualifier({ name: parts[6], region: parts[3], account: parts[4], qualifier: parts[7] });
  }
  if (parts[1] === 'function') {
    if (parts.length < 3 || parts.length > 4) return undefined;
    return withQualifier({ name: parts[2], region: LOCAL_REGION, account: parts[0], qualifier: parts[3] });
  }
  if (parts.length > 2) return undefined;
  return withQualifier({ name: parts[0], region: LOCAL_REGION, account: LOCAL_ACCOUNT, qualifier: parts[1] });
}

function functionArn({ name, region, account, qualifier }: FunctionTarget): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

type Outcome = { readonly ok: true; readonly payload: string } | { readonly ok: false; readonly error: RuntimeError };

interface Invocation {
  readonly outcome: Outcome;
  /** How long the cold start took, when this invocation started the sandbox. */
  readonly initMs?: number;
}

/** One function: the sandbox taking invocations, and any retired one still finishing its own. */
class FunctionRuntime {
  private current: Sandbox | undefined;
  private readonly sandboxes = new Set<Sandbox>();
  private stopped = false;

  constructor(
    private readonly definition: LocalFunction,
    private readonly workerCode: string,
    private readonly output: LambdaServerOptions['functionOutput'],
  ) {}

  /** Runs one invocation; `undefined` once the server is stopping. */
  invoke(requestId: string, payload: string, invokedFunctionArn: string): Promise<Invocation> | undefined {
    if (this.stopped) return undefined;
    const cold = this.current === undefined;
    const sandbox = (this.current ??= this.startSandbox());
    return (async () => {
      const initError = await sandbox.ready;
      if (initError) return { outcome: { ok: false, error: initError } };
      const timeoutMs = this.definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const outcome = await sandbox.invoke({ type: 'invoke', id: requestId, payload, invokedFunctionArn, deadlineMs: Date.now() + timeoutMs }, timeoutMs);
      return { outcome, initMs: cold ? sandbox.initMs : undefined };
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.sandboxes].map((sandbox) => sandbox.terminate()));
  }

  private startSandbox(): Sandbox {
    const sandbox = new Sandbox(this.definition, this.workerCode, this.output, () => {
      if (this.current === sandbox) this.current = undefined;
    });
    this.sandboxes.add(sandbox);
    void sandbox.exited.then(() => this.sandboxes.delete(sandbox));
    return sandbox;
  }
}

/**
 * A worker thread holding one imported bundle. It is retired (takes no new invocations) when an
 * invocation times out, the bundle fails to load or the thread dies, as Lambda discards such a
 * sandbox; a retired worker is terminated as soon as no invocation is left in it.
 */
class Sandbox {
  /** Settles when the bundle is loaded: `undefined`, or the error the init phase ended with. */
  readonly ready: Promise<RuntimeError | undefined>;
  readonly exited: Promise<void>;
  initMs: number | undefined;
  private readonly worker: Worker;
  private readonly pending = new Map<string, (outcome: Outcome) => void>();
  private retired = false;
  private hasExited = false;

  constructor(
    definition: LocalFunction,
    workerCode: string,
    output: LambdaServerOptions['functionOutput'],
    private readonly onRetired: () => void,
  ) {
    const memorySizeMb = definition.memorySizeMb ?? DEFAULT_MEMORY_SIZE_MB;
    const start: SandboxStart = {
      bundlePath: path.resolve(definition.bundlePath),
      functionName: definition.name,
      memorySizeMb,
      logGroupName: `/aws/lambda/${definition.name}`,
    };
    const started = performance.now();
    this.worker = new Worker(workerCode, {
      eval: true,
      workerData: start,
      env: runtimeEnvironment(definition, start),
      // A clean runtime: no loaders or flags of this process (tsx, jest).
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    forwardLines(this.worker.stdout, definition.name, output);
    forwardLines(this.worker.stderr, definition.name, output);

    let settleReady!: (error: RuntimeError | undefined) => void;
    this.ready = new Promise((resolve) => (settleReady = resolve));
    const initTimer = setTimeout(() => {
      settleReady({ errorType: 'Sandbox.Timedout', errorMessage: `Error: Init phase timed out after ${seconds(INIT_TIMEOUT_MS)} seconds` });
      this.retire();
    }, INIT_TIMEOUT_MS);

    this.worker.on('message', (message: SandboxMessage) => {
      switch (message.type) {
        case 'ready':
          clearTimeout(initTimer);
          this.initMs = performance.now() - started;
          settleReady(undefined);
          break;
        case 'init-error':
          clearTimeout(initTimer);
          settleReady(message.error);
          this.retire();
          break;
        case 'result':
          this.pending.get(message.id)?.({ ok: true, payload: message.payload });
          break;
        case 'error':
          this.pending.get(message.id)?.({ ok: false, error: message.error });
          break;
      }
    });
    // An uncaught exception or unhandled rejection ends the thread, as it ends the runtime process.
    let crash: RuntimeError | undefined;
    this.worker.on('error', (error) => (crash = toRuntimeError(error)));
    // Not events.once: it would reject on the 'error' that precedes the exit of a crashed thread.
    this.exited = new Promise<number>((resolve) => this.worker.once('exit', resolve)).then((code) => {
      this.hasExited = true;
      clearTimeout(initTimer);
      const exitError = (requestId?: string): RuntimeError =>
        crash ?? {
          errorType: 'Runtime.ExitError',
          errorMessage: `${requestId ? `RequestId: ${requestId} ` : ''}Error: Runtime exited with error: exit status ${code}`,
        };
      settleReady(exitError());
      for (const [requestId, settle] of this.pending) settle({ ok: false, error: exitError(requestId) });
      this.retire();
    });
  }

  /** Runs one invocation in this sandbox; a timeout answers `Sandbox.Timedout` and retires it. */
  invoke(message: InvokeMessage, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      if (this.hasExited) {
        resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${message.id} Error: Runtime exited` } });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(message.id);
        resolve({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${message.id} Error: Task timed out after ${seconds(timeoutMs)} seconds` },
        });
        this.retire();
      }, timeoutMs);
      this.pending.set(message.id, (outcome) => {
        clearTimeout(timer);
        this.pending.delete(message.id);
        resolve(outcome);
        this.terminateIfIdle();
      });
      this.worker.postMessage(message);
    });
  }

  async terminate(): Promise<void> {
    this.retire();
    if (!this.hasExited) await this.worker.terminate();
    await this.exited;
  }

  private retire(): void {
    if (!this.retired) {
      this.retired = true;
      this.onRetired();
    }
    this.terminateIfIdle();
  }

  private terminateIfIdle(): void {
    if (this.retired && this.pending.size === 0 && !this.hasExited) void this.worker.terminate();
  }
}

/** What the Lambda runtime sets, then the function's own variables. */
function runtimeEnvironment(definition: LocalFunction, start: SandboxStart): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_LAMBDA_FUNCTION_NAME: definition.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(start.memorySizeMb),
    AWS_LAMBDA_LOG_GROUP_NAME: start.logGroupName,
    // Powertools reports cold starts only for on-demand sandboxes.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: path.dirname(start.bundlePath),
    _HANDLER: 'index.handler',
    ...definition.environment,
  };
}

function forwardLines(stream: Readable, functionName: string, output: LambdaServerOptions['functionOutput']): void {
  if (!output) {
    stream.resume();
    return;
  }
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => output(functionName, line));
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
