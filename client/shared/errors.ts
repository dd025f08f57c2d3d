import type { FieldIssue } from '../../lambda/shared/errors';

/**
 * A registry function refused or failed a request. `errorType` is the function's error type
 * (`ValidationError`, `NotFoundError`, `ConflictError`, `InternalError`), or the Lambda
 * runtime's own (`Sandbox.Timedout`, ...) when the function did not get to answer.
 */
export class RegistryError extends Error {
  override readonly name: string = 'RegistryError';
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request is malformed; nothing was written. Raised before invoking when the client can tell. */
export class RegistryValidationError extends RegistryError {
  override readonly name = 'RegistryValidationError';
  /** The bad fields, when the client found them; the function reports them only in the message. */
  readonly issues: readonly FieldIssue[];
  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super('ValidationError', message);
    this.issues = issues;
  }
}

export class RegistryNotFoundError extends RegistryError {
  override readonly name = 'RegistryNotFoundError';
  constructor(message: string) {
    super('NotFoundError', message);
  }
}

export class RegistryConflictError extends RegistryError {
  override readonly name = 'RegistryConflictError';
  constructor(message: string) {
    super('ConflictError', message);
  }
}

export class RegistryInternalError extends RegistryError {
  override readonly name = 'RegistryInternalError';
  constructor(message: string) {
    super('InternalError', message);
  }
}

/** The client lacks what a call needs (a function name, the artifact bucket, a stack output). */
export class RegistryConfigurationError extends RegistryError {
  override readonly name = 'RegistryConfigurationError';
  constructor(message: string) {
    super('ConfigurationError', message);
  }
}

/** Builds the typed error for a function error payload (`{ errorType, errorMessage }`). */
export function fromFunctionError(errorType: string | undefined, errorMessage: string | undefined): RegistryError {
  const message = errorMessage ?? 'the function failed without a message';
  switch (errorType) {
    case 'ValidationError':
      return new RegistryValidationError(message);
    case 'NotFoundError':
      return new RegistryNotFoundError(message);
    case 'ConflictError':
      return new RegistryConflictError(message);
    case 'InternalError':
      return new RegistryInternalError(message);
    default:
      return new RegistryError(errorType ?? 'Unhandled', message);
  }
}
