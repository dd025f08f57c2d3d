/**
 * Scenarios that together drive every code path of the registry handlers that sends an SDK call
 * (run by the handler tests and by the IAM coverage test), and the registry items they start from.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../lambda/registry/adapters/table-keys';
import type { ModelVersionRecord } from '../../../../lambda/registry/core/model';
import { RUN_ID, items as runItems, summary } from '../../experiments/handlers/handler-scenarios';
import type { HandlerScenario, HandlerScenarios } from '../../handler-support/scenarios';
import { dynamoMock, type FakeTable, FUNCTION_ENVIRONMENT, invoke, type RegistryFunction, s3Mock } from '../../handler-support/sdk-mocks';

export const TABLE_NAME = FUNCTION_ENVIRONMENT.REGISTRY_TABLE_NAME;
export const ARTIFACT_BUCKET = FUNCTION_ENVIRONMENT.ARTIFACT_BUCKET_NAME;
export const EVENT_BUS_NAME = FUNCTION_ENVIRONMENT.EVENT_BUS_NAME;

export const MODEL = 'churn';
export const ARTIFACT_KEY = 'models/churn/model.tar.gz';
export const ARTIFACT_URI = `s3://${ARTIFACT_BUCKET}/${ARTIFACT_KEY}`;
export const ARTIFACT_BODY = 'model weights';
export const ARTIFACT_SHA256 = createHash('sha256').update(ARTIFACT_BODY).digest('hex');

/** The items the DynamoDB adapter writes, as `table-keys.ts` lays them out. */
export const items = {
  /** A model item whose counter has handed out `nextVersion` numbers (by default, as many as its latest version). */
  model: (name: string, latestVersion: number, nextVersion = latestVersion) => ({
    ...keys.model(name),
    ...keys.modelIndex(name),
    name,
    latestVersion,
    nextVersion,
    createdAt: '2025-05-01T09:00:00.000Z',
    updatedAt: '2025-05-20T09:00:00.000Z',
  }),
  version: (name: string, version: number, overrides: Partial<ModelVersionRecord> = {}) => {
    const record: ModelVersionRecord = {
      name,
      version,
      createdAt: '2025-05-20T09:00:00.000Z',
      artifact: {
        uri: `s3://${ARTIFACT_BUCKET}/models/${name}/v${version}/model.tar.gz`,
        bucket: ARTIFACT_BUCKET,
        key: `models/${name}/v${version}/model.tar.gz`,
        s3VersionId: `s3-version-${version}`,
        sizeBytes: 1024,
        etag: 'etag',
        sha256: 'a'.repeat(64),
        sha256Source: 's3-checksum',
      },
      metrics: { auc: 0.9 },
      parameters: {},
      tags: {},
      properties: {},
      datasets: [],
      ...overrides,
    };
    return { ...keys.version(name, version), ...record };
  },
  alias: (name: string, alias: string, version: number, revision: number) => ({
    ...keys.alias(name, alias),
    name,
    alias,
    version,
    revision,
    // The same instant as the history entry of that revision, as SetModelAlias writes them.
    updatedAt: `2025-05-2${revision}T09:00:00.000Z`,
  }),
  tag: (name: string, version: number, key: string, value: string) => ({ ...keys.tag(name, version, key, value), name, version }),
  history: (name: string, alias: string, revision: number, toVersion: number, fromVersion?: number) => ({
    ...keys.history(name, `2025-05-2${revision}T09:00:00.000Z`, alias, revision),
    name,
    alias,
    revision,
    toVersion,
    fromVersion,
    changedAt: `2025-05-2${revision}T09:00:00.000Z`,
  }),
};

/** An MLflow logged model's artifacts, registered as a directory. */
export const DIRECTORY_PREFIX = 'mlflow/1/models/m-0a1b2c/artifacts';

