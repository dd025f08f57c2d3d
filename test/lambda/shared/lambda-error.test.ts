import { ConflictError, NotFoundError, ValidationError } from '../../../lambda/shared/errors';
import { toLambdaError } from '../../../lambda/shared/lambda-error';

const REQUEST_ID = 'c0ffee00-1234-4bcd-9876-000000000001';

describe('toLambdaError', () => {
  it.each([
    ['ValidationError', ValidationError.of('artifact.uri', 'must be an S3 URI')],
    ['NotFoundError', new NotFoundError('no model named "churn"')],
    ['ConflictError', new ConflictError('alias "prod" of churn points at version 2')],
  ])('keeps the type and message of a %s', (errorType, error) => {
    const thrown = toLambdaError(error, REQUEST_ID);

    expect(thrown.name).toBe(errorType);
    expect(thrown.message).toBe(error.message);
  });

  it('turns any other error into an InternalError naming only the request id', () => {
    const internal = new Error('User: arn:aws:sts::123456789012:assumed-role/registry/fn is not authorized to perform: dynamodb:GetItem');

    const thrown = toLambdaError(internal, REQUEST_ID);

    expect(thrown.name).toBe('InternalError');
    expect(thrown.message).toContain(REQUEST_ID);
    expect(thrown.message).not.toMatch(/arn:|dynamodb|authorized/);
  });

  it('turns a thrown non-error into an InternalError', () => {
    expect(toLambdaError('a string', REQUEST_ID).name).toBe('InternalError');
  });

  it('cuts the stack to the one line the caller sees', () => {
    const thrown = toLambdaError(new NotFoundError('no model named "churn"'), REQUEST_ID);

    expect(thrown.stack).toBe('NotFoundError: no model named "churn"');
  });

  it('cuts the stack of an InternalError to its one line, leaving no file paths', () => {
    const thrown = toLambdaError(new Error('boom'), REQUEST_ID);

    expect(thrown.stack?.split('\n')).toHaveLength(1);
    expect(thrown.stack).not.toContain('boom');
    expect(thrown.stack).not.toMatch(/\.ts|\.js|node_modules/);
  });
});
