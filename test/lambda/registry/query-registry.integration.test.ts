import type { AliasChangeRecord, ModelRecord, ModelVersionRecord } from '../../../lambda/registry/core/model';
import type { ModelDetails } from '../../../lambda/registry/core/query-registry';
import type { QueryRegistryRequest } from '../../../lambda/registry/core/schemas';
import type { Page } from '../../../lambda/shared/page';
import { createRegistryFixture, type RegistryFixture } from '../../emulators/registry-fixture';

jest.setTimeout(30_000);

let registry: RegistryFixture;

/** Runs a query that must succeed, typed as what that query returns. */
const query = <T>(request: QueryRegistryRequest) => registry.call('queryRegistry', request) as Promise<T>;
const refs = (page: Page<ModelVersionRecord>) => page.items.map(({ name, version }) => `${name}@${version}`);

beforeAll(async () => {
  registry = await createRegistryFixture({ label: 'query-registry' });
  // churn-model: 1 (dev), 2 (prod), 3 (dev); fraud-detector: 1 (prod), 2 (no stage).
  await registry.registerVersion('churn-model', { tags: { team: 'growth', stage: 'dev' }, metrics: { auc: 0.7 }, actor: 'alice' });
  await registry.registerVersion('churn-model', { tags: { team: 'growth', stage: 'prod' }, metrics: { auc: 0.8 } });
  await registry.registerVersion('churn-model', { tags: { team: 'growth', stage: 'dev' }, metrics: { auc: 0.75 } });
  await registry.registerVersion('fraud-detector', { tags: { team: 'risk', stage: 'prod' } });
  await registry.registerVersion('fraud-detector', { tags: { team: 'risk' } });
  await registry.call('setModelAlias', { name: 'churn-model', alias: 'production', version: 1, actor: 'alice' });
  await registry.call('setModelAlias', { name: 'churn-model', alias: 'production', version: 2, actor: 'bob', reason: 'better auc' });
  await registry.call('setModelAlias', { name: 'churn-model', alias: 'staging', version: 3 });
});

afterAll(async () => {
  await registry?.dispose();
});

describe('queryRegistry getModel', () => {
  test('returns the model with its latest version and where each alias points', async () => {
    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'getModel', name: 'churn-model' });

    // Assert
    expect(invocation).toEqual({
      result: {
        name: 'churn-model',
        latestVersion: 3,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        aliases: { production: 2, staging: 3 },
      },
    });
  });

  test('returns an empty alias map for a model without aliases', async () => {
    // Act
    const model = await query<ModelDetails>({ query: 'getModel', name: 'fraud-detector' });

    // Assert
    expect(model).toMatchObject({ name: 'fraud-detector', latestVersion: 2, aliases: {} });
  });

  test('fails with NotFoundError for an unknown model', async () => {
    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'getModel', name: 'no-such-model' });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'NotFoundError', errorMessage: 'no model named "no-such-model"' });
  });
});

describe('queryRegistry getVersion', () => {
  test('returns the version with the given number', async () => {
    // Act
    const version = await query<ModelVersionRecord>({ query: 'getVersion', name: 'churn-model', version: 1 });

    // Assert
    expect(version).toMatchObject({ name: 'churn-model', version: 1, createdBy: 'alice', metrics: { auc: 0.7 }, tags: { team: 'growth', stage: 'dev' } });
  });

  test('returns the latest version for "latest" and when no version is given', async () => {
    // Act
    const latest = await query<ModelVersionRecord>({ query: 'getVersion', name: 'churn-model', version: 'latest' });
    const unspecified = await query<ModelVersionRecord>({ query: 'getVersion', name: 'churn-model' });

    // Assert
    expect(latest.version).toBe(3);
    expect(unspecified).toEqual(latest);
  });

  test('returns the version an alias points at', async () => {
    // Act
    const version = await query<ModelVersionRecord>({ query: 'getVersion', name: 'churn-model', alias: 'production' });

    // Assert
    expect(version).toMatchObject({ name: 'churn-model', version: 2, metrics: { auc: 0.8 } });
  });

  test('fails with NotFoundError for a version the model does not have', async () => {
    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'getVersion', name: 'churn-model', version: 99 });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'NotFoundError', errorMessage: 'model churn-model has no version 99' });
  });

  test('fails with NotFoundError for an alias the model does not have', async () => {
    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'getVersion', name: 'churn-model', alias: 'canary' });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'NotFoundError', errorMessage: 'model churn-model has no alias "canary"' });
  });

  test('fails with NotFoundError naming the model when the model is unknown', async () => {
    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'getVersion', name: 'no-such-model', alias: 'production' });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'NotFoundError', errorMessage: 'no model named "no-such-model"' });
  });

  test('fails with ValidationError at alias when both a version and an alias are given', async () => {
    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'getVersion', name: 'churn-model', version: 1, alias: 'production' });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: 'alias: give either version or alias, not both' });
  });
});

