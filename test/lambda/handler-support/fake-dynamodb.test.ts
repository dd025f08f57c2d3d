import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys as runKeys } from '../../../lambda/experiments/adapters/table-keys';
import { keys } from '../../../lambda/registry/adapters/table-keys';
import { items, TABLE_NAME } from '../registry/handlers/handler-scenarios';
import { FUNCTION_ENVIRONMENT, resetSdkMocks as resetAllSdkMocks } from './sdk-mocks';

/** The fake tables must check and apply writes as DynamoDB does, or the handler tests prove nothing. */

const resetSdkMocks = () => resetAllSdkMocks().registry;
const EXPERIMENTS_TABLE = FUNCTION_ENVIRONMENT.EXPERIMENTS_TABLE_NAME;

/** The expressions the DynamoDB adapter sends to take a version number and to raise the latest version. */
const RESERVE =
  'SET #name = :name, createdAt = if_not_exists(createdAt, :at), updatedAt = if_not_exists(updatedAt, :at), ' +
  'latestVersion = if_not_exists(latestVersion, :none), gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD nextVersion :one';
const RAISE = 'latestVersion < :version';

const reserveValues = (at: string) => {
  const { gsi1pk, gsi1sk } = keys.modelIndex('churn');
  return { ':name': 'churn', ':at': at, ':none': 0, ':one': 1, ':gsi1pk': gsi1pk, ':gsi1sk': gsi1sk };
};

