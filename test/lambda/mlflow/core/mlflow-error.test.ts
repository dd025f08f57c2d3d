import { MlflowError, toMlflowError } from '../../../../lambda/mlflow/core/mlflow-error';
import { ConflictError, NotFoundError, ValidationError } from '../../../../lambda/shared/errors';

describe('toMlflowError', () => {
  test('gives a lost race (the optimistic retries ran out) TEMPORARILY_UNAVAILABLE, 503, which MLflow clients retry', () => {
    const refusal = toMlflowError(new ConflictError('run r1 kept changing while this batch was applied; retry it'), 'req-1');

    expect([refusal.errorCode, refusal.status, refusal.message]).toEqual([
      'TEMPORARILY_UNAVAILABLE',
      503,
      'run r1 kept changing while this batch was applied; retry it',
    ]);
  });

  test('keeps MLflow errors as they are, and gives the platform refusals MLflow codes', () => {
    const own = MlflowError.exists('Experiment(name=a) already exists.');

    expect(toMlflowError(own, 'req-1')).toBe(own);
    expect(toMlflowError(ValidationError.of('name', 'is required'), 'req-1').errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(toMlflowError(new NotFoundError('no such run'), 'req-1').status).toBe(404);
  });

  test('fails anything unexpected as INTERNAL_ERROR naming only the request id', () => {
    const refusal = toMlflowError(new Error('ECONNRESET at 10.0.0.1'), 'req-9');

    expect([refusal.errorCode, refusal.status, refusal.message]).toEqual(['INTERNAL_ERROR', 500, 'internal error; quote request id req-9 when reporting it']);
  });
});
