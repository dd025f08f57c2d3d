import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, type InvokeCommandInput, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { ValidationError } from '../../client/shared/errors';
import { invokeFunction } from '../../client/shared/function-invoker';
import { type LambdaServer, type LocalFunction, startLambdaServer } from '../../local/lambda-server';

/** Tiny ES module bundles standing in for the platform's handlers, each as `<name>/index.mjs`. */
const BUNDLES = {
  echo: `
    export const handler = async (event, context) => ({
      event,
      greeting: process.env.GREETING ?? null,
      parentVariable: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? null,
      runtimeFunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      context: {
        awsRequestId: context.awsRequestId,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        remainingTimeInMillis: context.getRemainingTimeInMillis(),
      },
    });`,
  refuse: `
    export const handler = async () => {
      const error = new Error('name: must not be empty');
      error.name = 'ValidationError';
      error.stack = 'ValidationError: name: must not be empty';
      throw error;
    };`,
  brokenAtImport: `
    if (!process.env.REGISTRY_TABLE_NAME) throw new Error('invalid function environment: REGISTRY_TABLE_NAME (Invalid input)');
    export const handler = async () => 'unreachable';`,
  counter: `
    let invocations = 0;
    export const handler = async ({ hang, exit }) => {
      invocations += 1;
      if (exit) process.exit(3);
      if (hang) await new Promise(() => {});
      return { invocations };
    };`,
  barrier: `
    let arrived = 0;
    let release;
    const everyoneArrived = new Promise((resolve) => (release = resolve));
    export const handler = async ({ parties }) => {
      arrived += 1;
      if (arrived >= parties) release();
      await everyoneArrived;
      return { arrived };
    };`,
  writeFile: `
    import { writeFileSync } from 'node:fs';
    export const handler = async ({ file, text }) => { writeFileSync(file, text); };`,
} as const;
type BundleName = keyof typeof BUNDLES;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const payloadOf = (value: unknown) => encoder.encode(JSON.stringify(value));
const parsePayload = (payload: Uint8Array | undefined) => JSON.parse(decoder.decode(payload));
const CREDENTIALS = { accessKeyId: 'LOCALTESTKEY', secretAccessKey: 'local-test-secret' };

interface RawAnswer {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly body: string;
}

/** Sends a request exactly as given (headers and all), as a web page or a forger could. */
function sendRaw(port: number, path: string, headers: Record<string, string>, body: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, errorType: response.headers['x-amzn-errortype'] as string | undefined, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The headers of an Invoke request signed as the SDK signs it, with `host` as the Host header. */
async function signedHeaders(options: {
  host: string;
  path: string;
  body: string;
  secretAccessKey?: string;
  signingDate?: Date;
}): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: { ...CREDENTIALS, secretAccessKey: options.secretAccessKey ?? CREDENTIALS.secretAccessKey },
    region: 'us-east-1',
    service: 'lambda',
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: options.host,
      path: options.path,
      query: {},
      headers: { host: options.host, 'content-type': 'application/json' },
      body: options.body,
    },
    { signingDate: options.signingDate },
  );
  return signed.headers;
}

