import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { searchFields, searchIndexKeys } from '../../../../lambda/experiments/adapters/run-search-index';
import { keys } from '../../../../lambda/experiments/adapters/table-keys';
import type { RunRecord } from '../../../../lambda/experiments/core/model';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { dynamoMock, type FakeTable, inputsOf, invoke, REQUEST_ID, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { EXPERIMENT, items, startRunScenarios, TABLE_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(startRunScenarios, name);

const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'fingerprint'];

describe('StartRun handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().experiments;
  });

  it.each(startRunScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))('%s: sends exactly %s', async (_, __, each) => {
    const { sent } = await runScenario('StartRun', each);

    expect(sent.map((command) => command.command)).toEqual(each.sends);
  });

  it('starts run 1 of a new experiment: takes the number from an atomic counter, writes the run only if absent, running and in the running index', async () => {
    const { result, fakes: tables } = await runScenario('StartRun', scenario('a first run of a new experiment'));

    const run = result as Record<string, any>;
    expect(run).toEqual({
      runId: expect.stringMatching(/^[0-9a-f]{32}$/),
      experiment: EXPERIMENT,
      runName: `${EXPERIMENT}-1`,
      runNumber: 1,
      status: 'RUNNING',
      startTime: expect.any(String),
      heartbeatAt: run.startTime,
      params: { lr: '0.1' },
      tags: { team: 'risk' },
      metrics: {},
      revision: 0,
      registeredVersions: [],
    });
    for (const attribute of STORAGE_ATTRIBUTES) expect(run).not.toHaveProperty(attribute);
    const [reserve] = inputsOf('UpdateCommand');
    expect(reserve).toMatchObject({
      TableName: TABLE_NAME,
      Key: keys.experiment(EXPERIMENT),
      UpdateExpression: expect.stringContaining('ADD runCount :one'),
      ReturnValues: 'UPDATED_NEW',
    });
    expect(reserve).not.toHaveProperty('ConditionExpression');
    const [put] = inputsOf('PutCommand');
    expect(put).toMatchObject({ TableName: TABLE_NAME, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(tables.experiments.get(keys.run(run.runId))).toEqual({
      ...run,
      ...keys.run(run.runId),
      ...keys.runIndex(EXPERIMENT, run.startTime, run.runId),
      gsi2pk: 'RUNNING',
      gsi2sk: run.startTime,
      ...searchIndexKeys(EXPERIMENT, run.runId, run.startTime),
      ...searchFields(run as unknown as RunRecord),
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(tables.experiments.get(keys.experiment(EXPERIMENT))).toMatchObject({
      ...keys.experimentIndex(EXPERIMENT),
      name: EXPERIMENT,
      runCount: 1,
      createdAt: run.startTime,
      lastRunAt: run.startTime,
    });
  });

  it('numbers the next run of an existing experiment from its counter, keeping the name, source and actor given', async () => {
    const { result, fakes: tables } = await runScenario('StartRun', scenario('the next run of an existing experiment'));

    expect(result).toMatchObject({ runNumber: 3, runName: 'baseline', gitCommit: 'abc1234', command: 'python train.py', createdBy: 'alice' });
    expect(tables.experiments.get(keys.experiment(EXPERIMENT))).toMatchObject({ runCount: 3, createdAt: items.experiment(EXPERIMENT, 2).createdAt });
  });

  it('derives the run id from the client token and looks that run up first, consistently', async () => {
    const { result } = await runScenario('StartRun', scenario('a new client token'));

    const { runId } = result as { runId: string };
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: keys.run(runId), ConsistentRead: true }]);
  });

  it('replays a client token: the run the first call started, nothing reserved or written', async () => {
    const { result, arranged } = await runScenario('StartRun', scenario('a replayed client token'));

    const first = arranged.find((command) => command.command === 'PutCommand')!.input.Item;
    expect(result).toMatchObject({ runId: first.runId, runNumber: 1, startTime: first.startTime });
    expect(inputsOf('UpdateCommand')).toEqual([]);
    expect(inputsOf('PutCommand')).toEqual([]);
  });

  it('answers with the run a concurrent identical call created first, not the number it reserved itself', async () => {
    const { result } = await runScenario('StartRun', scenario('a client token taken by a concurrent identical call'));

    expect(result).toMatchObject({ runNumber: 7, runName: `${EXPERIMENT}-7` });
  });

  it('fails with ValidationError naming every bad field by path, sending no SDK command', async () => {
    const error = await thrownBy(invoke('StartRun', { experiment: ' churn', params: { lr: 0.1 }, gitCommit: 'not-a-commit', colour: 'blue' }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/(^|; )experiment: /);
    expect(error.message).toMatch(/(^|; )params\.lr: /);
    expect(error.message).toMatch(/(^|; )gitCommit: must be a git commit id/);
    expect(error.message).toMatch(/(^|; )colour: is not a known field/);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with ValidationError at payload for an event that is not an object', async () => {
    const error = await thrownBy(invoke('StartRun', 'churn-training'));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^payload: /);
  });

  it('fails with ConflictError when a client token is reused for a different run, reserving and writing nothing', async () => {
    await invoke('StartRun', { experiment: EXPERIMENT, params: { lr: '0.1' }, clientToken: 'pipeline-run-42' });
    dynamoMock.resetHistory();

    const error = await thrownBy(invoke('StartRun', { experiment: EXPERIMENT, params: { lr: '0.2' }, clientToken: 'pipeline-run-42' }));

    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(`clientToken "pipeline-run-42" was already used to start a different run (${EXPERIMENT}-1)`);
    expect(sentCommands().map((command) => command.command)).toEqual(['GetCommand', 'GetCommand']);
    expect(table.all().filter((item) => item.sk === '#RUN')).toHaveLength(1);
  });

  it('fails with InternalError naming the request id and no AWS internals when DynamoDB refuses, writing no run', async () => {
    dynamoMock.on(UpdateCommand).rejects(
      new DynamoDBServiceException({
        name: 'AccessDeniedException',
        message: `User: arn:aws:sts::123456789012:assumed-role/StartRunRole/fn is not authorized to perform: dynamodb:UpdateItem on resource: ${TABLE_NAME}`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await thrownBy(invoke('StartRun', { experiment: EXPERIMENT }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/arn:|dynamodb|authorized|experiments-table/);
    expect(inputsOf('PutCommand')).toEqual([]);
  });
});