describe('queryRegistry listModels', () => {
  test('lists every model by name', async () => {
    // Act
    const page = await query<Page<ModelRecord>>({ query: 'listModels' });

    // Assert
    expect(page.items.map(({ name, latestVersion }) => ({ name, latestVersion }))).toEqual([
      { name: 'churn-model', latestVersion: 3 },
      { name: 'fraud-detector', latestVersion: 2 },
    ]);
    expect(page.nextToken).toBeUndefined();
  });

  test('pages through the models with nextToken', async () => {
    // Act
    const first = await query<Page<ModelRecord>>({ query: 'listModels', limit: 1 });
    const second = await query<Page<ModelRecord>>({ query: 'listModels', limit: 1, nextToken: first.nextToken });

    // Assert
    expect(first.items.map(({ name }) => name)).toEqual(['churn-model']);
    expect(second.items.map(({ name }) => name)).toEqual(['fraud-detector']);
  });
});

describe('queryRegistry listVersions', () => {
  test('lists the versions of a model newest first, as full records', async () => {
    // Act
    const page = await query<Page<ModelVersionRecord>>({ query: 'listVersions', name: 'churn-model' });

    // Assert
    expect(refs(page)).toEqual(['churn-model@3', 'churn-model@2', 'churn-model@1']);
    expect(page.items[0]).toMatchObject({ artifact: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, metrics: { auc: 0.75 } });
    expect(page.nextToken).toBeUndefined();
  });

  test('pages through the versions: each nextToken resumes where the last page ended', async () => {
    // Act
    const first = await query<Page<ModelVersionRecord>>({ query: 'listVersions', name: 'churn-model', limit: 2 });
    const second = await query<Page<ModelVersionRecord>>({ query: 'listVersions', name: 'churn-model', limit: 2, nextToken: first.nextToken });

    // Assert
    expect(refs(first)).toEqual(['churn-model@3', 'churn-model@2']);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(refs(second)).toEqual(['churn-model@1']);
    expect(second.nextToken).toBeUndefined();
  });

  test('returns an empty page for an unknown model', async () => {
    // Act
    const page = await query<Page<ModelVersionRecord>>({ query: 'listVersions', name: 'no-such-model' });

    // Assert
    expect(page).toEqual({ items: [] });
  });

  test('fails with ValidationError at nextToken for a token that was not issued', async () => {
    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'listVersions', name: 'churn-model', nextToken: 'bm90LWEtdG9rZW4' });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: 'nextToken: is not a token returned by this query' });
  });

  test("fails with ValidationError at nextToken for a token from another model's listing", async () => {
    // Arrange
    const { nextToken } = await query<Page<ModelVersionRecord>>({ query: 'listVersions', name: 'fraud-detector', limit: 1 });

    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'listVersions', name: 'churn-model', nextToken });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: 'nextToken: is not a token returned by this query' });
  });

  test('fails with ValidationError at nextToken for a token whose resume key was altered', async () => {
    // Arrange: keep the token's scope but point its key into another model's partition.
    const { nextToken } = await query<Page<ModelVersionRecord>>({ query: 'listVersions', name: 'churn-model', limit: 1 });
    const decoded = JSON.parse(Buffer.from(nextToken!, 'base64url').toString('utf8')) as { s: string; k: Record<string, string> };
    const tampered = Buffer.from(JSON.stringify({ ...decoded, k: { ...decoded.k, pk: 'M#fraud-detector' } })).toString('base64url');

    // Act
    const invocation = await registry.invoke('queryRegistry', { query: 'listVersions', name: 'churn-model', nextToken: tampered });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringMatching(/^nextToken: /) });
  });
});

