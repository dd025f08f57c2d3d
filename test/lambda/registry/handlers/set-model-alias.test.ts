import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { dynamoMock, eventsMock, type FakeTable, inputsOf, invoke, REQUEST_ID, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { EVENT_BUS_NAME, items, MODEL, setModelAliasScenarios, TABLE_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(setModelAliasScenarios, name);

const transaction = (n = 0) => inputsOf('TransactWriteCommand')[n].TransactItems as Record<string, any>[];

describe('SetModelAlias handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().registry;
  });

  it.each(setModelAliasScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))(
    'sets the alias with %s, sending exactly %s',
    async (_, __, each) => {
      const { sent } = await runScenario('SetModelAlias', each);

      expect(sent.map((command) => command.command)).toEqual(each.sends);
    },
  );

  it('creates an alias: checks the version exists, creates the alias item only if absent, appends history, announces it', async () => {
    const { result } = await runScenario('SetModelAlias', scenario('a new alias'));

    expect(result).toMatchObject({ name: MODEL, alias: 'prod', version: 2, revision: 1, changed: true });
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: { pk: 'M#churn', sk: 'A#prod' }, ConsistentRead: true }]);
    const [versionCheck, alias, history] = transaction();
    expect(versionCheck.ConditionCheck).toEqual({
      TableName: TABLE_NAME,
      Key: { pk: 'M#churn', sk: 'V#0000000002' },
      // A version deleted through MLflow's API takes no alias.
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
    });
    expect(alias.Put).toEqual({
      TableName: TABLE_NAME,
      Item: expect.objectContaining({ pk: 'M#churn', sk: 'A#prod', version: 2, revision: 1, updatedBy: 'alice' }),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(alias.Put).not.toHaveProperty('ExpressionAttributeValues');
    expect(history.Put).toMatchObject({
      Item: { pk: 'M#churn', sk: expect.stringMatching(/^H#.+#prod#0000000001$/), toVersion: 2, revision: 1, reason: 'passed review', changedBy: 'alice' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const [event] = inputsOf('PutEventsCommand');
    expect(event.Entries).toEqual([
      { EventBusName: EVENT_BUS_NAME, Source: 'mlops-platform.registry', DetailType: 'ModelAliasChanged', Detail: expect.any(String) },
    ]);
    expect(JSON.parse(event.Entries[0].Detail)).toMatchObject({ name: MODEL, alias: 'prod', toVersion: 2, revision: 1 });
  });

  it('moves an alias conditional on the revision it read, recording the version it came from', async () => {
    const { result } = await runScenario('SetModelAlias', scenario('a move of an existing alias'));

    expect(result).toMatchObject({ version: 3, previousVersion: 1, revision: 2, changed: true });
    const [, alias, history] = transaction();
    expect(alias.Put).toMatchObject({
      ConditionExpression: 'revision = :previous',
      ExpressionAttributeValues: { ':previous': 1 },
      Item: { revision: 2, version: 3 },
    });
    expect(history.Put.Item).toMatchObject({ fromVersion: 1, toVersion: 3, revision: 2 });
  });

  it('writes nothing when the alias already points at the version, answering changed: false', async () => {
    const { result } = await runScenario('SetModelAlias', scenario('an alias already at the version'));

    expect(result).toMatchObject({ version: 2, revision: 4, changed: false });
  });

  it('retries after a TransactionCanceledException on the alias item, moving from where the winner left it', async () => {
    const { result } = await runScenario('SetModelAlias', scenario('a lost race with a concurrent move'));

    expect(result).toMatchObject({ version: 3, previousVersion: 2, revision: 3 });
    expect(transaction(1)[1].Put.ExpressionAttributeValues).toEqual({ ':previous': 2 });
  });

  it('fails with NotFoundError when the version does not exist, publishing nothing', async () => {
    // The table has no version 7: the transaction's condition check on it cancels the transaction.
    table.put(items.model(MODEL, 3));

    const error = await thrownBy(invoke('SetModelAlias', { name: MODEL, alias: 'prod', version: 7 }));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('model churn has no version 7');
    expect(eventsMock.calls()).toHaveLength(0);
  });

  it('fails with ConflictError when the alias no longer points at expectedVersion, sending no write', async () => {
    table.put(items.alias(MODEL, 'prod', 2, 2));

    const error = await thrownBy(invoke('SetModelAlias', { name: MODEL, alias: 'prod', version: 3, expectedVersion: 1 }));

    expect(error.name).toBe('ConflictError');
    expect(sentCommands().map((command) => command.command)).toEqual(['GetCommand']);
  });

  it('fails with ValidationError on a reserved alias, sending no SDK command', async () => {
    const error = await thrownBy(invoke('SetModelAlias', { name: MODEL, alias: 'latest', version: 3 }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^alias: is reserved/);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with InternalError naming the request id and no AWS internals when DynamoDB throttles', async () => {
    dynamoMock.on(GetCommand).rejects(
      new DynamoDBServiceException({
        name: 'ProvisionedThroughputExceededException',
        message: `Throughput exceeds the current capacity of your table ${TABLE_NAME}`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await thrownBy(invoke('SetModelAlias', { name: MODEL, alias: 'prod', version: 3 }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/Throughput|registry-table|capacity/);
  });

  it('publishes the alias change when a call is retried after publishing failed', async () => {
    table.put(items.model(MODEL, 3), items.version(MODEL, 2));
    eventsMock
      .on(PutEventsCommand)
      .rejectsOnce(new Error('EventBridge unavailable'))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-2' }] });
    const request = { name: MODEL, alias: 'prod', version: 2 };
    const failed = await thrownBy(invoke('SetModelAlias', request));

    await invoke('SetModelAlias', request);

    expect(failed.name).toBe('InternalError');
    const published = inputsOf('PutEventsCommand').map((input) => JSON.parse(input.Entries[0].Detail));
    expect(published).toEqual([expect.objectContaining({ toVersion: 2, revision: 1 }), expect.objectContaining({ toVersion: 2, revision: 1 })]);
  });
});
