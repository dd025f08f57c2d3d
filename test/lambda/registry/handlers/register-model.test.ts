import { NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../lambda/registry/adapters/table-keys';
import { ARTIFACT_SHA256, ARTIFACT_URI, MODEL, registerModelScenarios, runScenario } from './handler-scenarios';
import {
  ARTIFACT_BUCKET,
  dynamoMock,
  EVENT_BUS_NAME,
  eventsMock,
  type FakeTable,
  inputsOf,
  invoke,
  items,
  REQUEST_ID,
  resetSdkMocks,
  s3Mock,
  sentCommands,
  TABLE_NAME,
  thrownBy,
} from './sdk-mocks';

const scenario = (name: string) => {
  const found = registerModelScenarios.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no RegisterModel scenario named "${name}"`);
  return found;
};

/** The TransactItems of the n-th transaction sent. */
const transaction = (n = 0) => inputsOf('TransactWriteCommand')[n].TransactItems as Record<string, any>[];

describe('RegisterModel handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks();
  });

  it.each(registerModelScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))(
    'registers with %s, sending exactly %s',
    async (_, __, each) => {
      const { sent } = await runScenario('RegisterModel', each);

      expect(sent.map((command) => command.command)).toEqual(each.sends);
    },
  );

  it('registers version 1 of a new model: checksum-enabled HeadObject, consistent read, conditional transaction, one event', async () => {
    const { result } = await runScenario('RegisterModel', scenario('a new model'));

    expect(result).toMatchObject({ name: MODEL, version: 1, artifact: { uri: ARTIFACT_URI, sha256: ARTIFACT_SHA256, sha256Source: 's3-checksum', s3VersionId: 's3-version-7' } });
    expect(inputsOf('HeadObjectCommand')).toEqual([{ Bucket: ARTIFACT_BUCKET, Key: 'churn/model.tar.gz', VersionId: undefined, ChecksumMode: 'ENABLED' }]);
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: { pk: 'M#churn', sk: '#MODEL' }, ConsistentRead: true }]);
    const [model, version, ...others] = transaction();
    expect(others).toEqual([]);
    expect(model.Update).toMatchObject({
      TableName: TABLE_NAME,
      Key: { pk: 'M#churn', sk: '#MODEL' },
      ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeValues: expect.objectContaining({ ':version': 1, ':gsi1pk': 'MODELS', ':gsi1sk': MODEL }),
    });
    expect(model.Update.ExpressionAttributeValues).not.toHaveProperty(':expected');
    expect(version.Put).toMatchObject({
      TableName: TABLE_NAME,
      Item: { pk: 'M#churn', sk: 'V#0000000001', name: MODEL, version: 1, metrics: { auc: 0.91 } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const [event] = inputsOf('PutEventsCommand');
    expect(event.Entries).toEqual([
      { EventBusName: EVENT_BUS_NAME, Source: 'mlops-platform.registry', DetailType: 'ModelVersionRegistered', Detail: expect.any(String) },
    ]);
    expect(JSON.parse(event.Entries[0].Detail)).toMatchObject({ name: MODEL, version: 1, artifact: { sha256: ARTIFACT_SHA256 } });
  });

  it('registers the next version of an existing model, conditional on the latest version it read', async () => {
    const { result } = await runScenario('RegisterModel', scenario('an existing model'));

    expect(result).toMatchObject({ version: 3 });
    const [model, version] = transaction();
    expect(model.Update).toMatchObject({
      ConditionExpression: 'latestVersion = :expected',
      ExpressionAttributeValues: expect.objectContaining({ ':expected': 2, ':version': 3 }),
    });
    expect(version.Put.Item).toMatchObject({ sk: 'V#0000000003', version: 3 });
  });

  it('writes one tag index item per tag in the same transaction', async () => {
    await runScenario('RegisterModel', scenario('tags, written to the tag index'));

    const tagPuts = transaction().slice(2).map((item) => item.Put);
    expect(tagPuts).toEqual([
      { TableName: TABLE_NAME, Item: { pk: 'M#churn', sk: 'G#0000000001#stage', gsi1pk: 'TAG#stage', gsi1sk: 'candidate\u001fchurn\u001f0000000001', name: MODEL, version: 1 } },
      { TableName: TABLE_NAME, Item: { pk: 'M#churn', sk: 'G#0000000001#team', gsi1pk: 'TAG#team', gsi1sk: 'risk\u001fchurn\u001f0000000001', name: MODEL, version: 1 } },
    ]);
  });

  it('looks the client token up first and claims it in the transaction, expiring after 30 days', async () => {
    await runScenario('RegisterModel', scenario('a new client token'));

    expect(inputsOf('GetCommand')[0]).toEqual({ TableName: TABLE_NAME, Key: { pk: 'M#churn', sk: 'T#pipeline-run-42' }, ConsistentRead: true });
    const [, version, token] = transaction();
    expect(token.Put).toEqual({
      TableName: TABLE_NAME,
      Item: { pk: 'M#churn', sk: 'T#pipeline-run-42', version: 1, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), expiresAt: expect.any(Number) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(token.Put.Item.expiresAt).toBe(Math.floor(Date.parse(version.Put.Item.createdAt) / 1000) + 30 * 86_400);
  });

  it('replays a client token: same result, no S3 call, no write, the event published again', async () => {
    const { result, arranged } = await runScenario('RegisterModel', scenario('a replayed client token'));

    const firstResult = arranged.find((command) => command.command === 'TransactWriteCommand');
    expect(result).toMatchObject({ name: MODEL, version: 1, createdAt: firstResult?.input.TransactItems[1].Put.Item.createdAt });
    expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual([keys.token(MODEL, 'pipeline-run-42'), keys.version(MODEL, 1)]);
    expect(inputsOf('PutEventsCommand')[0].Entries[0].DetailType).toBe('ModelVersionRegistered');
  });

  it('replays when a concurrent call with the same client token wins the transaction', async () => {
    const { result } = await runScenario('RegisterModel', scenario('a client token taken by a concurrent identical call'));

    expect(result).toMatchObject({ name: MODEL, version: 1 });
    expect(inputsOf('TransactWriteCommand')).toHaveLength(1);
  });

  it('computes the digest from the S3 object version it pinned when S3 has no checksum', async () => {
    const { result } = await runScenario('RegisterModel', scenario('a digest computed by reading the artifact (no S3 checksum)'));

    expect(inputsOf('GetObjectCommand')).toEqual([{ Bucket: ARTIFACT_BUCKET, Key: 'churn/model.tar.gz', VersionId: 's3-version-7' }]);
    expect(result).toMatchObject({ artifact: { sha256: ARTIFACT_SHA256, sha256Source: 'computed' } });
  });

  it('asks S3 for the pinned artifact version and records it', async () => {
    const { result } = await runScenario('RegisterModel', scenario('a pinned artifact version'));

    expect(inputsOf('HeadObjectCommand')[0]).toMatchObject({ VersionId: 's3-version-3', ChecksumMode: 'ENABLED' });
    expect(result).toMatchObject({ artifact: { s3VersionId: 's3-version-3' } });
  });

  it('retries after a TransactionCanceledException with ConditionalCheckFailed on the model item, taking the next version', async () => {
    const { result } = await runScenario('RegisterModel', scenario('a lost race for the next version'));

    expect(result).toMatchObject({ version: 3 });
    const attempts = inputsOf('TransactWriteCommand').map((input) => input.TransactItems[0].Update.ExpressionAttributeValues);
    expect(attempts).toEqual([
      expect.objectContaining({ ':expected': 1, ':version': 2 }),
      expect.objectContaining({ ':expected': 2, ':version': 3 }),
    ]);
  });

  it('fails with ValidationError naming the bad fields, sending no SDK command', async () => {
    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: 'https://example.com/model' }, metrics: { auc: 'high' } }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('artifact.uri');
    expect(error.message).toContain('metrics.auc');
    expect(sentCommands()).toEqual([]);
  });

  it('fails with ValidationError at artifact.uri for an artifact in another bucket, sending no SDK command', async () => {
    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: 's3://other-bucket/model.tar.gz' } }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^artifact\.uri: /);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with ValidationError at artifact.uri when S3 has no such object, writing nothing', async () => {
    s3Mock.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI } }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^artifact\.uri: no object at/);
    expect(sentCommands().map((command) => command.command)).toEqual(['HeadObjectCommand']);
  });

  it('fails with InternalError, not ValidationError, when S3 denies access to the artifact', async () => {
    s3Mock.on(HeadObjectCommand).rejects(
      new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } }),
    );

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI } }));

    expect(error.name).toBe('InternalError');
    expect(dynamoMock.calls()).toHaveLength(0);
  });

  it('fails with InternalError naming the request id and no AWS internals when DynamoDB fails', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10, ETag: '"e"', VersionId: 'v1', ChecksumSHA256: 'bm90IGEgcmVhbCBkaWdlc3QgYnV0IGJhc2U2NA==' });
    const arn = `arn:aws:dynamodb:eu-west-1:123456789012:table/${TABLE_NAME}`;
    dynamoMock.on(GetCommand).rejects(
      new DynamoDBServiceException({
        name: 'AccessDeniedException',
        message: `User: arn:aws:sts::123456789012:assumed-role/RegisterModelRole/fn is not authorized to perform: dynamodb:GetItem on resource: ${arn}`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: 'AWS-REQUEST-ID-123' },
      }),
    );

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI } }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/arn:|dynamodb|authorized|AccessDenied|AWS-REQUEST-ID|123456789012/);
    expect(error.stack).toBe(`InternalError: ${error.message}`);
  });

  it('fails with InternalError when EventBridge refuses the event', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10, ETag: '"e"', VersionId: 'v1', ChecksumSHA256: 'bm90IGEgcmVhbCBkaWdlc3QgYnV0IGJhc2U2NA==' });
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'arn:aws:events:eu-west-1:123456789012:event-bus/platform-bus' }] });

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI } }));

    expect(error.name).toBe('InternalError');
    expect(error.message).not.toContain('arn:');
  });

  it('fails with ConflictError when a client token is reused for a different request, writing nothing', async () => {
    table.put({ ...keys.token(MODEL, 'pipeline-run-42'), version: 1, fingerprint: '0'.repeat(64) }, items.version(MODEL, 1));

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI }, clientToken: 'pipeline-run-42' }));

    expect(error.name).toBe('ConflictError');
    expect(error.message).toContain('pipeline-run-42');
    expect(sentCommands().map((command) => command.command)).toEqual(['GetCommand']);
  });

  describe('at the size limits of the request schema', () => {
    /** The largest request the schema accepts, its free text made of `char` (a multi-byte character makes it larger still). */
    function largestRequest(char: string) {
      const text = (prefix: string, length: number) => (prefix + char.repeat(length)).slice(0, length);
      const key = (prefix: string, i: number, length: number) => (`${prefix}${i}_` + 'k'.repeat(length)).slice(0, length);
      const uri = `s3://${ARTIFACT_BUCKET}/${'k'.repeat(1100 - `s3://${ARTIFACT_BUCKET}/`.length)}`;
      return {
        name: 'm'.repeat(255),
        artifact: { uri },
        description: text('', 5000),
        framework: text('f', 100),
        metrics: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [key('m', i, 250), -1.2345678901234567e-300])),
        parameters: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [key('p', i, 250), text('', 1000)])),
        tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [key('t', i, 128), text('', 256)])),
        properties: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [key('q', i, 128), text('', 1000)])),
        datasets: Array.from({ length: 20 }, (_, i) => ({ uri: text(`s3://data/${i}/`, 1100), sha256: 'b'.repeat(64), name: text('n', 250), role: 'validation' })),
        sourceRunId: 'r'.repeat(128),
        actor: text('a', 256),
        clientToken: 't'.repeat(128),
      };
    }

    /** A lower bound of DynamoDB's item size: the UTF-8 bytes of attribute names and string values, one byte per number. */
    function minimumItemBytes(value: unknown): number {
      if (typeof value === 'string') return Buffer.byteLength(value);
      if (typeof value === 'number') return 1;
      if (Array.isArray(value)) return value.reduce((sum: number, inner) => sum + minimumItemBytes(inner), 0);
      if (value !== null && typeof value === 'object') {
        return Object.entries(value).reduce((sum, [name, inner]) => sum + Buffer.byteLength(name) + minimumItemBytes(inner), 0);
      }
      return 0;
    }

    const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;
    const EVENTBRIDGE_ENTRY_LIMIT_BYTES = 256 * 1024;

    beforeEach(() => {
      s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10, ETag: '"e"', VersionId: 'v1', ChecksumSHA256: Buffer.from('x'.repeat(32)).toString('base64') });
    });

    it("publishes the event of the largest request within EventBridge's 256 KB entry limit, or refuses the request", async () => {
      const outcome = await invoke('RegisterModel', largestRequest('x')).then(() => 'registered', (error: Error) => error.name);

      // EventBridge counts an entry's Source, DetailType and Detail (and Time and Resources, unset here).
      const entrySizes = inputsOf('PutEventsCommand').flatMap((input) =>
        input.Entries.map((entry: Record<string, string>) => Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail)),
      );
      expect(['registered', 'ValidationError']).toContain(outcome);
      expect(entrySizes.filter((size) => size > EVENTBRIDGE_ENTRY_LIMIT_BYTES)).toEqual([]);
    });

    it("writes no item over DynamoDB's 400 KB item limit for the largest multi-byte request, or refuses it", async () => {
      const outcome = await invoke('RegisterModel', largestRequest('\u20ac')).then(() => 'registered', (error: Error) => error.name);

      const itemSizes = inputsOf('TransactWriteCommand').flatMap((input) =>
        input.TransactItems.map((item: Record<string, any>) => minimumItemBytes(Object.values(item)[0].Item ?? {})),
      );
      expect(['registered', 'ValidationError']).toContain(outcome);
      expect(itemSizes.filter((size: number) => size > DYNAMODB_ITEM_LIMIT_BYTES)).toEqual([]);
    });
  });
});
