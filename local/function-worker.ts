import { pathToFileURL } from 'node:url';
import { types } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The body of one local Lambda sandbox: a worker thread that imports a function's bundle once
 * (the cold start, with the function's own `process.env`) and runs its handler for each invocation
 * the server posts. It reports results and errors in the shapes the Node.js runtime interface
 * client sends to the Lambda service, so the server can answer as the Invoke API does.
 *
 * `lambda-server.ts` transpiles this file and runs it as the worker's code, so it imports nothing
 * but Node.js built-ins, and exports only types besides `runSandbox`.
 */

/** What the server hands the worker at start (`workerData`). */
export interface SandboxStart {
  readonly bundlePath: string;
  readonly functionName: string;
  readonly memorySizeMb: number;
  readonly logGroupName: string;
}

/** An error as the runtime reports it: the JSON body of a function error. */
export interface RuntimeError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: string;
  /** The request payload as the caller sent it (JSON text); parsed here, as the runtime does. */
  readonly payload: string;
  readonly invokedFunctionArn: string;
  /** Epoch milliseconds at which the invocation times out. */
  readonly deadlineMs: number;
}

export type SandboxMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: RuntimeError }
  | { readonly type: 'result'; readonly id: string; readonly payload: string }
  | { readonly type: 'error'; readonly id: string; readonly error: RuntimeError };

type Handler = (event: unknown, context: Record<string, unknown>) => unknown;

/** As the runtime interface client's `toRapidResponse`: a thrown Error keeps its name, message and stack lines. */
export function toRuntimeError(error: unknown): RuntimeError {
  if (types.isNativeError(error) || (error instanceof Object && 'name' in error && 'message' in error)) {
    const { name, message, stack } = error as Error;
    return { errorType: String(name), errorMessage: String(message), trace: typeof stack === 'string' ? stack.split('\n') : [] };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** Errors at import, classified as the runtime classifies them. */
function toInitError(error: unknown): RuntimeError {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof SyntaxError) {
    return { errorType: 'Runtime.UserCodeSyntaxError', errorMessage: `${error.name}: ${error.message}`, trace: error.stack?.split('\n') ?? [] };
  }
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const { message, stack } = error as Error;
    return { errorType: 'Runtime.ImportModuleError', errorMessage: `Error: ${message}`, trace: stack?.split('\n') ?? [] };
  }
  return toRuntimeError(error);
}

export function runSandbox(): void {
  const port = parentPort;
  if (!port) throw new Error('runSandbox runs in a worker thread');
  const start = workerData as SandboxStart;
  const post = (message: SandboxMessage) => port.postMessage(message);

  const handlerLoaded = import(pathToFileURL(start.bundlePath).href).then((bundle: { handler?: unknown }) => {
    if (typeof bundle.handler !== 'function') {
      throw { errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' } satisfies RuntimeError;
    }
    return bundle.handler as Handler;
  });
  handlerLoaded.then(
    () => post({ type: 'ready' }),
    (error: unknown) => post({ type: 'init-error', error: isRuntimeError(error) ? error : toInitError(error) }),
  );

  port.on('message', (message: InvokeMessage) => {
    void invoke(message);
  });

  async function invoke({ id, payload, invokedFunctionArn, deadlineMs }: InvokeMessage): Promise<void> {
    // The server posts invocations only after 'ready'.
    const handler = await handlerLoaded;
    const context = {
      awsRequestId: id,
      functionName: start.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn,
      memoryLimitInMB: String(start.memorySizeMb),
      logGroupName: start.logGroupName,
      logStreamName: `local/[$LATEST]${process.pid}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    };
    let result: unknown;
    try {
      result = await handler(JSON.parse(payload), context);
    } catch (error) {
      post({ type: 'error', id, error: toRuntimeError(error) });
      return;
    }
    // As the runtime: `undefined` answers `null`; what JSON cannot hold is an error.
    let serialized: string | undefined;
    try {
      serialized = JSON.stringify(result === undefined ? null : result);
    } catch {
      serialized = undefined;
    }
    if (serialized === undefined) {
      post({ type: 'error', id, error: { errorType: 'Error', errorMessage: 'Unable to stringify response body', trace: [] } });
    } else {
      post({ type: 'result', id, payload: serialized });
    }
  }
}

function isRuntimeError(value: unknown): value is RuntimeError {
  return typeof value === 'object' && value !== null && 'errorType' in value && 'errorMessage' in value && !(value instanceof Error);
}