/** An artifact uploaded without a model name (`RegistryClient.uploadArtifact`), under the other model upload prefix. */
export const UNNAMED_ARTIFACT_KEY = 'uploads/5f1e7c1a/model.tar.gz';

/** HeadObject finds the artifact, with S3's full-object SHA-256 checksum unless `overrides` says otherwise. */
export function artifactInS3(overrides: Record<string, unknown> = {}, key = ARTIFACT_KEY): void {
  s3Mock.on(HeadObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: key }).resolves({
    ContentLength: ARTIFACT_BODY.length,
    ETag: '"0f343b0931126a20f133d67c2b018a3b"',
    VersionId: 's3-version-7',
    ChecksumSHA256: createHash('sha256').update(ARTIFACT_BODY).digest('base64'),
    ChecksumType: 'FULL_OBJECT',
    ...overrides,
  });
}

const registration = (overrides: Record<string, unknown> = {}) => ({
  name: MODEL,
  artifact: { uri: ARTIFACT_URI },
  metrics: { auc: 0.91 },
  ...overrides,
});

/**
 * Another caller's whole registration of `MODEL`, done straight to the table while this call is in
 * flight: it takes the next number from the counter, writes that version (and its client token,
 * if any) and raises the model's latest version. Returns the number it took.
 */
export function registerConcurrently(table: FakeTable, version: (number: number) => Record<string, unknown>, token?: Record<string, unknown>): number {
  const model = table.get(keys.model(MODEL))!;
  // The counter only grows past the latest version, so the concurrent raise always succeeds.
  const number = model.nextVersion + 1;
  const item = version(number);
  table.put({ ...model, nextVersion: number, latestVersion: number, updatedAt: item.createdAt }, item, ...(token ? [{ ...token, version: number }] : []));
  return number;
}

// A committed version is announced: the model's latest version raised and the event published, together.
const ANNOUNCEMENT = ['UpdateCommand', 'PutEventsCommand'];
// Without a client token, a registration checks the artifact, takes a number, commits and announces it.
const REGISTRATION = ['HeadObjectCommand', 'UpdateCommand', 'TransactWriteCommand', ...ANNOUNCEMENT];

/** A finished run of experiment tracking, the source of a version. */
export const sourceRun = () =>
  runItems.run({
    status: 'COMPLETED',
    endTime: '2025-05-20T08:00:00.000Z',
    params: { lr: '0.1', epochs: '20' },
    metrics: { auc: summary(0.93), loss: summary(0.21) },
    revision: 3,
  });

