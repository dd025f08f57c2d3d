import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { CapturedInvocation } from '../../local/endpoint-capture';
import type { InvocationSample } from '../../local/endpoint-metrics';
import type { CaptureSettings, InvocationTarget } from '../../local/sagemaker-endpoints';
import { type SageMakerRuntimeServer, startSageMakerRuntimeServer } from '../../local/sagemaker-runtime-server';

const credentials = { accessKeyId: 'LOCALTEST', secretAccessKey: 'secret' };
const CAPTURE: CaptureSettings = { destination: 's3://monitoring/captured/mlops-churn/main', samplingPercentage: 100, customAttributes: true };

/** A container that answers as told, and remembers the headers it was sent. */
async function fakeShim(answer: { status: number; body: string }): Promise<{ url: string; received: IncomingHttpHeaders[]; server: Server }> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    received.push(request.headers);
    request.resume();
    request.on('end', () => response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

describe('the local SageMaker Runtime', () => {
  let runtime: SageMakerRuntimeServer;
  let shims: Awaited<ReturnType<typeof fakeShim>>[];
  let samples: InvocationSample[];
  let captured: CapturedInvocation[];
  let routes: Record<string, InvocationTarget>;

  async function start(): Promise<SageMakerRuntimeClient> {
    runtime = await startSageMakerRuntimeServer({
      route: (endpoint, variant) => routes[`${endpoint}/${variant ?? ''}`] ?? routes[endpoint],
      credentials: [credentials],
      metrics: { record: (sample) => samples.push(sample) },
      capture: { add: (_settings, invocation) => captured.push(invocation) },
    });
    // One attempt: the SDK retries a 500, and each attempt is counted.
    return new SageMakerRuntimeClient({ region: 'us-east-1', credentials, endpoint: runtime.endpoint, maxAttempts: 1 });
  }

  beforeEach(() => {
    shims = [];
    samples = [];
    captured = [];
  });
  afterEach(async () => {
    await runtime?.stop();
    for (const { server } of shims) server.close();
  });

  it('passes the request to the routed fleet as SageMaker passes it to a container, names the variant, counts and captures it', async () => {
    const shim = await fakeShim({ status: 200, body: '{"predictions":[0.25]}' });
    shims.push(shim);
    routes = { 'mlops-churn': { endpoint: 'mlops-churn', endpointConfig: 'mlops-churn-2', variant: 'main', url: shim.url, capture: CAPTURE } };
    const client = await start();

    const answer = await client.send(
      new InvokeEndpointCommand({
        EndpointName: 'mlops-churn',
        ContentType: 'text/csv',
        Accept: 'application/json',
        Body: Buffer.from('1,2\n'),
        CustomAttributes: 'caller=alice',
        InferenceId: 'req-7',
      }),
    );

    expect(Buffer.from(answer.Body!).toString()).toBe('{"predictions":[0.25]}');
    expect(answer).toMatchObject({ ContentType: 'application/json', InvokedProductionVariant: 'main' });
    expect(shim.received[0]).toMatchObject({
      'content-type': 'text/csv',
      accept: 'application/json',
      'x-amzn-sagemaker-custom-attributes': 'caller=alice',
      'x-amzn-sagemaker-inference-id': 'req-7',
    });
    expect(shim.received[0].authorization).toBeUndefined();
    expect(samples).toEqual([expect.objectContaining({ endpoint: 'mlops-churn', variant: 'main', endpointConfig: 'mlops-churn-2', status: 200 })]);
    expect(captured).toEqual([
      expect.objectContaining({ inferenceId: 'req-7', customAttributes: 'caller=alice', input: { contentType: 'text/csv', body: Buffer.from('1,2\n') } }),
    ]);
  });

  it('fails a container 5xx or 4xx as ModelError 424 with its status and message, counted and not captured', async () => {
    const broken = await fakeShim({ status: 500, body: '{"error":"run() failed: RuntimeError: broken"}' });
    const refusing = await fakeShim({ status: 415, body: '{"error":"unsupported content type"}' });
    shims.push(broken, refusing);
    routes = {
      'mlops-churn': { endpoint: 'mlops-churn', endpointConfig: 'mlops-churn-2', variant: 'main', url: broken.url, capture: CAPTURE },
      'mlops-churn/strict': { endpoint: 'mlops-churn', endpointConfig: 'mlops-churn-2', variant: 'strict', url: refusing.url },
    };
    const client = await start();
    const send = (TargetVariant?: string) =>
      client
        .send(new InvokeEndpointCommand({ EndpointName: 'mlops-churn', ContentType: 'text/csv', Body: Buffer.from('1\n'), TargetVariant }))
        .catch((error) => error);

    const [serverError, clientError] = [await send(), await send('strict')];

    expect(serverError).toMatchObject({
      name: 'ModelError',
      OriginalStatusCode: 500,
      OriginalMessage: '{"error":"run() failed: RuntimeError: broken"}',
      LogStreamArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/mlops-churn',
      $metadata: { httpStatusCode: 424 },
    });
    expect(serverError.message).toContain('Received server error (500) from primary');
    expect(clientError).toMatchObject({ name: 'ModelError', OriginalStatusCode: 415 });
    expect(samples.map(({ status, variant }) => [variant, status])).toEqual([
      ['main', 500],
      ['strict', 415],
    ]);
    expect(captured).toEqual([]);
  });

  it('fails an endpoint nothing serves with ValidationError, and an unreachable container as a 5xx', async () => {
    routes = { 'mlops-gone': { endpoint: 'mlops-gone', endpointConfig: 'mlops-gone-1', variant: 'main', url: 'http://127.0.0.1:1' } };
    const client = await start();
    const send = (EndpointName: string) =>
      client.send(new InvokeEndpointCommand({ EndpointName, ContentType: 'text/csv', Body: Buffer.from('1\n') })).catch((error) => error);

    expect(await send('mlops-nope')).toMatchObject({ name: 'ValidationError', message: 'Endpoint mlops-nope of account 123456789012 not found.' });
    expect(await send('mlops-gone')).toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
    expect(samples).toEqual([expect.objectContaining({ endpoint: 'mlops-gone', status: 500 })]);
  });
});
