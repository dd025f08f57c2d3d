import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys as trackingKeys } from '../../../../lambda/experiments/adapters/table-keys';
import { apiGatewayEvent } from '../../../support/api-gateway-event';
import { EXPERIMENT, RUN_ID } from '../../experiments/handlers/handler-scenarios';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { clearSentCommands, dynamoMock, invoke, type PlatformFakes, REQUEST_ID, resetSdkMocks, sentCommands } from '../../handler-support/sdk-mocks';
import { MODEL } from '../../registry/handlers/handler-scenarios';
import { ARTIFACT_BUCKET, EXPERIMENT_ID, mlflowApiScenarios, mlflowRequest } from './handler-scenarios';

type Answer = { statusCode: number; headers: Record<string, string>; body: string };

const scenario = (name: string) => scenarioNamed(mlflowApiScenarios, name);
const answer = (result: unknown) => result as Answer;
const bodyOf = (result: unknown) => JSON.parse(answer(result).body);

/** Commands that change a table, a bucket or the bus. */
const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'TransactWriteCommand', 'PutObjectCommand', 'CopyObjectCommand', 'PutEventsCommand']);
const writesSent = () => sentCommands().filter((sent) => WRITES.has(sent.command));

/** Everything the fakes hold, to compare before and after a refused request. */
const contents = (fakes: PlatformFakes) => ({
  experiments: fakes.experiments.all(),
  registry: fakes.registry.all(),
  artifacts: fakes.s3.keys(ARTIFACT_BUCKET),
});

