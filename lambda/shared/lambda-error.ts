import { type ErrorType, PlatformError } from './errors';

/**
 * The error a handler throws back to the Lambda runtime. The runtime reports `name` as `errorType`
 * and the stack as `trace`, so the stack is cut to the one line the caller may see.
 */
export class LambdaError extends Error {
  constructor(errorType: ErrorType, message: string) {
    super(message);
    this.name = errorType;
    this.stack = `${errorType}: ${message}`;
  }
}

/**
 * Maps anything a use case throws to what the caller sees: platform errors keep their type and
 * message; anything else becomes an `InternalError` that names only the request id.
 */
export function toLambdaError(error: unknown, requestId: string): LambdaError {
  if (error instanceof PlatformError) return new LambdaError(error.errorType, error.message);
  return new LambdaError('InternalError', `internal error; quote request id ${requestId} when reporting it`);
}
