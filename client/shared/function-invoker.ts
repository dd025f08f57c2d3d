import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { fromFunctionError, MlopsError, UnreachableError } from './errors';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Node's codes for a connection that could not be made, so the request reached no function (a reset
 * or a timeout may come after a function ran: those pass on as they are).
 */
const NETWORK_FAILURES = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];
const QUOTES_NETWORK_FAILURE = new RegExp(`\\b(${NETWORK_FAILURES.join('|')})\\b`);

/** Node's code, or (when the SDK wrapped an error from another realm, as under jest) the code its message quotes. */
function isNetworkFailure({ code, message }: { code?: unknown; message?: unknown }): boolean {
  if (typeof code === 'string') return NETWORK_FAILURES.includes(code);
  return typeof message === 'string' && QUOTES_NETWORK_FAILURE.test(message);
}

function decode(payload: Uint8Array | undefined): unknown {
  const text = payload ? decoder.decode(payload) : '';
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new MlopsError('InvalidResponse', `the function answered with a payload that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** Where the client sent the request: its configured endpoint, else the regional host the failure names. */
async function endpointOf(lambda: LambdaClient, failure: { hostname?: unknown }): Promise<string> {
  const endpoint = await lambda.config.endpoint?.();
  if (endpoint) return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
  return typeof failure.hostname === 'string' ? `https://${failure.hostname}` : 'the AWS Lambda endpoint';
}

async function send(lambda: LambdaClient, command: InvokeCommand): Promise<InvokeCommandOutput> {
  try {
    return await lambda.send(command);
  } catch (error) {
    const failure = (error ?? {}) as { code?: unknown; message?: unknown; hostname?: unknown };
    if (!isNetworkFailure(failure)) throw error;
    const endpoint = await endpointOf(lambda, failure);
    throw new UnreachableError(endpoint, `no platform answers at ${endpoint} (${String(failure.message)})`);
  }
}

/**
 * Invokes a function synchronously with a JSON payload and returns its decoded answer; a function
 * error becomes the `MlopsError` subclass for its `errorType`, and an endpoint that does not
 * answer an `UnreachableError`.
 */
export async function invokeFunction<T>(lambda: LambdaClient, functionName: string, payload: unknown): Promise<T> {
  const response = await send(
    lambda,
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: encoder.encode(JSON.stringify(payload)) }),
  );
  const body = decode(response.Payload);
  if (response.FunctionError) {
    const error = (body ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    throw fromFunctionError(
      typeof error.errorType === 'string' ? error.errorType : undefined,
      typeof error.errorMessage === 'string' ? error.errorMessage : undefined,
    );
  }
  return body as T;
}