export const registerModelScenarios: readonly HandlerScenario[] = [
  {
    name: 'a new model',
    arrange: () => artifactInS3(),
    event: registration(),
    sends: REGISTRATION,
  },
  {
    name: 'an artifact uploaded without a model name, its digest computed',
    arrange: () => {
      artifactInS3({ ChecksumSHA256: undefined, ChecksumType: undefined }, UNNAMED_ARTIFACT_KEY);
      s3Mock
        .on(GetObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: UNNAMED_ARTIFACT_KEY, VersionId: 's3-version-7' })
        .callsFake(() => ({ Body: Readable.from([Buffer.from(ARTIFACT_BODY)]) }));
    },
    event: registration({ artifact: { uri: `s3://${ARTIFACT_BUCKET}/${UNNAMED_ARTIFACT_KEY}` } }),
    sends: ['HeadObjectCommand', 'GetObjectCommand', 'UpdateCommand', 'TransactWriteCommand', ...ANNOUNCEMENT],
  },
  {
    name: 'an existing model',
    arrange: ({ registry }) => {
      artifactInS3();
      registry.put(items.model(MODEL, 2), items.version(MODEL, 1), items.version(MODEL, 2));
    },
    event: registration(),
    sends: REGISTRATION,
  },
  {
    name: 'tags, written to the tag index',
    arrange: () => artifactInS3(),
    event: registration({ tags: { stage: 'candidate', team: 'risk' } }),
    sends: REGISTRATION,
  },
  {
    name: 'a new client token',
    arrange: () => artifactInS3(),
    event: registration({ clientToken: 'pipeline-run-42' }),
    // The token lookup and the artifact check go out together.
    sends: ['GetCommand', ...REGISTRATION],
  },
  {
    name: 'a replayed client token',
    arrange: async () => {
      artifactInS3();
      await invoke('RegisterModel', registration({ clientToken: 'pipeline-run-42' }));
    },
    event: registration({ clientToken: 'pipeline-run-42' }),
    // The artifact check runs alongside the token lookup; the token's version is read and announced again.
    sends: ['GetCommand', 'HeadObjectCommand', 'GetCommand', ...ANNOUNCEMENT],
  },
  {
    name: 'a client token taken by a concurrent identical call',
    arrange: ({ registry }) => {
      artifactInS3();
      // An identical call takes the next number and commits it with the same token before this call's transaction, which is cancelled on the token.
      registry.interleaveBeforeNextTransaction((input) => {
        const [version, token] = input.TransactItems!.map((item) => item.Put!.Item!);
        registerConcurrently(registry, (number) => ({ ...version, ...keys.version(MODEL, number), version: number }), token);
      });
    },
    event: registration({ clientToken: 'pipeline-run-42' }),
    // Cancelled on the token: the token and its version are read, and that version announced.
    sends: ['GetCommand', 'HeadObjectCommand', 'UpdateCommand', 'TransactWriteCommand', 'GetCommand', 'GetCommand', ...ANNOUNCEMENT],
  },
  {
    name: 'a digest computed by reading the artifact (no S3 checksum)',
    arrange: () => {
      artifactInS3({ ChecksumSHA256: undefined, ChecksumType: undefined });
      s3Mock
        .on(GetObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: ARTIFACT_KEY, VersionId: 's3-version-7' })
        .callsFake(() => ({ Body: Readable.from([Buffer.from(ARTIFACT_BODY.slice(0, 5)), Buffer.from(ARTIFACT_BODY.slice(5))]) }));
    },
    event: registration(),
    sends: ['HeadObjectCommand', 'GetObjectCommand', 'UpdateCommand', 'TransactWriteCommand', ...ANNOUNCEMENT],
  },
  {
    name: 'a pinned artifact version',
    arrange: () => artifactInS3({ VersionId: 's3-version-3' }),
    event: registration({ artifact: { uri: ARTIFACT_URI, versionId: 's3-version-3' } }),
    sends: REGISTRATION,
  },
  {
    name: 'a concurrent registration of a higher version committed first',
    arrange: ({ registry }) => {
      artifactInS3();
      registry.put(items.model(MODEL, 1), items.version(MODEL, 1));
      // This call takes 2; another takes 3 and commits it before this call's transaction, so raising the latest version to 2 fails its condition.
      registry.interleaveBeforeNextTransaction(() => registerConcurrently(registry, (number) => items.version(MODEL, number)));
    },
    event: registration(),
    sends: REGISTRATION,
  },
  {
    name: 'a tracked source run, its params and metrics copied and the version linked from it',
    arrange: ({ experiments }) => {
      artifactInS3();
      experiments.put(sourceRun());
    },
    event: registration({ sourceRunId: RUN_ID }),
    // The run is read alongside the artifact check; linking the version from it is part of the announcement.
    sends: ['HeadObjectCommand', 'GetCommand', 'UpdateCommand', 'TransactWriteCommand', ...ANNOUNCEMENT, 'UpdateCommand'],
  },
  {
    name: 'a replayed client token of a version from a tracked run',
    arrange: async ({ experiments }) => {
      artifactInS3();
      experiments.put(sourceRun());
      await invoke('RegisterModel', registration({ sourceRunId: RUN_ID, clientToken: 'pipeline-run-42' }));
    },
    event: registration({ sourceRunId: RUN_ID, clientToken: 'pipeline-run-42' }),
    // The token, artifact and run lookups go out together; the token's version is read and announced (and linked) again.
    sends: ['GetCommand', 'HeadObjectCommand', 'GetCommand', 'GetCommand', ...ANNOUNCEMENT, 'UpdateCommand'],
  },
  {
    name: 'an MLflow model directory, its files pinned in a manifest the registry writes',
    arrange: () => {
      s3Mock
        .on(ListObjectsV2Command, { Bucket: ARTIFACT_BUCKET, Prefix: `${DIRECTORY_PREFIX}/` })
        .resolves({ Contents: ['MLmodel', 'model.pkl'].map((file) => ({ Key: `${DIRECTORY_PREFIX}/${file}`, Size: ARTIFACT_BODY.length })) });
      artifactInS3({}, `${DIRECTORY_PREFIX}/MLmodel`);
      // Uploaded without a checksum: read back, by the version described.
      artifactInS3({ ChecksumSHA256: undefined, ChecksumType: undefined }, `${DIRECTORY_PREFIX}/model.pkl`);
      s3Mock
        .on(GetObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: `${DIRECTORY_PREFIX}/model.pkl`, VersionId: 's3-version-7' })
        .callsFake(() => ({ Body: Readable.from([Buffer.from(ARTIFACT_BODY)]) }));
      s3Mock.on(PutObjectCommand, { Bucket: ARTIFACT_BUCKET }).resolves({ VersionId: 'manifest-version-1' });
    },
    event: registration({ artifact: { kind: 'directory', uri: `s3://${ARTIFACT_BUCKET}/${DIRECTORY_PREFIX}` } }),
    sends: [
      'ListObjectsV2Command',
      'HeadObjectCommand',
      'HeadObjectCommand',
      'GetObjectCommand',
      'PutObjectCommand',
      'UpdateCommand',
      'TransactWriteCommand',
      ...ANNOUNCEMENT,
    ],
  },
];