describe("FakeTable, with the registry's expressions", () => {
  it('adds to a counter, creating the item, setting each if_not_exists only once, and returns only the updated attributes for UPDATED_NEW', async () => {
    const table = resetSdkMocks();
    const reserve = (at: string) => ({
      TableName: TABLE_NAME,
      Key: keys.model('churn'),
      UpdateExpression: RESERVE,
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: reserveValues(at),
      ReturnValues: 'UPDATED_NEW',
    });
    const unchanged = { name: 'churn', createdAt: 't1', updatedAt: 't1', latestVersion: 0, ...keys.modelIndex('churn') };

    const first = await table.updateItem(reserve('t1'));
    const second = await table.updateItem(reserve('t2'));

    expect([first, second]).toEqual([{ Attributes: { ...unchanged, nextVersion: 1 } }, { Attributes: { ...unchanged, nextVersion: 2 } }]);
    expect(table.get(keys.model('churn'))).toEqual({ ...keys.model('churn'), ...unchanged, nextVersion: 2 });
  });

  it('keeps the attributes an if_not_exists finds, setting only the missing ones', async () => {
    const table = resetSdkMocks().put({ ...keys.model('churn'), name: 'churn', createdAt: 't0', latestVersion: 3, nextVersion: 3 });

    await table.updateItem({
      TableName: TABLE_NAME,
      Key: keys.model('churn'),
      UpdateExpression: RESERVE,
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: reserveValues('t1'),
    });

    expect(table.get(keys.model('churn'))).toMatchObject({ createdAt: 't0', updatedAt: 't1', latestVersion: 3, nextVersion: 4 });
  });

  it('applies a conditional update only when its condition holds, else throws ConditionalCheckFailedException', async () => {
    const table = resetSdkMocks().put(items.model('churn', 3));
    const raise = (version: number) => ({
      TableName: TABLE_NAME,
      Key: keys.model('churn'),
      UpdateExpression: 'SET latestVersion = :version, updatedAt = :at',
      ConditionExpression: RAISE,
      ExpressionAttributeValues: { ':version': version, ':at': `t${version}` },
    });

    await expect(table.updateItem(raise(2))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(table.updateItem(raise(3))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await table.updateItem(raise(4));

    expect(table.get(keys.model('churn'))).toMatchObject({ latestVersion: 4, updatedAt: 't4' });
  });

  it('fails a comparison on a missing attribute or item, as DynamoDB does, creating nothing', async () => {
    const table = resetSdkMocks().put({ ...keys.model('churn'), name: 'churn' });
    const raise = (name: string) => ({
      TableName: TABLE_NAME,
      Key: keys.model(name),
      UpdateExpression: 'SET latestVersion = :version',
      ConditionExpression: RAISE,
      ExpressionAttributeValues: { ':version': 1 },
    });

    await expect(table.updateItem(raise('churn'))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(table.updateItem(raise('fraud'))).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    expect(table.get(keys.model('churn'))).toEqual({ ...keys.model('churn'), name: 'churn' });
    expect(table.get(keys.model('fraud'))).toBeUndefined();
  });

  it('refuses placeholders given but unused, or used but not given, as DynamoDB does', async () => {
    const table = resetSdkMocks();
    const update = { TableName: TABLE_NAME, Key: keys.model('churn'), UpdateExpression: 'SET latestVersion = :version' };

    await expect(table.updateItem({ ...update, ExpressionAttributeValues: { ':version': 1, ':spare': 2 } })).rejects.toThrow(/ValidationException/);
    await expect(table.updateItem({ ...update, ExpressionAttributeValues: {} })).rejects.toThrow(/ValidationException/);
  });

  it('cancels a transaction with one reason per item when a condition fails, writing none of it', async () => {
    const table = resetSdkMocks().put(items.version('churn', 1));
    const put = (item: Record<string, unknown>) => ({ Put: { TableName: TABLE_NAME, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } });

    const error = await table
      .transactWrite({ TransactItems: [put(items.version('churn', 2)), put(items.version('churn', 1))] })
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(table.get(keys.version('churn', 2))).toBeUndefined();
  });

  it('answers a partition prefix query in sort-key order, backwards when asked, paged from the last key', async () => {
    const table = resetSdkMocks().put(items.version('churn', 1), items.version('churn', 2), items.version('churn', 3), items.alias('churn', 'prod', 1, 1));
    const query = {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'M#churn', ':prefix': 'V#' },
      ScanIndexForward: false,
    };

    const first = await table.query({ ...query, Limit: 2 });
    const second = await table.query({ ...query, Limit: 2, ExclusiveStartKey: first.LastEvaluatedKey });

    expect(first.Items!.map((item) => item.version)).toEqual([3, 2]);
    expect(first.LastEvaluatedKey).toEqual(keys.version('churn', 2));
    expect(second.Items!.map((item) => item.version)).toEqual([1]);
    expect(second.LastEvaluatedKey).toBeUndefined();
  });
});

describe('FakeTable, with the expressions of experiment tracking', () => {
  const run = (runId: string, heartbeatAt: string, revision = 0) => ({
    ...runKeys.run(runId),
    ...runKeys.runIndex('churn', heartbeatAt, runId),
    gsi2pk: 'RUNNING',
    gsi2sk: heartbeatAt,
    runId,
    status: 'RUNNING',
    revision,
  });

  it('puts an item only when its condition holds, else throws ConditionalCheckFailedException', async () => {
    const { experiments } = resetAllSdkMocks();
    const db = experiments;
    const put = { TableName: EXPERIMENTS_TABLE, Item: run('a', 't1'), ConditionExpression: 'attribute_not_exists(pk)' };
    const putItem = (input: typeof put) => db.transactWrite({ TransactItems: [{ Put: input }] });

    await putItem(put);
    await expect(putItem({ ...put, Item: run('a', 't2') })).rejects.toBeInstanceOf(TransactionCanceledException);

    expect(db.get(runKeys.run('a'))).toMatchObject({ gsi2sk: 't1' });
  });

  it('removes attributes, sets the rest, and reads operands from the item as it was', async () => {
    const { experiments } = resetAllSdkMocks();
    experiments.put({ ...run('a', 't1', 3), endTime: 't0', reason: 'crashed' });

    await experiments.updateItem({
      TableName: EXPERIMENTS_TABLE,
      Key: runKeys.run('a'),
      UpdateExpression:
        'SET #status = :status, revision = :revision, registered = list_append(if_not_exists(registered, :none), :link) REMOVE endTime, reason, gsi2pk',
      ConditionExpression: 'revision = :expected AND NOT contains(registered, :name)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'COMPLETED', ':revision': 4, ':expected': 3, ':none': [], ':link': ['churn:1'], ':name': 'churn:1' },
    });

    const item = experiments.get(runKeys.run('a'))!;
    expect(item).toMatchObject({ status: 'COMPLETED', revision: 4, registered: ['churn:1'], gsi2sk: 't1' });
    expect(item).not.toHaveProperty('endTime');
    expect(item).not.toHaveProperty('reason');
    expect(item).not.toHaveProperty('gsi2pk');
  });

  it('answers an index query from the items holding its keys, in index order, projecting only keys from a KEYS_ONLY index, paged', async () => {
    const { experiments } = resetAllSdkMocks();
    const { gsi2pk: _pk, ...ended } = run('c', 't0');
    experiments.put(run('a', 't2'), run('b', 't1'), ended, run('d', 't9'));
    const query = {
      TableName: EXPERIMENTS_TABLE,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :running AND gsi2sk < :before',
      ExpressionAttributeValues: { ':running': 'RUNNING', ':before': 't5' },
    };

    const first = await experiments.query({ ...query, Limit: 1 });
    const second = await experiments.query({ ...query, Limit: 1, ExclusiveStartKey: first.LastEvaluatedKey });
    const third = await experiments.query({ ...query, Limit: 1, ExclusiveStartKey: second.LastEvaluatedKey });
    const whole = await experiments.query({ ...query, Limit: 5 });
    const count = await experiments.query({ ...query, Select: 'COUNT' });

    expect(first.Items).toEqual([{ ...runKeys.run('b'), gsi2pk: 'RUNNING', gsi2sk: 't1' }]);
    expect(first.LastEvaluatedKey).toEqual({ ...runKeys.run('b'), gsi2pk: 'RUNNING', gsi2sk: 't1' });
    expect(second.Items).toEqual([{ ...runKeys.run('a'), gsi2pk: 'RUNNING', gsi2sk: 't2' }]);
    // As DynamoDB: a page that reaches its Limit has a key, even on the last item; the next page is empty.
    expect(second.LastEvaluatedKey).toEqual({ ...runKeys.run('a'), gsi2pk: 'RUNNING', gsi2sk: 't2' });
    expect(third).toEqual({ Items: [], Count: 0, ScannedCount: 0, LastEvaluatedKey: undefined });
    expect(whole.LastEvaluatedKey).toBeUndefined();
    expect(count).toEqual({ Count: 2, ScannedCount: 2, LastEvaluatedKey: undefined });
  });

  it('projects the keys and the included attributes only from an INCLUDE index (the run search index)', async () => {
    const { experiments } = resetAllSdkMocks();
    experiments.put({ ...run('a', 't1'), gsi3pk: 'S#churn#0', gsi3sk: 't1#a', runName: 'first', searchParams: '{}' });

    const { Items } = await experiments.query({
      TableName: EXPERIMENTS_TABLE,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :partition',
      ExpressionAttributeValues: { ':partition': 'S#churn#0' },
    });

    // runName and searchParams are projected; runId, revision and the other indexes' keys are not.
    expect(Items).toEqual([{ ...runKeys.run('a'), gsi3pk: 'S#churn#0', gsi3sk: 't1#a', status: 'RUNNING', runName: 'first', searchParams: '{}' }]);
  });

  it('applies a filter after Limit, as DynamoDB does, and answers BETWEEN on the sort key', async () => {
    const { experiments } = resetAllSdkMocks();
    experiments.put(
      { ...runKeys.history('a', 'loss', 1), steps: [0] },
      { ...runKeys.history('a', 'loss', 2), steps: [1] },
      { ...runKeys.history('a', 'lossy', 1), steps: [9] },
      { ...run('a', 't1'), status: 'FAILED' },
    );

    const history = await experiments.query({
      TableName: EXPERIMENTS_TABLE,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'R#a', ':from': 'M#loss#', ':to': 'M#loss#\uffff' },
    });
    const filtered = await experiments.query({
      TableName: EXPERIMENTS_TABLE,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :experiment',
      FilterExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':experiment': 'E#churn', ':status': 'RUNNING' },
      Limit: 1,
    });

    expect(history.Items?.map((item) => item.steps)).toEqual([[0], [1]]);
    expect(filtered).toMatchObject({ Items: [], Count: 0, ScannedCount: 1 });
  });

  it('refuses an attribute named bare in an expression by a DynamoDB reserved word, as DynamoDB does', async () => {
    const { experiments } = resetAllSdkMocks();
    const update = { TableName: EXPERIMENTS_TABLE, Key: runKeys.run('a'), ExpressionAttributeValues: { ':metrics': {} } };

    await expect(experiments.updateItem({ ...update, UpdateExpression: 'SET metrics = :metrics' })).rejects.toThrow(/reserved keyword: metrics/);
    await experiments.updateItem({ ...update, UpdateExpression: 'SET #metrics = :metrics', ExpressionAttributeNames: { '#metrics': 'metrics' } });

    expect(experiments.get(runKeys.run('a'))).toEqual({ ...runKeys.run('a'), metrics: {} });
  });

  it('refuses what DynamoDB refuses: a consistent read of an index, an unknown index, a transaction of over 100 items', async () => {
    const { experiments } = resetAllSdkMocks();
    const query = { TableName: EXPERIMENTS_TABLE, KeyConditionExpression: 'gsi2pk = :running', ExpressionAttributeValues: { ':running': 'RUNNING' } };
    const puts = Array.from({ length: 101 }, (_, n) => ({ Put: { TableName: EXPERIMENTS_TABLE, Item: { pk: `R#${n}`, sk: '#RUN' } } }));

    await expect(experiments.query({ ...query, IndexName: 'gsi2', ConsistentRead: true })).rejects.toThrow(/Consistent reads are not supported/);
    await expect(experiments.query({ ...query, IndexName: 'gsi9' })).rejects.toThrow(/does not have the specified index/);
    await expect(experiments.transactWrite({ TransactItems: puts })).rejects.toThrow(/less than or equal to 100/);
    expect(experiments.all()).toEqual([]);
  });

  it('writes a transaction across tables all or none', async () => {
    const { registry, experiments } = resetAllSdkMocks();
    registry.put(items.version('churn', 1));

    const error = await experiments
      .transactWrite({
        TransactItems: [
          { Put: { TableName: EXPERIMENTS_TABLE, Item: run('a', 't1') } },
          { Put: { TableName: TABLE_NAME, Item: items.version('churn', 1), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      })
      .catch((thrown: unknown) => thrown);

    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(experiments.all()).toEqual([]);
  });
});
