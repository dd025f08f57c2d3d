import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RegistryClient } from '../../../client/registry/registry-client';
import { ConfigurationError, ConflictError, InternalError, MlopsError, NotFoundError, ValidationError } from '../../../client/shared/errors';
import { functionError, functionResult, sentPayload } from '../shared/lambda-responses';

const lambdaClient = new LambdaClient({ region: 'us-east-1' });
const lambda = mockClient(lambdaClient);
const functions = { registerModel: 'register-fn', setModelAlias: 'alias-fn', queryRegistry: 'query-fn' };
const noWait = { sleep: async () => undefined };
const client = new RegistryClient({ functions, lambda: lambdaClient, retry: noWait });

const invokes = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);

beforeEach(() => {
  lambda.reset();
});

describe('RegistryClient requests', () => {
  it('invokes the query function synchronously with the request as JSON and returns the decoded answer', async () => {
    // Arrange
    const details = { name: 'fraud', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-02T00:00:00Z', latestVersion: 3, aliases: { prod: 2 } };
    lambda.on(InvokeCommand).resolves(functionResult(details));

    // Act
    const model = await client.getModel('fraud');

    // Assert
    expect(model).toEqual(details);
    expect(invokes()).toHaveLength(1);
    expect(invokes()[0]).toMatchObject({ FunctionName: 'query-fn', InvocationType: 'RequestResponse' });
    expect(sentPayload(invokes()[0])).toEqual({ query: 'getModel', name: 'fraud' });
  });

  it('sends alias moves to the alias function with the compare-and-set guard', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ name: 'fraud', alias: 'prod', version: 3, revision: 2, changed: true }));

    const result = await client.setAlias({ name: 'fraud', alias: 'prod', version: 3, expectedVersion: null, actor: 'ana@laptop' });

    expect(result.changed).toBe(true);
    expect(invokes()[0].FunctionName).toBe('alias-fn');
    expect(sentPayload(invokes()[0])).toEqual({ name: 'fraud', alias: 'prod', version: 3, expectedVersion: null, actor: 'ana@laptop' });
  });

  it('sends the normalized register request (defaults filled, digest lowercased)', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ name: 'fraud', version: 1 }));

    await client.registerModel({ name: 'fraud', artifact: { uri: 's3://artifacts-bucket/m.tar.gz', sha256: 'AB'.repeat(32) } });

    expect(invokes()[0].FunctionName).toBe('register-fn');
    expect(sentPayload(invokes()[0])).toEqual({
      name: 'fraud',
      artifact: { uri: 's3://artifacts-bucket/m.tar.gz', sha256: 'ab'.repeat(32) },
      metrics: {},
      parameters: {},
      tags: {},
      properties: {},
      datasets: [],
    });
  });

  it.each([
    [3, { version: 3 }],
    ['latest', { version: 'latest' }],
    ['v12', { version: 12 }],
    ['prod', { alias: 'prod' }],
  ] as const)('resolves version reference %p as %p', async (ref, selector) => {
    lambda.on(InvokeCommand).resolves(functionResult({ name: 'fraud', version: 3 }));

    await client.getVersion('fraud', ref);

    expect(sentPayload(invokes()[0])).toEqual({ query: 'getVersion', name: 'fraud', ...selector });
  });

  it('asks for the latest version when no reference is given', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ name: 'fraud', version: 3 }));

    await client.getVersion('fraud');

    expect(sentPayload(invokes()[0])).toEqual({ query: 'getVersion', name: 'fraud', version: 'latest' });
  });
});

