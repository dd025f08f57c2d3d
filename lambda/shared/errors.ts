/** One bad field in a request: `path` names it the way a caller wrote it (`metrics.auc`, `datasets[0].uri`). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The error types a caller can rely on. They reach the caller as the Lambda `errorType`, so a Step
 * Functions `Catch` can match them by name. They are part of the public API: never rename one.
 */
export type ErrorType = 'ValidationError' | 'NotFoundError' | 'ConflictError' | 'InternalError';

/** A failure the caller can act on; its message is safe to show them. */
export abstract class PlatformError extends Error {
  abstract readonly errorType: Exclude<ErrorType, 'InternalError'>;
}

/** The request is malformed or refers to something unusable; nothing was written. */
export class ValidationError extends PlatformError {
  readonly errorType = 'ValidationError';
  override readonly name = 'ValidationError';
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }

  static of(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

/** The model, version, alias or run named in the request does not exist. */
export class NotFoundError extends PlatformError {
  readonly errorType = 'NotFoundError';
  override readonly name = 'NotFoundError';
}

/** The request lost a race or contradicts the current state (a moved alias, a reused client token). */
export class ConflictError extends PlatformError {
  readonly errorType = 'ConflictError';
  override readonly name = 'ConflictError';
}