const aliasMove = (overrides: Record<string, unknown> = {}) => ({ name: MODEL, alias: 'prod', version: 2, ...overrides });

export const setModelAliasScenarios: readonly HandlerScenario[] = [
  {
    name: 'a new alias',
    arrange: ({ registry }) => registry.put(items.model(MODEL, 3), items.version(MODEL, 2)),
    event: aliasMove({ actor: 'alice', reason: 'passed review' }),
    sends: ['GetCommand', 'TransactWriteCommand', 'PutEventsCommand'],
  },
  {
    name: 'a move of an existing alias',
    arrange: ({ registry }) => registry.put(items.model(MODEL, 3), items.version(MODEL, 3), items.alias(MODEL, 'prod', 1, 1)),
    event: aliasMove({ version: 3, expectedVersion: 1 }),
    sends: ['GetCommand', 'TransactWriteCommand', 'PutEventsCommand'],
  },
  {
    name: 'an alias already at the version',
    arrange: ({ registry }) => registry.put(items.model(MODEL, 3), items.alias(MODEL, 'prod', 2, 4), items.history(MODEL, 'prod', 4, 2, 1)),
    event: aliasMove({ version: 2 }),
    // Reads the alias and the move that put it there, and publishes that move again.
    sends: ['GetCommand', 'GetCommand', 'PutEventsCommand'],
  },
  {
    name: 'a lost race with a concurrent move',
    arrange: ({ registry }) => {
      registry.put(items.model(MODEL, 3), items.version(MODEL, 3), items.alias(MODEL, 'prod', 1, 1));
      // Another caller moves the alias to version 2 between this call's read and its transaction.
      registry.interleaveBeforeNextTransaction(() => registry.put(items.alias(MODEL, 'prod', 2, 2)));
    },
    event: aliasMove({ version: 3 }),
    sends: ['GetCommand', 'TransactWriteCommand', 'GetCommand', 'TransactWriteCommand', 'PutEventsCommand'],
  },
];

