import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../lambda/experiments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { dynamoMock, type FakeTable, inputsOf, invoke, REQUEST_ID, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { endRunScenarios, items, minutesAgo, RUN_ID, TABLE_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(endRunScenarios, name);

/** A run as QueryRuns would answer it: the stored item without its storage attributes. */
function storedRun(table: FakeTable): Record<string, unknown> {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, fingerprint: _fingerprint, ...stored } = table.get(keys.run(RUN_ID))!;
  // The run search index's keys and compact copies are storage, not the run.
  const run = Object.fromEntries(Object.entries(stored).filter(([name]) => !/^(gsi3pk|gsi3sk|search[A-Z])/.test(name)));
  return run;
}

describe('EndRun handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().experiments;
  });

  it.each(endRunScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))('%s: sends exactly %s', async (_, __, each) => {
    const { sent } = await runScenario('EndRun', each);

    expect(sent.map((command) => command.command)).toEqual(each.sends);
  });

  it('completes a running run conditional on the revision it read, taking it out of the running index, and answers the run as stored', async () => {
    const { result, fakes: tables } = await runScenario('EndRun', scenario('a running run completed'));

    expect(result).toMatchObject({ runId: RUN_ID, status: 'COMPLETED', endTime: expect.any(String), revision: 1 });
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: keys.run(RUN_ID), ConsistentRead: true }]);
    expect(inputsOf('UpdateCommand')[0]).toMatchObject({
      TableName: TABLE_NAME,
      Key: keys.run(RUN_ID),
      UpdateExpression: expect.stringMatching(/ REMOVE gsi2pk, gsi2sk/),
      ConditionExpression: 'revision = :expected',
      ExpressionAttributeValues: expect.objectContaining({ ':expected': 0, ':revision': 1, ':status': 'COMPLETED' }),
    });
    expect(storedRun(tables.experiments)).toEqual(result);
  });

  it('keeps the reason a failed run was ended with', async () => {
    const { result, fakes: tables } = await runScenario('EndRun', scenario('a failed run with its reason'));

    expect(result).toMatchObject({ status: 'FAILED', reason: 'exit code 137' });
    expect(storedRun(tables.experiments)).toEqual(result);
  });

  it('lets the owner end a run the sweep declared crashed, dropping the crash reason', async () => {
    const { result, fakes: tables } = await runScenario('EndRun', scenario('a crashed run ended by its owner'));

    expect(result).toMatchObject({ status: 'COMPLETED', revision: 4 });
    // What the caller receives is the JSON of the result.
    expect(JSON.parse(JSON.stringify(result))).not.toHaveProperty('reason');
    expect(storedRun(tables.experiments)).toEqual(result);
  });

  it('answers a retried end with the run unchanged, writing nothing', async () => {
    const { result } = await runScenario('EndRun', scenario('an end retried with the same status'));

    expect(result).toMatchObject({ status: 'COMPLETED', revision: 1 });
    expect(inputsOf('UpdateCommand')).toEqual([]);
  });

  it('reads the run again and ends it from its new revision when a concurrent batch moved it on', async () => {
    const { result } = await runScenario('EndRun', scenario('a lost race with a concurrent batch'));

    expect(result).toMatchObject({ status: 'KILLED', revision: 2 });
    expect(inputsOf('UpdateCommand')[1].ExpressionAttributeValues).toMatchObject({ ':expected': 1, ':revision': 2 });
  });

  it('fails with NotFoundError for a run that does not exist, writing nothing', async () => {
    const error = await thrownBy(invoke('EndRun', { runId: RUN_ID, status: 'COMPLETED' }));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe(`run ${RUN_ID} does not exist`);
    expect(sentCommands().map((command) => command.command)).toEqual(['GetCommand']);
  });

  it('fails with ConflictError for a run that already ended with another status, writing nothing', async () => {
    table.put(items.run({ status: 'FAILED', endTime: minutesAgo(1), revision: 1 }));

    const error = await thrownBy(invoke('EndRun', { runId: RUN_ID, status: 'COMPLETED' }));

    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(`run ${RUN_ID} already ended FAILED`);
    expect(sentCommands().map((command) => command.command)).toEqual(['GetCommand']);
    expect(table.get(keys.run(RUN_ID))).toMatchObject({ status: 'FAILED', revision: 1 });
  });

  it('fails with ValidationError naming every bad field by path, CRASHED being for the sweep only, sending no SDK command', async () => {
    const error = await thrownBy(invoke('EndRun', { runId: RUN_ID.toUpperCase(), status: 'CRASHED', reason: 7 }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/(^|; )runId: must be a run id/);
    expect(error.message).toMatch(/(^|; )status: /);
    expect(error.message).toMatch(/(^|; )reason: /);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with InternalError naming the request id and no AWS internals when DynamoDB fails', async () => {
    dynamoMock.on(GetCommand).rejects(
      new DynamoDBServiceException({
        name: 'InternalServerError',
        message: `table ${TABLE_NAME} unavailable`,
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      }),
    );

    const error = await thrownBy(invoke('EndRun', { runId: RUN_ID, status: 'COMPLETED' }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/experiments-table|unavailable/);
  });
});
