import { createServer } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { MlopsError, UnreachableError } from '../../../client/shared/errors';
import { invokeFunction } from '../../../client/shared/function-invoker';
import { functionResult } from './lambda-responses';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A loopback port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('invokeFunction', () => {
  it('returns the decoded answer of the function', async () => {
    const lambda = new LambdaClient({ region: 'us-east-1', credentials });
    mockClient(lambda)
      .on(InvokeCommand)
      .resolves(functionResult({ ok: true }));

    await expect(invokeFunction(lambda, 'fn', {})).resolves.toEqual({ ok: true });
  });

  it('fails with an UnreachableError naming the endpoint when nothing listens there', async () => {
    const port = await closedPort();
    const lambda = new LambdaClient({ region: 'us-east-1', credentials, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });

    const failure = invokeFunction(lambda, 'fn', {});

    await expect(failure).rejects.toBeInstanceOf(UnreachableError);
    await expect(failure).rejects.toMatchObject({
      errorType: 'UnreachableError',
      endpoint: `http://127.0.0.1:${port}`,
      message: expect.stringMatching(new RegExp(`^no platform answers at http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED`)),
    });
  });

  it('fails with an UnreachableError naming the regional host when its name does not resolve', async () => {
    const lambda = new LambdaClient({ region: 'us-east-1', credentials });
    const lookupFailure = Object.assign(new Error('getaddrinfo ENOTFOUND lambda.us-east-1.amazonaws.com'), {
      code: 'ENOTFOUND',
      hostname: 'lambda.us-east-1.amazonaws.com',
    });
    mockClient(lambda).on(InvokeCommand).rejects(lookupFailure);

    await expect(invokeFunction(lambda, 'fn', {})).rejects.toMatchObject({ name: 'UnreachableError', endpoint: 'https://lambda.us-east-1.amazonaws.com' });
  });

  it('passes on a failure that is not the network as it came', async () => {
    const lambda = new LambdaClient({ region: 'us-east-1', credentials });
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    mockClient(lambda).on(InvokeCommand).rejects(denied);

    const failure = invokeFunction(lambda, 'fn', {});

    await expect(failure).rejects.toBe(denied);
    await expect(failure).rejects.not.toBeInstanceOf(MlopsError);
  });
});