describe('MlflowApi handler', () => {
  beforeEach(() => {
    resetSdkMocks();
  });

  it.each(mlflowApiScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))(
    'answers %s with 200, sending exactly %s',
    async (_, __, each) => {
      const { result, sent } = await runScenario('MlflowApi', each);

      expect(answer(result).statusCode).toBe(200);
      expect(sent.map((command) => command.command)).toEqual(each.sends);
    },
  );

  it("answers with MLflow's JSON body as text, its content type and status, from the route and body of the event", async () => {
    const { result, fakes } = await runScenario('MlflowApi', scenario('create-experiment'));

    expect(result).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_id: EXPERIMENT_ID }) });
    expect(fakes.experiments.get(trackingKeys.experiment(EXPERIMENT))).toMatchObject({ name: EXPERIMENT, tags: { team: 'risk' } });
  });

  it("reads a GET's fields from its query string", async () => {
    const { result } = await runScenario('MlflowApi', scenario('get-experiment'));

    expect(bodyOf(result).experiment).toMatchObject({ experiment_id: EXPERIMENT_ID, name: EXPERIMENT });
  });

  it('decodes a base64 body, as API Gateway delivers one it does not take for text', async () => {
    const each = scenario('log-batch of metrics, params and tags');
    const { body } = each.event as { body: string };
    const fakes = resetSdkMocks();
    await each.arrange?.(fakes);

    const result = await invoke('MlflowApi', mlflowRequest('POST', '/runs/log-batch', { body: JSON.parse(body), base64: true }));

    expect(answer(result)).toMatchObject({ statusCode: 200, body: '{}' });
    expect(fakes.experiments.get(trackingKeys.run(RUN_ID))).toMatchObject({ params: { epochs: '20' }, tags: { phase: 'train' } });
  });

  it("routes by the raw path and method, a logged model's id taken from the path", async () => {
    const { result } = await runScenario('MlflowApi', scenario('finalize a logged model'));

    expect(bodyOf(result).model.info).toMatchObject({ model_id: expect.stringMatching(/^m-/), status: 'LOGGED_MODEL_READY' });
  });

  it("answers a path no route has with MLflow's ENDPOINT_NOT_FOUND, 404, and an unsupported area the same way, naming it", async () => {
    const unknown = answer(await invoke('MlflowApi', mlflowRequest('POST', '/runs/no-such-thing', { body: {} })));
    const traces = answer(await invoke('MlflowApi', apiGatewayEvent('POST', '/api/3.0/mlflow/traces', { body: {} })));

    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    expect(traces.statusCode).toBe(404);
    expect(JSON.parse(traces.body)).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: expect.stringContaining('/api/3.0/mlflow/traces is not supported') });
    expect(sentCommands()).toEqual([]);
  });

  it('fails with INTERNAL_ERROR, 500, naming the request id and no AWS internals, when DynamoDB fails unexpectedly', async () => {
    dynamoMock.on(GetCommand).rejects(
      new DynamoDBServiceException({
        name: 'AccessDeniedException',
        message: `User arn:aws:sts::123456789012:assumed-role/MlflowApiRole is not authorized to perform dynamodb:GetItem on experiments-table`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const result = answer(await invoke('MlflowApi', scenario('get-experiment').event));

    expect(result.statusCode).toBe(500);
    expect(result.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(result.body)).toEqual({ error_code: 'INTERNAL_ERROR', message: expect.stringContaining(REQUEST_ID) });
    expect(result.body).not.toMatch(/AccessDenied|arn:|MlflowApiRole|experiments-table|GetItem/);
  });

  it('refuses an experiment name that exists with RESOURCE_ALREADY_EXISTS, the conditional write leaving the experiment as it was', async () => {
    const fakes = resetSdkMocks();
    await scenario('get-experiment').arrange?.(fakes);
    const before = contents(fakes);

    const result = answer(await invoke('MlflowApi', mlflowRequest('POST', '/experiments/create', { body: { name: EXPERIMENT } })));

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.stringContaining(EXPERIMENT) });
    expect(contents(fakes)).toEqual(before);
  });

  describe('a refused request writes nothing', () => {
    const refusals = [
      {
        what: 'create-experiment without a JSON content type',
        event: mlflowRequest('POST', '/experiments/create', { body: { name: EXPERIMENT }, contentType: 'text/plain' }),
        status: 400,
        errorCode: 'INVALID_PARAMETER_VALUE',
      },
      {
        what: 'create-run in an experiment id never handed out',
        event: mlflowRequest('POST', '/runs/create', { body: { experiment_id: '1999999999999999' } }),
        status: 404,
        errorCode: 'RESOURCE_DOES_NOT_EXIST',
      },
      {
        what: 'log-batch with a metric value that is not a number',
        scenario: 'log-batch of metrics, params and tags',
        event: mlflowRequest('POST', '/runs/log-batch', { body: { run_id: RUN_ID, metrics: [{ key: 'loss', value: 'low', timestamp: Date.now() }] } }),
        status: 400,
        errorCode: 'INVALID_PARAMETER_VALUE',
      },
      {
        what: 'log-batch to a run that does not exist',
        scenario: 'log-batch of metrics, params and tags',
        event: mlflowRequest('POST', '/runs/log-batch', { body: { run_id: 'f'.repeat(32), params: [{ key: 'lr', value: '0.1' }] } }),
        status: 404,
        errorCode: 'RESOURCE_DOES_NOT_EXIST',
      },
      {
        what: 'create-model-version from outside the artifact bucket',
        scenario: 'create-model-version from an s3:// directory under mlflow/',
        event: mlflowRequest('POST', '/model-versions/create', { body: { name: MODEL, source: 's3://someone-elses-bucket/models/churn/model' } }),
        status: 400,
        errorCode: 'INVALID_PARAMETER_VALUE',
      },
      {
        // models/ and uploads/ are other grants' uploads: MLflow's writers may upload under mlflow/ only.
        what: "create-model-version from the registry's upload prefix, outside MLflow's artifacts",
        scenario: 'create-model-version from an s3:// directory under mlflow/',
        event: mlflowRequest('POST', '/model-versions/create', { body: { name: MODEL, source: `s3://${ARTIFACT_BUCKET}/models/churn/5f1e7c1a/model` } }),
        status: 400,
        errorCode: 'INVALID_PARAMETER_VALUE',
      },
      {
        what: 'create-model-version from a directory that holds no files (no version number taken)',
        scenario: 'create-model-version from an s3:// directory under mlflow/',
        event: mlflowRequest('POST', '/model-versions/create', { body: { name: MODEL, source: `s3://${ARTIFACT_BUCKET}/mlflow/1/nothing-here` } }),
        status: 400,
        errorCode: 'INVALID_PARAMETER_VALUE',
      },
      {
        what: 'set-registered-model-alias to a version that is not a number',
        scenario: 'set-registered-model-alias',
        event: mlflowRequest('POST', '/registered-models/alias', { body: { name: MODEL, alias: 'champion', version: 'latest' } }),
        status: 400,
        errorCode: 'INVALID_PARAMETER_VALUE',
      },
    ];

    it.each(refusals.map((refusal) => [refusal.what, refusal] as const))('%s', async (_, refusal) => {
      const fakes = resetSdkMocks();
      if (refusal.scenario) await scenario(refusal.scenario).arrange?.(fakes);
      const before = contents(fakes);
      clearSentCommands();

      const result = answer(await invoke('MlflowApi', refusal.event));

      expect(result.statusCode).toBe(refusal.status);
      expect(JSON.parse(result.body)).toEqual({ error_code: refusal.errorCode, message: expect.any(String) });
      expect(writesSent()).toEqual([]);
      expect(contents(fakes)).toEqual(before);
    });
  });
});
