import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../lambda/registry/adapters/table-keys';
import type { AliasChangeRecord } from '../../../lambda/registry/core/model';
import type { ModelDetails } from '../../../lambda/registry/core/query-registry';
import type { Page } from '../../../lambda/shared/page';
import { createRegistryFixture, type RegistryFixture } from '../../emulators/registry-fixture';

jest.setTimeout(30_000);

let registry: RegistryFixture;

/** Arranges a model with versions 1..count; each test uses its own model. */
async function modelWithVersions(name: string, count: number): Promise<string> {
  for (let i = 0; i < count; i++) await registry.registerVersion(name);
  return name;
}

const aliasesOf = async (name: string) => ((await registry.call('queryRegistry', { query: 'getModel', name })) as ModelDetails).aliases;
const historyOf = async (name: string) => ((await registry.call('queryRegistry', { query: 'aliasHistory', name })) as Page<AliasChangeRecord>).items;

beforeAll(async () => {
  registry = await createRegistryFixture({ label: 'set-model-alias' });
});

afterAll(async () => {
  await registry?.dispose();
});

describe('setModelAlias', () => {
  test('creates an alias pointing at a version, as revision 1 of its history', async () => {
    // Arrange
    const name = await modelWithVersions('new-alias', 1);

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 1, actor: 'alice' });

    // Assert
    expect(invocation).toEqual({
      result: { name, alias: 'production', version: 1, revision: 1, changedAt: expect.any(String), changed: true },
    });
    expect(await aliasesOf(name)).toEqual({ production: 1 });
  });

  test('refuses a version deleted through MLflow (kept as a record, it takes no alias): NotFoundError, the alias unmoved', async () => {
    // Arrange
    const name = await modelWithVersions('deleted-version', 2);
    await registry.call('setModelAlias', { name, alias: 'production', version: 1 });
    await registry.clients.dynamodb.send(
      new UpdateCommand({
        TableName: registry.tableName,
        Key: keys.version(name, 2),
        UpdateExpression: 'SET deletedAt = :at',
        ExpressionAttributeValues: { ':at': '2026-12-06T00:00:00.000Z' },
      }),
    );

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 2 });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'NotFoundError', errorMessage: `model ${name} has no version 2` });
    expect(await aliasesOf(name)).toEqual({ production: 1 });
  });

  test('moves an alias to another version and records the move with its actor and reason', async () => {
    // Arrange
    const name = await modelWithVersions('moved-alias', 2);
    await registry.call('setModelAlias', { name, alias: 'production', version: 1, actor: 'alice' });

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 2, actor: 'bob', reason: 'auc +0.03' });

    // Assert
    expect(invocation).toMatchObject({ result: { version: 2, previousVersion: 1, revision: 2, changed: true } });
    expect(await aliasesOf(name)).toEqual({ production: 2 });
    expect(await historyOf(name)).toEqual([
      { name, alias: 'production', revision: 2, fromVersion: 1, toVersion: 2, changedAt: expect.any(String), changedBy: 'bob', reason: 'auc +0.03' },
      { name, alias: 'production', revision: 1, toVersion: 1, changedAt: expect.any(String), changedBy: 'alice' },
    ]);
  });

  test('moves an alias when expectedVersion names where it points now', async () => {
    // Arrange
    const name = await modelWithVersions('guarded-move', 2);
    await registry.call('setModelAlias', { name, alias: 'production', version: 1 });

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 2, expectedVersion: 1 });

    // Assert
    expect(invocation).toMatchObject({ result: { version: 2, previousVersion: 1, changed: true } });
    expect(await aliasesOf(name)).toEqual({ production: 2 });
  });

  test('creates an alias when expectedVersion is null and the alias does not exist', async () => {
    // Arrange
    const name = await modelWithVersions('guarded-create', 1);

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'staging', version: 1, expectedVersion: null });

    // Assert
    expect(invocation).toMatchObject({ result: { version: 1, revision: 1, changed: true } });
  });

  test('writes nothing when the alias already points at the version', async () => {
    // Arrange
    const name = await modelWithVersions('unchanged-alias', 1);
    const created = await registry.call('setModelAlias', { name, alias: 'production', version: 1 });
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 1, actor: 'bob' });

    // Assert
    expect(invocation).toEqual({
      result: { name, alias: 'production', version: 1, previousVersion: 1, revision: 1, changedAt: created.changedAt, changed: false },
    });
    expect(await registry.tableItems()).toEqual(before);
  });

  test('fails with ConflictError when expectedVersion is not where the alias points, and changes nothing', async () => {
    // Arrange
    const name = await modelWithVersions('stale-guard', 3);
    await registry.call('setModelAlias', { name, alias: 'production', version: 2 });
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 3, expectedVersion: 1 });

    // Assert
    expect(invocation).toMatchObject({
      errorType: 'ConflictError',
      errorMessage: `alias "production" of ${name} points at version 2; expected it to point at version 1`,
    });
    expect(await registry.tableItems()).toEqual(before);
  });

  test('fails with ConflictError when expectedVersion is null but the alias exists, and changes nothing', async () => {
    // Arrange
    const name = await modelWithVersions('exists-guard', 2);
    await registry.call('setModelAlias', { name, alias: 'production', version: 1 });
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 2, expectedVersion: null });

    // Assert
    expect(invocation).toMatchObject({
      errorType: 'ConflictError',
      errorMessage: `alias "production" of ${name} points at version 1; expected it not to exist`,
    });
    expect(await registry.tableItems()).toEqual(before);
  });

  test('fails with ConflictError when expectedVersion names a version but the alias does not exist', async () => {
    // Arrange
    const name = await modelWithVersions('missing-guard', 1);

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 1, expectedVersion: 1 });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ConflictError', errorMessage: expect.stringContaining('does not exist') });
  });

  test('fails with NotFoundError when the version does not exist, and writes nothing', async () => {
    // Arrange
    const name = await modelWithVersions('missing-version', 1);
    await registry.call('setModelAlias', { name, alias: 'production', version: 1 });
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias: 'production', version: 7 });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'NotFoundError', errorMessage: `model ${name} has no version 7` });
    expect(await registry.tableItems()).toEqual(before);
  });

  test('fails with NotFoundError when the model does not exist, and writes nothing', async () => {
    // Arrange
    const before = await registry.tableItems();

    // Act
    const invocation = await registry.invoke('setModelAlias', { name: 'no-such-model', alias: 'production', version: 1 });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'NotFoundError' });
    expect(await registry.tableItems()).toEqual(before);
  });

  test.each(['latest', 'v2'])('fails with ValidationError at alias for the reserved name "%s"', async (alias) => {
    // Arrange
    const name = await modelWithVersions(`reserved-${alias}`, 2);

    // Act
    const invocation = await registry.invoke('setModelAlias', { name, alias, version: 1 });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringMatching(/^alias: is reserved/) });
  });

  test('keeps every move when concurrent callers move one alias', async () => {
    // Arrange
    const name = await modelWithVersions('contended-alias', 5);

    // Act
    const invocations = await Promise.all([1, 2, 3, 4, 5].map((version) => registry.invoke('setModelAlias', { name, alias: 'production', version })));

    // Assert: every move committed, each as its own revision, and the alias ends where the last one put it.
    const revisions = invocations.map((invocation) => ('result' in invocation ? invocation.result.revision : invocation.errorType));
    expect([...revisions].sort()).toEqual([1, 2, 3, 4, 5]);
    const history = [...(await historyOf(name))].sort((a, b) => a.revision - b.revision);
    expect(history.map(({ revision }) => revision)).toEqual([1, 2, 3, 4, 5]);
    history.slice(1).forEach((change, index) => expect(change.fromVersion).toBe(history[index].toVersion));
    expect(await aliasesOf(name)).toEqual({ production: history[4].toVersion });
  });
});
