import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys } from '../../../../lambda/registry/adapters/table-keys';
import { items, resetSdkMocks, TABLE_NAME } from './sdk-mocks';

/** The FakeTable must check and apply writes as DynamoDB does, or the handler tests prove nothing. */

/** The expressions the DynamoDB adapter sends to take a version number and to raise the latest version. */
const RESERVE =
  'SET #name = :name, createdAt = if_not_exists(createdAt, :at), updatedAt = if_not_exists(updatedAt, :at), ' +
  'latestVersion = if_not_exists(latestVersion, :none), gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD nextVersion :one';
const RAISE = 'latestVersion < :version';

const reserveValues = (at: string) => {
  const { gsi1pk, gsi1sk } = keys.modelIndex('churn');
  return { ':name': 'churn', ':at': at, ':none': 0, ':one': 1, ':gsi1pk': gsi1pk, ':gsi1sk': gsi1sk };
};

describe('FakeTable', () => {
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

    const error = await table.transactWrite({ TransactItems: [put(items.version('churn', 2)), put(items.version('churn', 1))] }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(table.get(keys.version('churn', 2))).toBeUndefined();
  });

  it('answers a partition prefix query in sort-key order, backwards when asked, paged from the last key', async () => {
    const table = resetSdkMocks().put(items.version('churn', 1), items.version('churn', 2), items.version('churn', 3), items.alias('churn', 'prod', 1, 1));
    const query = { TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': 'M#churn', ':prefix': 'V#' }, ScanIndexForward: false };

    const first = await table.query({ ...query, Limit: 2 });
    const second = await table.query({ ...query, Limit: 2, ExclusiveStartKey: first.LastEvaluatedKey });

    expect(first.Items.map((item) => item.version)).toEqual([3, 2]);
    expect(first.LastEvaluatedKey).toEqual(keys.version('churn', 2));
    expect(second.Items.map((item) => item.version)).toEqual([1]);
    expect(second.LastEvaluatedKey).toBeUndefined();
  });
});