describe('startLambdaServer', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'mlops-lambda-server-'));
  const bundlePath = (bundle: BundleName) => path.join(directory, bundle, 'index.mjs');
  const logLines: string[] = [];
  let server: LambdaServer;
  let lambda: LambdaClient;
  const invoke = (input: Partial<InvokeCommandInput> & { FunctionName: string }) => lambda.send(new InvokeCommand(input));

  beforeAll(async () => {
    for (const [bundle, source] of Object.entries(BUNDLES)) {
      mkdirSync(path.join(directory, bundle));
      writeFileSync(bundlePath(bundle as BundleName), source);
    }
    const functions: LocalFunction[] = [
      { name: 'Echo', bundlePath: bundlePath('echo'), environment: { GREETING: 'hello from Echo' }, memorySizeMb: 512 },
      { name: 'OtherEcho', bundlePath: bundlePath('echo'), environment: { GREETING: 'hello from OtherEcho' } },
      { name: 'Refuse', bundlePath: bundlePath('refuse'), environment: {} },
      { name: 'BrokenAtImport', bundlePath: bundlePath('brokenAtImport'), environment: {} },
      { name: 'Counter', bundlePath: bundlePath('counter'), environment: {}, timeoutMs: 300 },
      { name: 'Barrier', bundlePath: bundlePath('barrier'), environment: {}, timeoutMs: 10_000 },
      { name: 'WriteFile', bundlePath: bundlePath('writeFile'), environment: {} },
    ];
    server = await startLambdaServer({
      functions,
      credentials: CREDENTIALS,
      log: (line) => logLines.push(line),
      quietFunctions: new Set(['OtherEcho', 'Refuse']),
    });
    lambda = new LambdaClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  });

  afterAll(async () => {
    lambda?.destroy();
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  test("returns the handler's result as the payload, with the context Lambda passes", async () => {
    const response = await invoke({ FunctionName: 'Echo', Payload: payloadOf({ model: 'churn' }) });

    const body = parsePayload(response.Payload);
    expect(response).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(response.FunctionError).toBeUndefined();
    expect(body).toMatchObject({
      event: { model: 'churn' },
      runtimeFunctionName: 'Echo',
      context: {
        awsRequestId: response.$metadata.requestId,
        functionName: 'Echo',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Echo',
        memoryLimitInMB: '512',
      },
    });
    expect(body.context.remainingTimeInMillis).toBeGreaterThan(25_000);
    expect(body.context.remainingTimeInMillis).toBeLessThanOrEqual(30_000);
  });

  test('passes an empty object to the handler when the request has no payload', async () => {
    const response = await invoke({ FunctionName: 'Echo' });

    expect(parsePayload(response.Payload).event).toEqual({});
  });

  test('invokes a function named by its ARN, partial ARN or name with a qualifier', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:Echo:live';

    const responses = await Promise.all([
      invoke({ FunctionName: arn, Payload: payloadOf({}) }),
      invoke({ FunctionName: '123456789012:function:Echo', Payload: payloadOf({}) }),
      invoke({ FunctionName: 'Echo:live', Payload: payloadOf({}) }),
    ]);

    expect(responses.map(({ Payload }) => parsePayload(Payload).context.invokedFunctionArn)).toEqual([
      arn,
      'arn:aws:lambda:us-east-1:123456789012:function:Echo',
      'arn:aws:lambda:us-east-1:123456789012:function:Echo:live',
    ]);
  });

  test("gives each function its own environment and nothing of this process's", async () => {
    const [echo, otherEcho] = await Promise.all([invoke({ FunctionName: 'Echo' }), invoke({ FunctionName: 'OtherEcho' })]);

    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeDefined();
    expect(parsePayload(echo.Payload)).toMatchObject({ greeting: 'hello from Echo', parentVariable: null });
    expect(parsePayload(otherEcho.Payload)).toMatchObject({ greeting: 'hello from OtherEcho', runtimeFunctionName: 'OtherEcho' });
  });

  test('runs concurrent invocations of one function at the same time', async () => {
    const parties = 5;

    const responses = await Promise.all(Array.from({ length: parties }, () => invoke({ FunctionName: 'Barrier', Payload: payloadOf({ parties }) })));

    expect(responses.map(({ FunctionError }) => FunctionError)).toEqual(Array(parties).fill(undefined));
    expect(responses.map(({ Payload }) => parsePayload(Payload).arrived)).toEqual(Array(parties).fill(parties));
  });

  test("fails with FunctionError Unhandled and the error's type, message and stack lines as the payload", async () => {
    const response = await invoke({ FunctionName: 'Refuse', Payload: payloadOf({}) });

    expect(response).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST' });
    expect(decoder.decode(response.Payload)).toBe(
      JSON.stringify({ errorType: 'ValidationError', errorMessage: 'name: must not be empty', trace: ['ValidationError: name: must not be empty'] }),
    );
  });

  test("fails through the platform client's invokeFunction with the error class of the function's error type", async () => {
    await expect(invokeFunction(lambda, 'Refuse', {})).rejects.toThrow(new ValidationError('name: must not be empty'));
  });

  test('fails with ResourceNotFoundException for a function it does not serve', async () => {
    const invocation = invoke({ FunctionName: 'Missing', Payload: payloadOf({}) });

    await expect(invocation).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(invocation).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:Missing',
      Type: 'User',
      $metadata: { httpStatusCode: 404 },
    });
  });

  test('fails with InvalidRequestContentException for a payload that is not JSON', async () => {
    const invocation = invoke({ FunctionName: 'Echo', Payload: encoder.encode('{"model": churn}') });

    await expect(invocation).rejects.toMatchObject({ name: 'InvalidRequestContentException', Type: 'User', $metadata: { httpStatusCode: 400 } });
    await expect(invocation).rejects.toThrow(/^Could not parse request body into json/);
  });

  test('fails with RequestTooLargeException for a payload over the 6 MB limit', async () => {
    const invocation = invoke({ FunctionName: 'Echo', Payload: payloadOf({ weights: 'x'.repeat(6 * 1024 * 1024) }) });

    await expect(invocation).rejects.toMatchObject({ name: 'RequestTooLargeException', Type: 'User', $metadata: { httpStatusCode: 413 } });
  });

  test('fails every invocation of a bundle that throws at import with its init error, and serves the other functions', async () => {
    const responses = await Promise.all([invoke({ FunctionName: 'BrokenAtImport' }), invoke({ FunctionName: 'BrokenAtImport' })]);
    const echo = await invoke({ FunctionName: 'Echo' });

    for (const response of responses) {
      expect(response.FunctionError).toBe('Unhandled');
      expect(parsePayload(response.Payload)).toMatchObject({
        errorType: 'Error',
        errorMessage: 'invalid function environment: REGISTRY_TABLE_NAME (Invalid input)',
      });
    }
    expect(echo.FunctionError).toBeUndefined();
  });

  test('fails an invocation that runs past its timeout with Sandbox.Timedout, and the next one starts a fresh sandbox', async () => {
    await invoke({ FunctionName: 'Counter', Payload: payloadOf({}) });
    const warm = await invoke({ FunctionName: 'Counter', Payload: payloadOf({}) });

    const timedOut = await invoke({ FunctionName: 'Counter', Payload: payloadOf({ hang: true }) });
    const afterTimeout = await invoke({ FunctionName: 'Counter', Payload: payloadOf({}) });

    expect(parsePayload(warm.Payload)).toEqual({ invocations: 2 });
    expect(timedOut.FunctionError).toBe('Unhandled');
    expect(parsePayload(timedOut.Payload)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${timedOut.$metadata.requestId} Error: Task timed out after 0.30 seconds`,
    });
    expect(parsePayload(afterTimeout.Payload)).toEqual({ invocations: 1 });
  });

  test('fails an invocation whose function exits with Runtime.ExitError, and the next one starts a fresh sandbox', async () => {
    const exited = await invoke({ FunctionName: 'Counter', Payload: payloadOf({ exit: true }) });
    const afterExit = await invoke({ FunctionName: 'Counter', Payload: payloadOf({}) });

    expect(exited.FunctionError).toBe('Unhandled');
    expect(parsePayload(exited.Payload)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${exited.$metadata.requestId} Error: Runtime exited with error: exit status 3`,
    });
    expect(parsePayload(afterExit.Payload)).toEqual({ invocations: 1 });
  });

  test('answers an Event invocation with 202 at once and runs it in the background', async () => {
    const file = path.join(directory, 'event-ran.txt');

    const response = await invoke({ FunctionName: 'WriteFile', InvocationType: 'Event', Payload: payloadOf({ file, text: 'ran' }) });
    await waitFor(() => existsSync(file));

    expect(response.StatusCode).toBe(202);
    expect(response.Payload ?? new Uint8Array()).toHaveLength(0);
    expect(readFileSync(file, 'utf8')).toBe('ran');
  });

  test('answers a DryRun with 204 without running the function', async () => {
    const file = path.join(directory, 'dry-run-ran.txt');

    const response = await invoke({ FunctionName: 'WriteFile', InvocationType: 'DryRun', Payload: payloadOf({ file, text: 'ran' }) });

    expect(response.StatusCode).toBe(204);
    expect(existsSync(file)).toBe(false);
  });

  test('logs one line per invocation with the function, request id, duration and outcome', async () => {
    const ok = await invoke({ FunctionName: 'Echo' });
    const refused = await invoke({ FunctionName: 'Refuse' });

    expect(logLines).toContainEqual(expect.stringMatching(new RegExp(`^Echo ${ok.$metadata.requestId} \\d+ ms ok$`)));
    expect(logLines).toContainEqual(expect.stringMatching(new RegExp(`^Refuse ${refused.$metadata.requestId} \\d+ ms ValidationError$`)));
  });

  test("logs only the failures of a quiet function's Event invocations (a schedule firing each second)", async () => {
    const quietOk = await invoke({ FunctionName: 'OtherEcho', InvocationType: 'Event' });
    const quietFailed = await invoke({ FunctionName: 'Refuse', InvocationType: 'Event' });
    const loud = await invoke({ FunctionName: 'Echo', InvocationType: 'Event' });
    const logged = (requestId: string | undefined) => logLines.some((line) => line.includes(` ${requestId} `));
    for (let attempt = 0; attempt < 100 && !(logged(quietFailed.$metadata.requestId) && logged(loud.$metadata.requestId)); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(logLines).toContainEqual(expect.stringMatching(new RegExp(`^Refuse ${quietFailed.$metadata.requestId} \\d+ ms ValidationError.* \\(Event\\)$`)));
    expect(logLines).toContainEqual(expect.stringMatching(new RegExp(`^Echo ${loud.$metadata.requestId} \\d+ ms ok.* \\(Event\\)$`)));
    expect(logged(quietOk.$metadata.requestId)).toBe(false);
  });

  describe('refuses what a web page or a forger sends, and runs nothing', () => {
    const writeFilePath = '/2015-03-31/functions/WriteFile/invocations';
    const attempt = (name: string) => {
      const file = path.join(directory, `${name}.txt`);
      return { file, body: JSON.stringify({ file, text: 'ran' }) };
    };
    const port = () => server.port;
    const ownHost = () => `127.0.0.1:${server.port}`;

    test('a cross-origin text/plain POST (no preflight needed) is refused with 403', async () => {
      const { file, body } = attempt('cross-origin');

      const answer = await sendRaw(port(), writeFilePath, { 'Content-Type': 'text/plain', Origin: 'http://attacker.example' }, body);

      expect(answer).toMatchObject({ status: 403, errorType: 'AccessDeniedException' });
      expect(answer.body).toContain('requests from web pages (Origin \\"http://attacker.example\\") are refused');
      expect(existsSync(file)).toBe(false);
    });

    test('a foreign Origin is refused even on a signed request', async () => {
      const { file, body } = attempt('signed-cross-origin');
      const headers = await signedHeaders({ host: ownHost(), path: writeFilePath, body });

      const answer = await sendRaw(port(), writeFilePath, { ...headers, Origin: 'http://attacker.example' }, body);

      expect(answer).toMatchObject({ status: 403, errorType: 'AccessDeniedException' });
      expect(existsSync(file)).toBe(false);
    });

    test('a Host that is not loopback (DNS rebinding) is refused with 403, even signed', async () => {
      const { file, body } = attempt('rebound-host');
      const host = `rebound.attacker.example:${server.port}`;

      const answer = await sendRaw(port(), writeFilePath, await signedHeaders({ host, path: writeFilePath, body }), body);

      expect(answer).toMatchObject({ status: 403, errorType: 'AccessDeniedException' });
      expect(answer.body).toContain("is not this machine's loopback address");
      expect(existsSync(file)).toBe(false);
    });

    test('an unsigned request is refused with 403 MissingAuthenticationTokenException', async () => {
      const { file, body } = attempt('unsigned');

      const answer = await sendRaw(port(), writeFilePath, { 'Content-Type': 'application/json' }, body);

      expect(answer).toMatchObject({ status: 403, errorType: 'MissingAuthenticationTokenException' });
      expect(existsSync(file)).toBe(false);
    });

    test('a request signed with another secret is refused with 403 InvalidSignatureException', async () => {
      const { file, body } = attempt('wrong-secret');
      const wrong = new LambdaClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { ...CREDENTIALS, secretAccessKey: 'guessed' } });

      const invocation = wrong.send(new InvokeCommand({ FunctionName: 'WriteFile', Payload: encoder.encode(body) }));

      await expect(invocation).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
      wrong.destroy();
      expect(existsSync(file)).toBe(false);
    });

    test('a request signed with another access key is refused with 403 UnrecognizedClientException', async () => {
      const { file, body } = attempt('wrong-key');
      const wrong = new LambdaClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

      const invocation = wrong.send(new InvokeCommand({ FunctionName: 'WriteFile', Payload: encoder.encode(body) }));

      await expect(invocation).rejects.toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
      wrong.destroy();
      expect(existsSync(file)).toBe(false);
    });

    test('a signed request whose body was changed, or signed too long ago, is refused with 403', async () => {
      const { file, body } = attempt('tampered');
      const signed = await signedHeaders({ host: ownHost(), path: writeFilePath, body: '{}' });
      const stale = await signedHeaders({ host: ownHost(), path: writeFilePath, body, signingDate: new Date(Date.now() - 10 * 60_000) });

      const answers = [await sendRaw(port(), writeFilePath, signed, body), await sendRaw(port(), writeFilePath, stale, body)];

      expect(answers.map(({ status, errorType }) => ({ status, errorType }))).toEqual([
        { status: 403, errorType: 'InvalidSignatureException' },
        { status: 403, errorType: 'InvalidSignatureException' },
      ]);
      expect(answers[1].body).toContain('Signature expired');
      expect(existsSync(file)).toBe(false);
    });

    test('the same request, signed with the credentials and sent to its own host, runs', async () => {
      const { file, body } = attempt('signed');

      const answer = await sendRaw(port(), writeFilePath, await signedHeaders({ host: ownHost(), path: writeFilePath, body }), body);

      expect(answer.status).toBe(200);
      expect(readFileSync(file, 'utf8')).toBe('ran');
    });
  });

  test('fails to start when a bundle does not exist', async () => {
    const starting = startLambdaServer({
      credentials: CREDENTIALS,
      functions: [{ name: 'Ghost', bundlePath: path.join(directory, 'ghost', 'index.mjs'), environment: {} }],
    });

    await expect(starting).rejects.toThrow(/function Ghost has no bundle at .*ghost\/index\.mjs/);
  });

  test('fails to start with two functions of the same name', async () => {
    const echo = { name: 'Echo', bundlePath: bundlePath('echo'), environment: {} };

    await expect(startLambdaServer({ credentials: CREDENTIALS, functions: [echo, echo] })).rejects.toThrow(
      'function names must be unique: Echo appear more than once',
    );
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
