import { ConflictError, NotFoundError, PlatformError, ValidationError } from '../../shared/errors';

/** MLflow's error codes the platform answers with, and the HTTP status MLflow's server gives each. */
export const MLFLOW_ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;

export type MlflowErrorCode = keyof typeof MLFLOW_ERROR_STATUS;

/** A refusal in MLflow's terms: its error code and a message safe to show the caller. */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  constructor(
    readonly errorCode: MlflowErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return MLFLOW_ERROR_STATUS[this.errorCode];
  }

  static invalid(message: string): MlflowError {
    return new MlflowError('INVALID_PARAMETER_VALUE', message);
  }

  static notFound(message: string): MlflowError {
    return new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
  }

  static exists(message: string): MlflowError {
    return new MlflowError('RESOURCE_ALREADY_EXISTS', message);
  }
}

/**
 * What MLflow's client sees of any failure: its own errors as they are, the platform's errors under
 * the code MLflow gives the same refusal (a lost race the use case could not win is worth a retry,
 * which MLflow's client makes on 503), and anything else as `INTERNAL_ERROR` naming only the request.
 */
export function toMlflowError(error: unknown, requestId: string): MlflowError {
  if (error instanceof MlflowError) return error;
  if (error instanceof ValidationError) return MlflowError.invalid(error.message);
  if (error instanceof NotFoundError) return MlflowError.notFound(error.message);
  if (error instanceof ConflictError) return new MlflowError('TEMPORARILY_UNAVAILABLE', error.message);
  if (error instanceof PlatformError) return MlflowError.invalid(error.message);
  return new MlflowError('INTERNAL_ERROR', `internal error; quote request id ${requestId} when reporting it`);
}