describe('queryRegistry findVersions', () => {
  test('finds the versions of every model with a tag key and value', async () => {
    // Act
    const page = await query<Page<ModelVersionRecord>>({ query: 'findVersions', tag: { key: 'stage', value: 'prod' } });

    // Assert
    expect(refs(page).sort()).toEqual(['churn-model@2', 'fraud-detector@1']);
    expect(page.items.find(({ name }) => name === 'churn-model')).toMatchObject({ metrics: { auc: 0.8 }, tags: { stage: 'prod' } });
  });

  test('finds the versions with a tag key, whatever its value', async () => {
    // Act
    const page = await query<Page<ModelVersionRecord>>({ query: 'findVersions', tag: { key: 'stage' } });

    // Assert
    expect(refs(page).sort()).toEqual(['churn-model@1', 'churn-model@2', 'churn-model@3', 'fraud-detector@1']);
  });

  test('restricts a search by key and value to one model', async () => {
    // Act
    const page = await query<Page<ModelVersionRecord>>({ query: 'findVersions', tag: { key: 'stage', value: 'dev' }, name: 'churn-model' });

    // Assert
    expect(refs(page)).toEqual(['churn-model@3', 'churn-model@1']);
  });

  test('restricts a search by key only to one model', async () => {
    // Act
    const page = await query<Page<ModelVersionRecord>>({ query: 'findVersions', tag: { key: 'stage' }, name: 'fraud-detector' });

    // Assert
    expect(refs(page)).toEqual(['fraud-detector@1']);
  });

  test('finds nothing for a tag value no version has', async () => {
    // Act
    const page = await query<Page<ModelVersionRecord>>({ query: 'findVersions', tag: { key: 'team', value: 'risk' }, name: 'churn-model' });

    // Assert
    expect(page).toEqual({ items: [] });
  });

  test('pages through the matches with nextToken', async () => {
    // Act
    const first = await query<Page<ModelVersionRecord>>({ query: 'findVersions', tag: { key: 'team', value: 'growth' }, limit: 2 });
    const second = await query<Page<ModelVersionRecord>>({
      query: 'findVersions',
      tag: { key: 'team', value: 'growth' },
      limit: 2,
      nextToken: first.nextToken,
    });

    // Assert
    expect([...refs(first), ...refs(second)]).toEqual(['churn-model@3', 'churn-model@2', 'churn-model@1']);
  });
});

describe('queryRegistry aliasHistory', () => {
  test("lists a model's alias moves newest first, with who moved them and why", async () => {
    // Act
    const page = await query<Page<AliasChangeRecord>>({ query: 'aliasHistory', name: 'churn-model' });

    // Assert
    expect(page.items).toEqual([
      { name: 'churn-model', alias: 'staging', revision: 1, toVersion: 3, changedAt: expect.any(String) },
      {
        name: 'churn-model',
        alias: 'production',
        revision: 2,
        fromVersion: 1,
        toVersion: 2,
        changedAt: expect.any(String),
        changedBy: 'bob',
        reason: 'better auc',
      },
      { name: 'churn-model', alias: 'production', revision: 1, toVersion: 1, changedAt: expect.any(String), changedBy: 'alice' },
    ]);
  });

  test("lists one alias's moves only", async () => {
    // Act
    const page = await query<Page<AliasChangeRecord>>({ query: 'aliasHistory', name: 'churn-model', alias: 'production' });

    // Assert
    expect(page.items.map(({ alias, fromVersion, toVersion }) => ({ alias, fromVersion, toVersion }))).toEqual([
      { alias: 'production', fromVersion: 1, toVersion: 2 },
      { alias: 'production', fromVersion: undefined, toVersion: 1 },
    ]);
  });
});
