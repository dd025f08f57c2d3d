import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { fromFunctionError, MlopsError } from './errors';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function decode(payload: Uint8Array | undefined): unknown {
  const text = payload ? decoder.decode(payload) : '';
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new MlopsError('InvalidResponse', `the function answered with a payload that is not JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * Invokes a function synchronously with a JSON payload and returns its decoded answer; a function
 * error becomes the `MlopsError` subclass for its `errorType`.
 */
export async function invokeFunction<T>(lambda: LambdaClient, functionName: string, payload: unknown): Promise<T> {
  const response = await lambda.send(
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
