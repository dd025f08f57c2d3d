import type { FieldIssue } from '../../lambda/shared/errors';

/**
 * A platform function refused or failed a request. `errorType` is the function's error type
 * (`ValidationError`, `NotFoundError`, `ConflictError`, `InternalError`), or the Lambda
 * runtime's own (`Sandbox.Timedout`, ...) when the function did not get to answer.
 */
export class MlopsError extends Error {
  override readonly name: string = 'MlopsError';
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request is malformed; nothing was written. Raised before invoking when the client can tell. */
export class ValidationError extends MlopsError {
  override readonly name = 'ValidationError';
  /** The bad fields, when the client found them; the function reports them only in the message. */
  readonly issues: readonly FieldIssue[];
  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super('ValidationError', message);
    this.issues = issues;
  }
}

export class NotFoundError extends MlopsError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super('NotFoundError', message);
  }
}

export class ConflictError extends MlopsError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super('ConflictError', message);
  }
}

export class InternalError extends MlopsError {
  override readonly name = 'InternalError';
  constructor(message: string) {
    super('InternalError', message);
  }
}

/** The client lacks what a call needs (a function name, the artifact bucket, a stack output). */
export class ConfigurationError extends MlopsError {
  override readonly name = 'ConfigurationError';
  constructor(message: string) {
    super('ConfigurationError', message);
  }
}

/**
 * Nothing answered at the platform's endpoint: nothing listens there (a stopped local platform, a
 * stale descriptor) or the network cannot reach it. Nothing was sent to a function.
 */
export class UnreachableError extends MlopsError {
  override readonly name = 'UnreachableError';
  constructor(
    /** The endpoint that did not answer, e.g. `http://127.0.0.1:4010`. */
    readonly endpoint: string,
    message: string,
  ) {
    super('UnreachableError', message);
  }
}

/** Builds the typed error for a function error payload (`{ errorType, errorMessage }`). */
export function fromFunctionError(errorType: string | undefined, errorMessage: string | undefined): MlopsError {
  const message = errorMessage ?? 'the function failed without a message';
  switch (errorType) {
    case 'ValidationError':
      return new ValidationError(message);
    case 'NotFoundError':
      return new NotFoundError(message);
    case 'ConflictError':
      return new ConflictError(message);
    case 'InternalError':
      return new InternalError(message);
    default:
      return new MlopsError(errorType ?? 'Unhandled', message);
  }
}

// The names before the platform had more than a registry; the same classes, so `instanceof` holds either way.
/** @deprecated Use {@link MlopsError}. */
export const RegistryError = MlopsError;
/** @deprecated Use {@link MlopsError}. */
export type RegistryError = MlopsError;
/** @deprecated Use {@link ValidationError}. */
export const RegistryValidationError = ValidationError;
/** @deprecated Use {@link ValidationError}. */
export type RegistryValidationError = ValidationError;
/** @deprecated Use {@link NotFoundError}. */
export const RegistryNotFoundError = NotFoundError;
/** @deprecated Use {@link NotFoundError}. */
export type RegistryNotFoundError = NotFoundError;
/** @deprecated Use {@link ConflictError}. */
export const RegistryConflictError = ConflictError;
/** @deprecated Use {@link ConflictError}. */
export type RegistryConflictError = ConflictError;
/** @deprecated Use {@link InternalError}. */
export const RegistryInternalError = InternalError;
/** @deprecated Use {@link InternalError}. */
export type RegistryInternalError = InternalError;
/** @deprecated Use {@link ConfigurationError}. */
export const RegistryConfigurationError = ConfigurationError;
/** @deprecated Use {@link ConfigurationError}. */
export type RegistryConfigurationError = ConfigurationError;
