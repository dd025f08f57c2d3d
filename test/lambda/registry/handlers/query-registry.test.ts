import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../lambda/registry/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { dynamoMock, type FakeTable, inputsOf, invoke, REQUEST_ID, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { items, MODEL, queryRegistryScenarios, TABLE_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(queryRegistryScenarios, name);

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt', 'nextVersion'];

const LATEST_VERSION_QUERY = {
  TableName: TABLE_NAME,
  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
  ExpressionAttributeValues: { ':pk': 'M#churn', ':prefix': 'V#' },
  ConsistentRead: true,
  ScanIndexForward: false,
  Limit: 1,
  ExclusiveStartKey: undefined,
};

/** The model item as a first reservation leaves it: a counter, no latest version, no version items. */
function reservedOnly() {
  const { latestVersion: _latest, updatedAt: _updated, ...model } = items.model(MODEL, 0, 1);
  return model;
}

describe('QueryRegistry handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().registry;
  });

  it.each(queryRegistryScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))('answers %s, sending exactly %s', async (_, __, each) => {
    const { sent } = await runScenario('QueryRegistry', each);

    expect(sent.map((command) => command.command)).toEqual(each.sends);
  });

  it('answers getModel with its latest version read from the versions and every alias, following the alias query to its last page', async () => {
    const { result } = await runScenario('QueryRegistry', scenario('getModel, its aliases read over two pages'));

    expect(result).toEqual({ name: MODEL, latestVersion: 3, createdAt: expect.any(String), updatedAt: expect.any(String), aliases: { prod: 2, staging: 3 } });
    const queries = inputsOf('QueryCommand');
    expect(queries.filter((input) => input.ExpressionAttributeValues[':prefix'] === 'V#')).toEqual([LATEST_VERSION_QUERY]);
    const [first, second, ...others] = queries.filter((input) => input.ExpressionAttributeValues[':prefix'] === 'A#');
    expect(first).toEqual({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'M#churn', ':prefix': 'A#' },
      ConsistentRead: true,
      Limit: 100,
      ExclusiveStartKey: undefined,
    });
    expect(second.ExclusiveStartKey).toEqual(keys.alias(MODEL, 'prod'));
    expect(others).toEqual([]);
  });

  it.each([
    ['getVersion by number', 2, [keys.version(MODEL, 2)]],
    ['getVersion by alias', 2, [keys.alias(MODEL, 'prod'), keys.version(MODEL, 2)]],
  ])('answers %s with version %d, reading %j, without key attributes', async (name, version, keysRead) => {
    const { result } = await runScenario('QueryRegistry', scenario(name));

    expect(result).toMatchObject({ name: MODEL, version });
    for (const attribute of KEY_ATTRIBUTES) expect(result).not.toHaveProperty(attribute);
    expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual(keysRead);
  });

  it('answers getVersion latest with the newest version item, from one consistent query of a single item', async () => {
    const { result } = await runScenario('QueryRegistry', scenario('getVersion latest'));

    expect(result).toMatchObject({ name: MODEL, version: 3 });
    for (const attribute of KEY_ATTRIBUTES) expect(result).not.toHaveProperty(attribute);
    expect(inputsOf('QueryCommand')).toEqual([LATEST_VERSION_QUERY]);
  });

  it('answers the latest version from the versions, not the model item, when its latestVersion trails a commit', async () => {
    // Version 3 is committed but the model item was not raised to it yet (or its caller died first).
    table.put(items.model(MODEL, 2, 3), items.version(MODEL, 1), items.version(MODEL, 2), items.version(MODEL, 3));

    const model = await invoke('QueryRegistry', { query: 'getModel', name: MODEL });
    const latest = await invoke('QueryRegistry', { query: 'getVersion', name: MODEL, version: 'latest' });

    expect(model).toMatchObject({ latestVersion: 3 });
    expect(latest).toMatchObject({ version: 3 });
  });

  it('answers getModel with latestVersion 0 for a model whose only reserved number was never committed', async () => {
    table.put(reservedOnly());

    const model = await invoke('QueryRegistry', { query: 'getModel', name: MODEL });

    expect(model).toMatchObject({ name: MODEL, latestVersion: 0, aliases: {} });
    expect(model).not.toHaveProperty('nextVersion');
  });

  it('fails with NotFoundError for the latest version of a model with no versions yet', async () => {
    table.put(reservedOnly());

    const error = await thrownBy(invoke('QueryRegistry', { query: 'getVersion', name: MODEL }));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('model churn has no versions yet');
    expect(sentCommands().map((command) => command.command)).toEqual(['QueryCommand', 'GetCommand']);
  });

  it('fails with NotFoundError naming the model for the latest version of a model that does not exist', async () => {
    const error = await thrownBy(invoke('QueryRegistry', { query: 'getVersion', name: MODEL }));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('no model named "churn"');
  });

  it('lists models from the model index with an opaque token for the next page', async () => {
    const { result } = await runScenario('QueryRegistry', scenario('listModels'));

    expect(inputsOf('QueryCommand')).toEqual([
      expect.objectContaining({
        TableName: TABLE_NAME,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :models',
        ExpressionAttributeValues: { ':models': 'MODELS' },
        Limit: 2,
      }),
    ]);
    const page = result as { items: Record<string, unknown>[]; nextToken: string };
    expect(page.items.map((model) => model.name)).toEqual([MODEL, 'fraud']);
    expect(page.items[0]).not.toHaveProperty('gsi1pk');
    expect(page.items[0]).not.toHaveProperty('nextVersion');
    expect(page.nextToken).toEqual(expect.any(String));
    expect(page.nextToken).not.toContain('M#fraud');
  });

  it('resumes a list from the key its page token holds', async () => {
    const { result } = await runScenario('QueryRegistry', scenario('listModels'));
    dynamoMock.resetHistory();

    await invoke('QueryRegistry', { query: 'listModels', limit: 2, nextToken: (result as { nextToken: string }).nextToken });

    expect(inputsOf('QueryCommand')[0].ExclusiveStartKey).toEqual({ ...keys.model('fraud'), ...keys.modelIndex('fraud') });
  });

  it('fails with ValidationError at nextToken on a token from another query, sending no SDK command', async () => {
    const { result } = await runScenario('QueryRegistry', scenario('listModels'));
    dynamoMock.resetHistory();

    const error = await thrownBy(invoke('QueryRegistry', { query: 'listVersions', name: MODEL, nextToken: (result as { nextToken: string }).nextToken }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^nextToken: /);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with ValidationError at nextToken on a token from a findVersions query for another tag key', async () => {
    dynamoMock.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: keys.tag(MODEL, 3, 'a=b', 'c') });
    const { nextToken } = (await invoke('QueryRegistry', { query: 'findVersions', tag: { key: 'a=b', value: 'c' } })) as { nextToken: string };
    dynamoMock.resetHistory();

    const error = await thrownBy(invoke('QueryRegistry', { query: 'findVersions', tag: { key: 'a', value: 'b=c' }, nextToken }));

    expect(error.name).toBe('ValidationError');
    expect(sentCommands()).toEqual([]);
  });

  it('lists versions newest first with a consistent key-condition query on the table', async () => {
    const { result } = await runScenario('QueryRegistry', scenario('listVersions'));

    expect((result as { items: { version: number }[] }).items.map((version) => version.version)).toEqual([3, 2, 1]);
    expect(inputsOf('QueryCommand')[0]).toEqual({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'M#churn', ':prefix': 'V#' },
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: 25,
      ExclusiveStartKey: undefined,
    });
  });

  it('finds versions by tag value on the index, then reads them in one consistent batch, in index order', async () => {
    const { result } = await runScenario('QueryRegistry', scenario('findVersions by tag value, read back in one batch'));

    expect(inputsOf('QueryCommand')[0]).toMatchObject({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :tag AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':tag': 'TAG#stage', ':prefix': 'candidate\u001f' },
    });
    expect(inputsOf('BatchGetCommand')).toEqual([
      { RequestItems: { [TABLE_NAME]: { Keys: [keys.version(MODEL, 3), keys.version(MODEL, 2)], ConsistentRead: true } } },
    ]);
    expect((result as { items: { version: number }[] }).items.map((version) => version.version)).toEqual([3, 2]);
  });

  it('finds versions of one model by tag key with a filter on the model name', async () => {
    await runScenario('QueryRegistry', scenario('findVersions by tag key within one model'));

    expect(inputsOf('QueryCommand')[0]).toMatchObject({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :tag',
      FilterExpression: '#name = :name',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':tag': 'TAG#stage', ':name': MODEL },
    });
  });

  it('reads again the keys a batch leaves unprocessed', async () => {
    table.put(items.version(MODEL, 2), items.version(MODEL, 3));
    dynamoMock.on(QueryCommand).resolves({ Items: [items.tag(MODEL, 3, 'stage', 'candidate'), items.tag(MODEL, 2, 'stage', 'candidate')] });
    dynamoMock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE_NAME]: [items.version(MODEL, 2)] }, UnprocessedKeys: { [TABLE_NAME]: { Keys: [keys.version(MODEL, 3)] } } })
      .resolves({ Responses: { [TABLE_NAME]: [items.version(MODEL, 3)] } });

    const result = await invoke('QueryRegistry', { query: 'findVersions', tag: { key: 'stage', value: 'candidate' } });

    expect(inputsOf('BatchGetCommand')[1].RequestItems[TABLE_NAME].Keys).toEqual([keys.version(MODEL, 3)]);
    expect((result as { items: { version: number }[] }).items.map((version) => version.version)).toEqual([3, 2]);
  });

  it('reads one alias history newest first, filtered on the alias', async () => {
    await runScenario('QueryRegistry', scenario('aliasHistory of one alias'));

    expect(inputsOf('QueryCommand')[0]).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'alias = :alias',
      ExpressionAttributeValues: { ':pk': 'M#churn', ':prefix': 'H#', ':alias': 'prod' },
      ScanIndexForward: false,
    });
  });

  it('fails with NotFoundError for a version the table does not hold', async () => {
    table.put(items.model(MODEL, 3));

    const error = await thrownBy(invoke('QueryRegistry', { query: 'getVersion', name: MODEL, version: 9 }));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('model churn has no version 9');
  });

  it('fails with ValidationError on an unknown query, sending no SDK command', async () => {
    const error = await thrownBy(invoke('QueryRegistry', { query: 'scanEverything' }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^query: /);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with InternalError naming the request id and no AWS internals when a query fails', async () => {
    dynamoMock.on(QueryCommand).rejects(
      new DynamoDBServiceException({
        name: 'ValidationException',
        message: `The table does not have the specified index: gsi1 (table ${TABLE_NAME})`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await thrownBy(invoke('QueryRegistry', { query: 'listModels' }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/gsi1|index|registry-table|ValidationException/);
  });
});
