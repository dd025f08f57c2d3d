import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { iamNeedsOf, recordIamActions, recordIamNeeds } from './handler-scenarios';

describe('recordIamActions', () => {
  it('lists what RegisterModel needs: item reads, counter updates and transactional puts, versioned object reads with ListBucket, PutEvents', async () => {
    const actions = await recordIamActions('RegisterModel');

    expect([...actions].sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucket',
    ]);
  });

  it('lists what SetModelAlias needs: a read, a condition check and puts in one transaction, PutEvents', async () => {
    const actions = await recordIamActions('SetModelAlias');

    expect([...actions].sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'events:PutEvents']);
  });

  it('lists what QueryRegistry needs, telling table queries from index queries', async () => {
    const needs = await recordIamNeeds('QueryRegistry');

    expect(needs).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: 'table' },
      { action: 'dynamodb:GetItem', resource: 'table' },
      { action: 'dynamodb:Query', resource: 'index' },
      { action: 'dynamodb:Query', resource: 'table' },
    ]);
  });
});

describe('iamNeedsOf', () => {
  const sent = (command: { input: object }) => ({ sent: command, input: command.input as Record<string, unknown> });

  it('needs s3:GetObjectVersion only for reads of a given object version', () => {
    const current = iamNeedsOf([sent(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))]);
    const pinned = iamNeedsOf([sent(new GetObjectCommand({ Bucket: 'b', Key: 'k', VersionId: 'v1' }))]);

    expect(current.map((need) => need.action)).toEqual(['s3:GetObject']);
    expect(pinned.map((need) => need.action)).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
  });

  it('needs s3:ListBucket on the bucket for HeadObject, so a missing key reads as 404, not 403', () => {
    const needs = iamNeedsOf([sent(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }))]);

    expect(needs).toEqual([
      { action: 's3:GetObject', resource: 'object' },
      { action: 's3:ListBucket', resource: 'bucket' },
    ]);
  });

  it('authorises a transaction by the action of each of its items', () => {
    const transaction = new TransactWriteCommand({
      TransactItems: [{ Delete: { TableName: 't', Key: { pk: 'a' } } }, { ConditionCheck: { TableName: 't', Key: { pk: 'b' }, ConditionExpression: 'attribute_exists(pk)' } }],
    });

    expect(iamNeedsOf([sent(transaction)]).map((need) => need.action)).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem']);
  });

  it('fails loudly on a command with no IAM mapping, naming it', () => {
    expect(() => iamNeedsOf([sent(new ScanCommand({ TableName: 't' }))])).toThrow(/no IAM action mapped for ScanCommand/);
  });
});
