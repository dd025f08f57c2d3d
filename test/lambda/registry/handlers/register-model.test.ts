import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys as runKeys } from '../../../../lambda/experiments/adapters/table-keys';
import { keys } from '../../../../lambda/registry/adapters/table-keys';
import { TABLE_NAME as EXPERIMENTS_TABLE, RUN_ID } from '../../experiments/handlers/handler-scenarios';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import {
  dynamoMock,
  eventsMock,
  type FakeTable,
  inputsOf,
  invoke,
  REQUEST_ID,
  resetSdkMocks,
  s3Mock,
  sentCommands,
  thrownBy,
  transactionCanceled,
} from '../../handler-support/sdk-mocks';
import {
  ARTIFACT_BUCKET,
  ARTIFACT_SHA256,
  ARTIFACT_URI,
  artifactInS3,
  EVENT_BUS_NAME,
  items,
  MODEL,
  registerModelScenarios,
  sourceRun,
  TABLE_NAME,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(registerModelScenarios, name);

/** The TransactItems of the n-th transaction sent. */
const transaction = (n = 0) => inputsOf('TransactWriteCommand')[n].TransactItems as Record<string, any>[];

describe('RegisterModel handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().registry;
  });

  it.each(registerModelScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))(
    'registers with %s, sending exactly %s',
    async (_, __, each) => {
      const { sent } = await runScenario('RegisterModel', each);

      expect(sent.map((command) => command.command)).toEqual(each.sends);
    },
  );

  it('registers version 1 of a new model: checksum-enabled HeadObject, a counter reservation, a conditional transaction, the latest version raised, one event', async () => {
    const {
      result,
      fakes: { registry: table },
    } = await runScenario('RegisterModel', scenario('a new model'));

    expect(result).toMatchObject({
      name: MODEL,
      version: 1,
      artifact: { uri: ARTIFACT_URI, sha256: ARTIFACT_SHA256, sha256Source: 's3-checksum', s3VersionId: 's3-version-7' },
    });
    expect(inputsOf('HeadObjectCommand')).toEqual([
      { Bucket: ARTIFACT_BUCKET, Key: 'models/churn/model.tar.gz', VersionId: undefined, ChecksumMode: 'ENABLED' },
    ]);
    expect(inputsOf('GetCommand')).toEqual([]);
    const [reserve, raise, ...moreUpdates] = inputsOf('UpdateCommand');
    expect(moreUpdates).toEqual([]);
    expect(reserve).toMatchObject({
      TableName: TABLE_NAME,
      Key: { pk: 'M#churn', sk: '#MODEL' },
      UpdateExpression: expect.stringContaining('ADD nextVersion :one'),
      ExpressionAttributeValues: expect.objectContaining({ ':one': 1 }),
      ReturnValues: 'UPDATED_NEW',
    });
    expect(reserve).not.toHaveProperty('ConditionExpression');
    const [version, ...others] = transaction();
    expect(others).toEqual([]);
    expect(version.Put).toMatchObject({
      TableName: TABLE_NAME,
      // User-keyed records go to the document client as Maps (a key named `constructor` marshals too).
      Item: { pk: 'M#churn', sk: 'V#0000000001', name: MODEL, version: 1, metrics: new Map([['auc', 0.91]]) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const createdAt = version.Put.Item.createdAt;
    expect(raise).toEqual({
      TableName: TABLE_NAME,
      Key: { pk: 'M#churn', sk: '#MODEL' },
      UpdateExpression: 'SET latestVersion = :version, updatedAt = :at',
      ConditionExpression: 'latestVersion < :version',
      ExpressionAttributeValues: { ':version': 1, ':at': createdAt },
    });
    // The model item the reservation created (latest version 0) and the raise took to 1: listed on the model index, counter at 1.
    expect(table.get(keys.model(MODEL))).toEqual({
      ...keys.model(MODEL),
      ...keys.modelIndex(MODEL),
      name: MODEL,
      createdAt,
      updatedAt: createdAt,
      latestVersion: 1,
      nextVersion: 1,
    });
    const [event] = inputsOf('PutEventsCommand');
    expect(event.Entries).toEqual([
      { EventBusName: EVENT_BUS_NAME, Source: 'mlops-platform.registry', DetailType: 'ModelVersionRegistered', Detail: expect.any(String) },
    ]);
    expect(JSON.parse(event.Entries[0].Detail)).toMatchObject({ name: MODEL, version: 1, artifact: { sha256: ARTIFACT_SHA256 } });
  });

  it('registers the next version of an existing model from its counter, keeping the model creation time', async () => {
    const {
      result,
      fakes: { registry: table },
    } = await runScenario('RegisterModel', scenario('an existing model'));

    expect(result).toMatchObject({ version: 3 });
    expect(transaction()[0].Put.Item).toMatchObject({ sk: 'V#0000000003', version: 3 });
    expect(table.get(keys.model(MODEL))).toMatchObject({ createdAt: items.model(MODEL, 2).createdAt, latestVersion: 3, nextVersion: 3 });
  });

  it('writes one tag index item per tag in the same transaction', async () => {
    await runScenario('RegisterModel', scenario('tags, written to the tag index'));

    const tagPuts = transaction()
      .slice(1)
      .map((item) => item.Put);
    expect(tagPuts).toEqual([
      {
        TableName: TABLE_NAME,
        Item: { pk: 'M#churn', sk: 'G#0000000001#stage', gsi1pk: 'TAG#stage', gsi1sk: 'candidate\u001fchurn\u001f0000000001', name: MODEL, version: 1 },
      },
      {
        TableName: TABLE_NAME,
        Item: { pk: 'M#churn', sk: 'G#0000000001#team', gsi1pk: 'TAG#team', gsi1sk: 'risk\u001fchurn\u001f0000000001', name: MODEL, version: 1 },
      },
    ]);
  });

  it('looks the client token up first and claims it in the transaction, right after the version, expiring after 30 days', async () => {
    await runScenario('RegisterModel', scenario('a new client token'));

    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: { pk: 'M#churn', sk: 'T#pipeline-run-42' }, ConsistentRead: true }]);
    const [version, token] = transaction();
    expect(token.Put).toEqual({
      TableName: TABLE_NAME,
      Item: { pk: 'M#churn', sk: 'T#pipeline-run-42', version: 1, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), expiresAt: expect.any(Number) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(token.Put.Item.expiresAt).toBe(Math.floor(Date.parse(version.Put.Item.createdAt) / 1000) + 30 * 86_400);
  });

  it('replays a client token: same result, no reservation or write, the latest version raise and the event sent again', async () => {
    const {
      result,
      arranged,
      fakes: { registry: table },
    } = await runScenario('RegisterModel', scenario('a replayed client token'));

    const firstCommit = arranged.find((command) => command.command === 'TransactWriteCommand');
    const createdAt = firstCommit?.input.TransactItems[0].Put.Item.createdAt;
    expect(result).toMatchObject({ name: MODEL, version: 1, createdAt });
    expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual([keys.token(MODEL, 'pipeline-run-42'), keys.version(MODEL, 1)]);
    // The only update is the raise, with the version's own time; the model is already at 1, so its condition refuses it.
    expect(inputsOf('UpdateCommand')).toEqual([
      expect.objectContaining({ ConditionExpression: 'latestVersion < :version', ExpressionAttributeValues: { ':version': 1, ':at': createdAt } }),
    ]);
    expect(table.get(keys.model(MODEL))).toMatchObject({ latestVersion: 1, nextVersion: 1, updatedAt: createdAt });
    expect(inputsOf('TransactWriteCommand')).toEqual([]);
    expect(inputsOf('PutEventsCommand')[0].Entries[0].DetailType).toBe('ModelVersionRegistered');
  });

  it('replays the version a concurrent identical call committed when the transaction is cancelled on the token, leaving its own number unused', async () => {
    const {
      result,
      fakes: { registry: table },
    } = await runScenario('RegisterModel', scenario('a client token taken by a concurrent identical call'));

    expect(result).toMatchObject({ name: MODEL, version: 2 });
    expect(inputsOf('TransactWriteCommand')).toHaveLength(1);
    // The reservation of the unused number, then the raise to the replayed version (already there: the concurrent call raised it).
    expect(inputsOf('UpdateCommand')).toEqual([
      expect.objectContaining({ ReturnValues: 'UPDATED_NEW' }),
      expect.objectContaining({ ConditionExpression: 'latestVersion < :version', ExpressionAttributeValues: expect.objectContaining({ ':version': 2 }) }),
    ]);
    expect(table.get(keys.model(MODEL))).toMatchObject({ latestVersion: 2, nextVersion: 2 });
    expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual([
      keys.token(MODEL, 'pipeline-run-42'),
      keys.token(MODEL, 'pipeline-run-42'),
      keys.version(MODEL, 2),
    ]);
    expect(table.get(keys.version(MODEL, 1))).toBeUndefined();
    expect(JSON.parse(inputsOf('PutEventsCommand')[0].Entries[0].Detail)).toMatchObject({ name: MODEL, version: 2 });
  });

  it('leaves the latest version where a concurrent registration of a higher version put it, its own raise refused by the condition', async () => {
    const {
      result,
      fakes: { registry: table },
    } = await runScenario('RegisterModel', scenario('a concurrent registration of a higher version committed first'));

    expect(result).toMatchObject({ version: 2 });
    expect(inputsOf('UpdateCommand')[1].ExpressionAttributeValues).toMatchObject({ ':version': 2 });
    expect(table.get(keys.model(MODEL))).toMatchObject({ latestVersion: 3, nextVersion: 3 });
    expect(table.get(keys.version(MODEL, 2))).toMatchObject({ version: 2, metrics: { auc: 0.91 } });
    expect(inputsOf('PutEventsCommand')).toHaveLength(1);
  });

  it('computes the digest from the S3 object version it pinned when S3 has no checksum', async () => {
    const { result } = await runScenario('RegisterModel', scenario('a digest computed by reading the artifact (no S3 checksum)'));

    expect(inputsOf('GetObjectCommand')).toEqual([{ Bucket: ARTIFACT_BUCKET, Key: 'models/churn/model.tar.gz', VersionId: 's3-version-7' }]);
    expect(result).toMatchObject({ artifact: { sha256: ARTIFACT_SHA256, sha256Source: 'computed' } });
  });

  it('asks S3 for the pinned artifact version and records it', async () => {
    const { result } = await runScenario('RegisterModel', scenario('a pinned artifact version'));

    expect(inputsOf('HeadObjectCommand')[0]).toMatchObject({ VersionId: 's3-version-3', ChecksumMode: 'ENABLED' });
    expect(result).toMatchObject({ artifact: { s3VersionId: 's3-version-3' } });
  });

  it("copies a tracked source run's params and final metrics into the version, and links the version from the run, both on the tracking table", async () => {
    const { result, fakes: tables } = await runScenario(
      'RegisterModel',
      scenario('a tracked source run, its params and metrics copied and the version linked from it'),
    );

    expect(result).toMatchObject({ name: MODEL, version: 1 });
    expect(tables.registry.get(keys.version(MODEL, 1))).toMatchObject({
      sourceRunId: RUN_ID,
      sourceRun: { experiment: sourceRun().experiment, runName: sourceRun().runName },
      parameters: { lr: '0.1', epochs: '20' },
      // The request's own metric wins over the run's final value.
      metrics: { auc: 0.91, loss: 0.21 },
    });
    expect(inputsOf('GetCommand')).toEqual([{ TableName: EXPERIMENTS_TABLE, Key: runKeys.run(RUN_ID), ConsistentRead: true }]);
    const link = inputsOf('UpdateCommand').filter((input) => input.TableName === EXPERIMENTS_TABLE);
    expect(link).toEqual([expect.objectContaining({ Key: runKeys.run(RUN_ID), ConditionExpression: expect.stringContaining('attribute_exists(pk)') })]);
    expect(tables.experiments.get(runKeys.run(RUN_ID))).toMatchObject({ registeredVersions: [`${MODEL}:1`], revision: 3, status: 'COMPLETED' });
  });

  it('links the run once when a client token is replayed, the repeated link refused by its condition', async () => {
    const { result, fakes: tables } = await runScenario('RegisterModel', scenario('a replayed client token of a version from a tracked run'));

    expect(result).toMatchObject({ version: 1 });
    expect(tables.experiments.get(runKeys.run(RUN_ID))).toMatchObject({ registeredVersions: [`${MODEL}:1`] });
  });

  it('records a source run id of another form (a SageMaker job, a CI run) as given, reading no tracked run', async () => {
    artifactInS3();

    const result = await invoke('RegisterModel', { name: MODEL, artifact: { uri: ARTIFACT_URI }, sourceRunId: 'sagemaker-job-7' });

    expect(result).toMatchObject({ version: 1 });
    expect(table.get(keys.version(MODEL, 1))).toMatchObject({ sourceRunId: 'sagemaker-job-7' });
    expect(table.get(keys.version(MODEL, 1))).not.toHaveProperty('sourceRun');
    expect(sentCommands().filter((command) => command.input.TableName === EXPERIMENTS_TABLE)).toEqual([]);
  });

  it('fails with ValidationError at sourceRunId for a tracked run id that names no run, writing nothing', async () => {
    artifactInS3();

    const error = await thrownBy(invoke('RegisterModel', { name: MODEL, artifact: { uri: ARTIFACT_URI }, sourceRunId: RUN_ID }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(`sourceRunId: is not a run known to experiment tracking (${RUN_ID})`);
    expect(sentCommands().map((command) => command.command)).toEqual(['HeadObjectCommand', 'GetCommand']);
  });

  it.each([
    ['a transaction conflict on the token', ['None', 'TransactionConflict']],
    ['a failed condition on the version item', ['ConditionalCheckFailed', 'None']],
  ])('fails with InternalError, not a replay, when the transaction is cancelled by %s; a retry takes the next number', async (_, codes) => {
    artifactInS3();
    dynamoMock
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled(...codes))
      .callsFake(table.transactWrite);
    const request = { name: MODEL, artifact: { uri: ARTIFACT_URI }, clientToken: 'pipeline-run-42' };

    const error = await thrownBy(invoke('RegisterModel', request));
    const reservedAt = inputsOf('UpdateCommand')[0].ExpressionAttributeValues[':at'];
    // The reservation alone leaves a model listed with latest version 0, updated at the reservation.
    const reservedOnly = table.get(keys.model(MODEL));
    const retried = await invoke('RegisterModel', request);

    expect(error.name).toBe('InternalError');
    expect(reservedOnly).toEqual({
      ...keys.model(MODEL),
      ...keys.modelIndex(MODEL),
      name: MODEL,
      createdAt: reservedAt,
      updatedAt: reservedAt,
      latestVersion: 0,
      nextVersion: 1,
    });
    expect(retried).toMatchObject({ version: 2 });
    expect(table.get(keys.model(MODEL))).toMatchObject({ createdAt: reservedAt, latestVersion: 2, nextVersion: 2 });
    expect(table.get(keys.version(MODEL, 1))).toBeUndefined();
    expect(inputsOf('PutEventsCommand')).toHaveLength(1);
  });

  it('fails with InternalError when raising the latest version fails after the commit; a retry with the client token completes the call', async () => {
    artifactInS3();
    const throttled = new DynamoDBServiceException({
      name: 'ProvisionedThroughputExceededException',
      message: 'slow down',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    let raises = 0;
    dynamoMock.on(UpdateCommand).callsFake((input) => {
      if (input.ConditionExpression !== undefined && raises++ === 0) throw throttled;
      return table.updateItem(input);
    });
    const request = { name: MODEL, artifact: { uri: ARTIFACT_URI }, clientToken: 'pipeline-run-42' };

    const error = await thrownBy(invoke('RegisterModel', request));
    const committed = table.get(keys.version(MODEL, 1));
    const behind = table.get(keys.model(MODEL));
    const retried = await invoke('RegisterModel', request);

    expect(error.name).toBe('InternalError');
    expect(committed).toMatchObject({ version: 1 });
    expect(behind).toMatchObject({ latestVersion: 0, nextVersion: 1 });
    expect(retried).toMatchObject({ version: 1, createdAt: committed?.createdAt });
    // The retry reserved and wrote nothing, and caught the model's latest version up.
    expect(inputsOf('UpdateCommand').filter((input) => input.ReturnValues === 'UPDATED_NEW')).toHaveLength(1);
    expect(inputsOf('TransactWriteCommand')).toHaveLength(1);
    expect(table.get(keys.model(MODEL))).toMatchObject({ latestVersion: 1, nextVersion: 1, updatedAt: committed?.createdAt });
    // The event went out alongside the failed raise, and again on the retry.
    expect(inputsOf('PutEventsCommand').map((input) => JSON.parse(input.Entries[0].Detail).version)).toEqual([1, 1]);
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
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI } }));

    expect(error.name).toBe('InternalError');
    expect(dynamoMock.calls()).toHaveLength(0);
  });

  it('fails with InternalError naming the request id and no AWS internals when DynamoDB fails', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10, ETag: '"e"', VersionId: 'v1', ChecksumSHA256: 'bm90IGEgcmVhbCBkaWdlc3QgYnV0IGJhc2U2NA==' });
    const arn = `arn:aws:dynamodb:eu-west-1:123456789012:table/${TABLE_NAME}`;
    dynamoMock.on(UpdateCommand).rejects(
      new DynamoDBServiceException({
        name: 'AccessDeniedException',
        message: `User: arn:aws:sts::123456789012:assumed-role/RegisterModelRole/fn is not authorized to perform: dynamodb:UpdateItem on resource: ${arn}`,
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
    eventsMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'arn:aws:events:eu-west-1:123456789012:event-bus/platform-bus' }],
    });

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI } }));

    expect(error.name).toBe('InternalError');
    expect(error.message).not.toContain('arn:');
  });

  it('fails with ConflictError when a client token is reused for a different request, writing nothing', async () => {
    artifactInS3();
    table.put({ ...keys.token(MODEL, 'pipeline-run-42'), version: 1, fingerprint: '0'.repeat(64) }, items.version(MODEL, 1));

    const error = await thrownBy(invoke('RegisterModel', { name: 'churn', artifact: { uri: ARTIFACT_URI }, clientToken: 'pipeline-run-42' }));

    expect(error.name).toBe('ConflictError');
    expect(error.message).toContain('pipeline-run-42');
    // The artifact check ran alongside the token lookup; nothing was reserved or written.
    expect(sentCommands().map((command) => command.command)).toEqual(['GetCommand', 'HeadObjectCommand']);
  });

  describe('at the size limits of the request schema', () => {
    /** The largest request the schema accepts, its free text made of `char` (a multi-byte character makes it larger still). */
    function largestRequest(char: string) {
      const text = (prefix: string, length: number) => (prefix + char.repeat(length)).slice(0, length);
      const key = (prefix: string, i: number, length: number) => `${prefix}${i}_${'k'.repeat(length)}`.slice(0, length);
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
        datasets: Array.from({ length: 20 }, (_, i) => ({
          uri: text(`s3://data/${i}/`, 1100),
          sha256: 'b'.repeat(64),
          name: text('n', 250),
          role: 'validation',
        })),
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
      s3Mock
        .on(HeadObjectCommand)
        .resolves({ ContentLength: 10, ETag: '"e"', VersionId: 'v1', ChecksumSHA256: Buffer.from('x'.repeat(32)).toString('base64') });
    });

    it("publishes the event of the largest request within EventBridge's 256 KB entry limit, or refuses the request", async () => {
      const outcome = await invoke('RegisterModel', largestRequest('x')).then(
        () => 'registered',
        (error: Error) => error.name,
      );

      // EventBridge counts an entry's Source, DetailType and Detail (and Time and Resources, unset here).
      const entrySizes = inputsOf('PutEventsCommand').flatMap((input) =>
        input.Entries.map(
          (entry: Record<string, string>) => Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail),
        ),
      );
      expect(['registered', 'ValidationError']).toContain(outcome);
      expect(entrySizes.filter((size) => size > EVENTBRIDGE_ENTRY_LIMIT_BYTES)).toEqual([]);
    });

    it("writes no item over DynamoDB's 400 KB item limit for the largest multi-byte request, or refuses it", async () => {
      const outcome = await invoke('RegisterModel', largestRequest('\u20ac')).then(
        () => 'registered',
        (error: Error) => error.name,
      );

      const itemSizes = inputsOf('TransactWriteCommand').flatMap((input) =>
        input.TransactItems.map((item: Record<string, any>) => minimumItemBytes(Object.values(item)[0].Item ?? {})),
      );
      expect(['registered', 'ValidationError']).toContain(outcome);
      expect(itemSizes.filter((size: number) => size > DYNAMODB_ITEM_LIMIT_BYTES)).toEqual([]);
    });
  });
});
