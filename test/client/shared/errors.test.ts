import * as errors from '../../../client/shared/errors';

describe('client errors', () => {
  it.each([
    ['ValidationError', 'ValidationError'],
    ['NotFoundError', 'NotFoundError'],
    ['ConflictError', 'ConflictError'],
    ['InternalError', 'InternalError'],
  ] as const)('maps the function error type %s to the platform class of that name', (errorType, name) => {
    const error = errors.fromFunctionError(errorType, 'refused');

    expect(error).toBeInstanceOf(errors.MlopsError);
    expect(error.name).toBe(name);
    expect(error.errorType).toBe(errorType);
  });

  it('keeps an unknown error type as a plain MlopsError', () => {
    const error = errors.fromFunctionError('Sandbox.Timedout', undefined);

    expect(error.constructor).toBe(errors.MlopsError);
    expect(error.errorType).toBe('Sandbox.Timedout');
  });

  it('keeps the old Registry names as aliases of the same classes, so instanceof holds either way', () => {
    const error = new errors.NotFoundError('gone');

    expect(errors.RegistryError).toBe(errors.MlopsError);
    expect(error).toBeInstanceOf(errors.RegistryNotFoundError);
    expect(new errors.RegistryValidationError('bad')).toBeInstanceOf(errors.ValidationError);
    expect(errors.RegistryConflictError).toBe(errors.ConflictError);
    expect(errors.RegistryInternalError).toBe(errors.InternalError);
    expect(errors.RegistryConfigurationError).toBe(errors.ConfigurationError);
  });
});