describe('RegistryClient errors', () => {
  it.each([
    ['ValidationError', ValidationError],
    ['NotFoundError', NotFoundError],
    ['ConflictError', ConflictError],
    ['InternalError', InternalError],
  ] as const)('fails with the typed error for a function %s, keeping its message', async (errorType, errorClass) => {
    lambda.on(InvokeCommand).resolves(functionError(errorType, 'what went wrong'));

    const failure = client.getModel('fraud');

    await expect(failure).rejects.toBeInstanceOf(errorClass);
    await expect(failure).rejects.toMatchObject({ errorType, message: 'what went wrong' });
  });

  it('fails with a MlopsError carrying the runtime error type when the function did not answer', async () => {
    lambda.on(InvokeCommand).resolves(functionError('Runtime.ImportModuleError', 'cannot find module'));

    const failure = client.setAlias({ name: 'fraud', alias: 'prod', version: 1 });

    await expect(failure).rejects.toBeInstanceOf(MlopsError);
    await expect(failure).rejects.toMatchObject({ errorType: 'Runtime.ImportModuleError', message: 'cannot find module' });
  });

  it('fails client-side with the server message format and invokes nothing', async () => {
    const failure = client.registerModel({
      name: '-bad',
      artifact: { uri: 'not-a-uri' },
      metrics: { auc: Number.NaN },
    });

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(/^name: must start with a letter or digit.*; artifact\.uri: must be an S3 URI.*; metrics\.auc: /);
    expect(invokes()).toHaveLength(0);
  });

  it('fails client-side on an unknown field, naming it', async () => {
    const request = { name: 'fraud', alias: 'prod', version: 1, colour: 'red' } as never;

    await expect(client.setAlias(request)).rejects.toThrow('colour: is not a known field');
    expect(invokes()).toHaveLength(0);
  });

  it('fails with a configuration error when the needed function is not configured', async () => {
    const readOnly = new RegistryClient({ functions: { queryRegistry: 'query-fn' }, lambda: lambdaClient });

    await expect(readOnly.setAlias({ name: 'fraud', alias: 'prod', version: 1 })).rejects.toBeInstanceOf(ConfigurationError);
    expect(invokes()).toHaveLength(0);
  });

  it('retries a read after throttling', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });
    lambda
      .on(InvokeCommand)
      .rejectsOnce(throttled)
      .resolves(functionResult({ items: [] }));

    const page = await client.listModels();

    expect(page.items).toEqual([]);
    expect(invokes()).toHaveLength(2);
  });

  it('fails without retrying a register request that has no client token', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    lambda.on(InvokeCommand).rejects(throttled);

    await expect(client.registerModel({ name: 'fraud', artifact: { uri: 's3://artifacts-bucket/m' } })).rejects.toThrow('Rate exceeded');
    expect(invokes()).toHaveLength(1);
  });
});

describe('RegistryClient pagination', () => {
  it('iterates over every page, passing each next token back', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult({ items: [{ version: 3 }, { version: 2 }], nextToken: 'page-2' }))
      .resolvesOnce(functionResult({ items: [{ version: 1 }] }));

    const versions: number[] = [];
    for await (const version of client.iterateVersions('fraud', { limit: 2 })) versions.push(version.version);

    expect(versions).toEqual([3, 2, 1]);
    expect(invokes().map(sentPayload)).toEqual([
      { query: 'listVersions', name: 'fraud', limit: 2 },
      { query: 'listVersions', name: 'fraud', limit: 2, nextToken: 'page-2' },
    ]);
  });

  it('iterates tag searches and alias history with their filters', async () => {
    lambda.on(InvokeCommand).resolves(functionResult({ items: [{ name: 'fraud' }] }));

    const found = [];
    for await (const version of client.iterateFoundVersions({ key: 'stage', value: 'gold' }, { name: 'fraud' })) found.push(version);
    const moves = [];
    for await (const move of client.iterateAliasHistory('fraud', 'prod')) moves.push(move);

    expect(found).toHaveLength(1);
    expect(moves).toHaveLength(1);
    expect(invokes().map(sentPayload)).toEqual([
      { query: 'findVersions', tag: { key: 'stage', value: 'gold' }, name: 'fraud', limit: 25 },
      { query: 'aliasHistory', name: 'fraud', alias: 'prod', limit: 25 },
    ]);
  });
});