/** `churn` at version 3 (its counter too), with tagged versions and two aliases. */
function registryWithVersions(table: FakeTable): void {
  table.put(
    items.model(MODEL, 3),
    items.version(MODEL, 1),
    items.version(MODEL, 2, { tags: { stage: 'candidate' } }),
    items.version(MODEL, 3, { tags: { stage: 'candidate' } }),
    items.alias(MODEL, 'prod', 2, 1),
    items.alias(MODEL, 'staging', 3, 2),
  );
}

export const queryRegistryScenarios: readonly HandlerScenario[] = [
  {
    name: 'getModel, its aliases read over two pages',
    arrange: ({ registry }) => {
      registryWithVersions(registry);
      // One item per page, as when aliases fill DynamoDB's 1 MB pages.
      registry.capQueryPages(1);
    },
    event: { query: 'getModel', name: MODEL },
    // The model, its latest version and its first alias page are read together.
    sends: ['GetCommand', 'QueryCommand', 'QueryCommand', 'QueryCommand'],
  },
  {
    name: 'getVersion by number',
    arrange: ({ registry }) => registryWithVersions(registry),
    event: { query: 'getVersion', name: MODEL, version: 2 },
    sends: ['GetCommand'],
  },
  {
    name: 'getVersion latest',
    arrange: ({ registry }) => registryWithVersions(registry),
    event: { query: 'getVersion', name: MODEL },
    sends: ['QueryCommand'],
  },
  {
    name: 'getVersion by alias',
    arrange: ({ registry }) => registryWithVersions(registry),
    event: { query: 'getVersion', name: MODEL, alias: 'prod' },
    sends: ['GetCommand', 'GetCommand'],
  },
  {
    name: 'listModels',
    arrange: () => {
      dynamoMock
        .on(QueryCommand)
        .resolves({ Items: [items.model(MODEL, 3), items.model('fraud', 1)], LastEvaluatedKey: { ...keys.model('fraud'), ...keys.modelIndex('fraud') } });
    },
    event: { query: 'listModels', limit: 2 },
    sends: ['QueryCommand'],
  },
  {
    name: 'listVersions',
    arrange: ({ registry }) => registryWithVersions(registry),
    event: { query: 'listVersions', name: MODEL },
    sends: ['QueryCommand'],
  },
  {
    name: 'findVersions by tag value, read back in one batch',
    arrange: ({ registry }) => {
      registryWithVersions(registry);
      dynamoMock.on(QueryCommand).resolves({ Items: [items.tag(MODEL, 3, 'stage', 'candidate'), items.tag(MODEL, 2, 'stage', 'candidate')] });
    },
    event: { query: 'findVersions', tag: { key: 'stage', value: 'candidate' } },
    sends: ['QueryCommand', 'BatchGetCommand'],
  },
  {
    name: 'findVersions by tag key within one model',
    arrange: ({ registry }) => {
      registryWithVersions(registry);
      dynamoMock.on(QueryCommand).resolves({ Items: [items.tag(MODEL, 3, 'stage', 'candidate')] });
    },
    event: { query: 'findVersions', tag: { key: 'stage' }, name: MODEL },
    sends: ['QueryCommand', 'BatchGetCommand'],
  },
  {
    name: 'aliasHistory of one alias',
    arrange: () => {
      dynamoMock.on(QueryCommand).resolves({ Items: [items.history(MODEL, 'prod', 2, 3, 2), items.history(MODEL, 'prod', 1, 2)] });
    },
    event: { query: 'aliasHistory', name: MODEL, alias: 'prod' },
    sends: ['QueryCommand'],
  },
];

/** The registry functions' scenarios, for the IAM coverage test. */
export const registryScenarios: HandlerScenarios<RegistryFunction> = {
  RegisterModel: registerModelScenarios,
  SetModelAlias: setModelAliasScenarios,
  QueryRegistry: queryRegistryScenarios,
};
