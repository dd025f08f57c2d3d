import { queryRegistry } from '../../../../lambda/registry/core/query-registry';
import { QueryRegistryRequest, SetModelAliasRequest } from '../../../../lambda/registry/core/schemas';
import { setModelAlias } from '../../../../lambda/registry/core/set-model-alias';
import { NotFoundError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { fakeRegistry } from '../fakes';

/** `churn` with versions 1..3 (3 tagged stage=candidate), alias prod -> 2; `fraud` with version 1 (stage=prod). */
async function setUp() {
  const { store, events, clock, registerVersion } = fakeRegistry();
  await registerVersion('churn');
  await registerVersion('churn');
  await registerVersion('churn', { stage: 'candidate' });
  await registerVersion('fraud', { stage: 'prod' });
  await setModelAlias({ store, events, clock })(parseRequest(SetModelAliasRequest, { name: 'churn', alias: 'prod', version: 2 }));
  const query = queryRegistry(store);
  return { store, registerVersion, run: (request: unknown) => query(parseRequest(QueryRegistryRequest, request)) };
}

describe('queryRegistry', () => {
  it('returns a model with its aliases', async () => {
    const { run } = await setUp();

    const model = await run({ query: 'getModel', name: 'churn' });

    expect(model).toMatchObject({ name: 'churn', latestVersion: 3, aliases: { prod: 2 } });
  });

  it.each([
    ['a version number', { version: 1 }, 1],
    ['latest', { version: 'latest' }, 3],
    ['no version (latest by default)', {}, 3],
    ['an alias', { alias: 'prod' }, 2],
  ])('returns the version named by %s', async (_, reference, expected) => {
    const { run } = await setUp();

    const version = await run({ query: 'getVersion', name: 'churn', ...reference });

    expect(version).toMatchObject({ name: 'churn', version: expected });
  });

  it('reads the latest version from the versions when the model item trails a commit', async () => {
    const { store, registerVersion, run } = await setUp();
    // Version 4 is committed but its caller died before raising the model's latest version.
    store.failNextCommitAfterWriting();
    await expect(registerVersion('churn')).rejects.toThrow('injected failure');
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 3 });

    const model = await run({ query: 'getModel', name: 'churn' });
    const latest = await run({ query: 'getVersion', name: 'churn', version: 'latest' });

    expect(model).toMatchObject({ name: 'churn', latestVersion: 4 });
    expect(latest).toMatchObject({ name: 'churn', version: 4 });
  });

  it('answers getModel with latestVersion 0 for a model whose only reserved version was never committed', async () => {
    const { store, registerVersion, run } = await setUp();
    store.failNextCommit();
    await expect(registerVersion('empty')).rejects.toThrow('injected failure');

    const model = await run({ query: 'getModel', name: 'empty' });

    expect(model).toMatchObject({ name: 'empty', latestVersion: 0, aliases: {} });
  });

  it('fails with NotFoundError for the latest version of a model with no versions yet', async () => {
    const { store, registerVersion, run } = await setUp();
    store.failNextCommit();
    await expect(registerVersion('empty')).rejects.toThrow('injected failure');

    const attempt = run({ query: 'getVersion', name: 'empty' });

    await expect(attempt).rejects.toThrow(NotFoundError);
    await expect(attempt).rejects.toThrow('model empty has no versions yet');
  });

  it.each([
    ['a model that does not exist', { query: 'getModel', name: 'nope' }, 'no model named "nope"'],
    ['the latest version of a model that does not exist', { query: 'getVersion', name: 'nope' }, 'no model named "nope"'],
    ['a version of a model that does not exist', { query: 'getVersion', name: 'nope', version: 1 }, 'no model named "nope"'],
    ['an alias of a model that does not exist', { query: 'getVersion', name: 'nope', alias: 'prod' }, 'no model named "nope"'],
    ['a version that does not exist', { query: 'getVersion', name: 'churn', version: 4 }, 'model churn has no version 4'],
    ['an alias that does not exist', { query: 'getVersion', name: 'churn', alias: 'staging' }, 'model churn has no alias "staging"'],
  ])('fails with NotFoundError for %s', async (_, request, message) => {
    const { run } = await setUp();

    const attempt = run(request);

    await expect(attempt).rejects.toThrow(NotFoundError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('passes list queries to the store with their page', async () => {
    const { run } = await setUp();

    const first = await run({ query: 'listVersions', name: 'churn', limit: 2 });
    const second = await run({ query: 'listVersions', name: 'churn', limit: 2, nextToken: (first as { nextToken: string }).nextToken });

    expect(first).toMatchObject({ items: [{ version: 3 }, { version: 2 }], nextToken: expect.any(String) });
    expect(second).toEqual({ items: [expect.objectContaining({ version: 1 })], nextToken: undefined });
  });

  it('finds versions by tag, across models or within one', async () => {
    const { run } = await setUp();

    const anyModel = await run({ query: 'findVersions', tag: { key: 'stage' } });
    const oneModel = await run({ query: 'findVersions', tag: { key: 'stage', value: 'prod' }, name: 'fraud' });

    expect(anyModel).toMatchObject({
      items: [
        { name: 'churn', version: 3 },
        { name: 'fraud', version: 1 },
      ],
    });
    expect(oneModel).toMatchObject({ items: [{ name: 'fraud', version: 1 }] });
  });

  it('lists models and alias history', async () => {
    const { run } = await setUp();

    const models = await run({ query: 'listModels' });
    const history = await run({ query: 'aliasHistory', name: 'churn', alias: 'prod' });

    expect(models).toMatchObject({ items: [{ name: 'churn' }, { name: 'fraud' }] });
    expect(history).toMatchObject({ items: [{ alias: 'prod', toVersion: 2, revision: 1 }] });
  });
});
