import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DeploymentsClient, DeploymentWaitTimeoutError } from '../../../client/deployments/deployments-client';
import { ConfigurationError, ConflictError, ValidationError } from '../../../client/shared/errors';
import type { DeploymentRecord } from '../../../lambda/deployments/core/model';
import { change, creatingDeployment, deployment } from '../../cli/commands/deployments/deployment-fixtures';
import { FakeClock } from '../../lambda/shared/fake-clock';
import { functionError, functionResult, sentPayload } from '../shared/lambda-responses';

const lambdaClient = new LambdaClient({ region: 'us-east-1' });
const lambda = mockClient(lambdaClient);
const functions = {
  createDeployment: 'create-fn',
  updateDeployment: 'update-fn',
  rollbackDeployment: 'rollback-fn',
  deleteDeployment: 'delete-fn',
  queryDeployments: 'query-fn',
};
const client = new DeploymentsClient({ functions, lambda: lambdaClient, retry: { sleep: async () => undefined } });

const invokes = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
const payloads = () => invokes().map(sentPayload) as Record<string, unknown>[];
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });

const fakeClock = () => {
  const clock = new FakeClock('2026-12-01T10:00:30.000Z');
  return { clock, sleeps: clock.sleeps };
};

beforeEach(() => lambda.reset());

describe('DeploymentsClient.create', () => {
  it('sends the request with its defaults and a generated client token to the create function, and retries throttling with the same token', async () => {
    // Arrange
    lambda.on(InvokeCommand).rejectsOnce(throttled()).resolves(functionResult(creatingDeployment()));

    // Act
    const created = await client.create({ name: 'churn-live', image: 'churn-scorer', version: 4, actor: 'ana@laptop' });

    // Assert
    expect(created).toEqual(creatingDeployment());
    expect(invokes().map((input) => input.FunctionName)).toEqual(['create-fn', 'create-fn']);
    const [first, second] = payloads();
    expect(first).toEqual({
      name: 'churn-live',
      image: 'churn-scorer',
      version: 4,
      compute: { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 },
      strategy: { kind: 'all-at-once', bakeMinutes: 10 },
      alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
      clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      actor: 'ana@laptop',
    });
    expect(second).toEqual(first);
  });

  it('refuses a canary on serverless before sending anything, naming strategy', async () => {
    const failure = client.create({ name: 'churn-live', image: 'churn-scorer', version: 4, strategy: { kind: 'canary' } });

    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'strategy' })] });
    expect(invokes()).toEqual([]);
  });

  it('refuses an instance type SageMaker does not host on, naming compute.instanceType', async () => {
    const failure = client.create({ name: 'churn-live', image: 'churn-scorer', version: 4, compute: { kind: 'instances', instanceType: 'ml.m5.huge' } });

    await expect(failure).rejects.toMatchObject({ issues: [{ path: 'compute.instanceType', message: expect.stringContaining('instance type') }] });
    expect(invokes()).toEqual([]);
  });

  it('fails with a configuration error, sending nothing, when no create function is known', async () => {
    const bare = new DeploymentsClient({ functions: {}, lambda: lambdaClient });

    await expect(bare.create({ name: 'churn-live', image: 'churn-scorer', version: 4 })).rejects.toBeInstanceOf(ConfigurationError);
    expect(invokes()).toEqual([]);
  });
});

describe('DeploymentsClient update and rollback', () => {
  it('does not retry an update: a second one after a lost answer would start another rollout', async () => {
    lambda.on(InvokeCommand).rejects(throttled());

    await expect(client.update({ name: 'churn-live', version: 5 })).rejects.toThrow('Rate exceeded');
    expect(invokes()).toHaveLength(1);
  });

  it('does not retry a rollback, and passes the function refusal on as its error class', async () => {
    lambda.on(InvokeCommand).resolves(functionError('ConflictError', 'deployment churn-live is UPDATING: SageMaker runs its rollout'));

    const failure = client.rollback({ name: 'churn-live' });

    await expect(failure).rejects.toBeInstanceOf(ConflictError);
    expect(invokes().map((input) => input.FunctionName)).toEqual(['rollback-fn']);
  });

  it('sends an update with its strategy to the update function', async () => {
    lambda.on(InvokeCommand).resolves(functionResult(deployment({ status: 'UPDATING' })));

    await client.update({ name: 'churn-live', version: 5, strategy: { kind: 'all-at-once', bakeMinutes: 2 } });

    expect(payloads()).toEqual([{ name: 'churn-live', version: 5, strategy: { kind: 'all-at-once', bakeMinutes: 2 } }]);
  });
});

describe('DeploymentsClient queries', () => {
  it('reads one deployment, a page of them and a page of history through the query function', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult(deployment()))
      .resolvesOnce(functionResult({ items: [deployment()] }))
      .resolvesOnce(functionResult({ items: [change()] }));

    expect(await client.getDeployment('churn-live')).toEqual(deployment());
    expect(await client.listDeployments({ limit: 10 })).toEqual({ items: [deployment()] });
    expect(await client.deploymentHistory('churn-live')).toEqual({ items: [change()] });
    expect(payloads()).toEqual([
      { query: 'getDeployment', name: 'churn-live' },
      { query: 'listDeployments', limit: 10 },
      { query: 'deploymentHistory', name: 'churn-live', limit: 25 },
    ]);
  });

  it('iterates every page of the history', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce(functionResult({ items: [change({ to: 'IN_SERVICE' })], nextToken: 't2' }))
      .resolvesOnce(functionResult({ items: [change()] }));

    const seen: string[] = [];
    for await (const entry of client.iterateHistory('churn-live')) seen.push(entry.to);

    expect(seen).toEqual(['IN_SERVICE', 'CREATING']);
    expect(payloads()[1]).toEqual({ query: 'deploymentHistory', name: 'churn-live', limit: 100, nextToken: 't2' });
  });
});

describe('DeploymentsClient.waitForDeployment', () => {
  const answer = (...records: DeploymentRecord[]) => records.reduce((mock, record) => mock.resolvesOnce(functionResult(record)), lambda.on(InvokeCommand));

  it('polls until the deployment settles, reporting each poll', async () => {
    answer(creatingDeployment(), deployment({ status: 'UPDATING' }), deployment());
    const { clock, sleeps } = fakeClock();
    const seen: string[] = [];

    const settled = await client.waitForDeployment('churn-live', { clock, pollIntervalMs: 3000, onProgress: (record) => seen.push(record.status) });

    expect(settled).toEqual(deployment());
    expect(seen).toEqual(['CREATING', 'UPDATING', 'IN_SERVICE']);
    expect(sleeps).toEqual([3000, 3000]);
  });

  it('returns a FAILED deployment as the answer', async () => {
    answer(creatingDeployment(), deployment({ status: 'FAILED', reason: 'the container did not pass its ping' }));

    expect((await client.waitForDeployment('churn-live', { clock: fakeClock().clock })).status).toBe('FAILED');
  });

  it('fails with the last record read at the timeout, never sleeping past it', async () => {
    lambda.on(InvokeCommand).resolves(functionResult(creatingDeployment()));
    const { clock, sleeps } = fakeClock();

    const failure = client.waitForDeployment('churn-live', { clock, pollIntervalMs: 4000, timeoutMs: 10_000 });

    await expect(failure).rejects.toBeInstanceOf(DeploymentWaitTimeoutError);
    await expect(failure).rejects.toThrow('deployment churn-live is still CREATING after 10 s of waiting');
    expect(sleeps).toEqual([4000, 4000, 2000]);
  });
});
