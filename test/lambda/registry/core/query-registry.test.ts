import { queryRegistry } from '../../../../lambda/registry/core/query-registry';
import { registerModel } from '../../../../lambda/registry/core/register-model';
import { QueryRegistryRequest, RegisterModelRequest, SetModelAliasRequest } from '../../../../lambda/registry/core/schemas';
import { setModelAlias } from '../../../../lambda/registry/core/set-model-alias';
import { NotFoundError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { FakeClock, InMemoryArtifactStore, InMemoryRegistryStore, RecordingEventPublisher } from '../fakes';

const BUCKET = 'artifact-bucket';

/** `churn` with versions 1..3 (3 tagged stage=candidate), alias prod -> 2; `fraud` with version 1 (stage=prod). */
async function setUp() {
  const store = new InMemoryRegistryStore();
  const artifacts = new InMemoryArtifactStore();
  const events = new RecordingEventPublisher();
  const clock = new FakeClock();
  artifacts.put(`s3://${BUCKET}/model.tar.gz`, 'weights');
  const register = registerModel({ store, artifacts, events, clock, artifactBucket: BUCKET });
  const registerVersion = (name: string, tags: Record<string, string> = {}) =>
    register(parseRequest(RegisterModelRequest, { name, artifact: { uri: `s3://${BUCKET}/model.tar.gz` }, tags }));
  await registerVersion('churn');
  await registerVersion('churn');
  await registerVersion('churn', { stage: 'candidate' });
  await registerVersion('fraud', { stage: 'prod' });
  await setModelAlias({ store, events, clock })(parseRequest(SetModelAliasRequest, { name: 'churn', alias: 'prod', version: 2 }));
  const query = queryRegistry(store);
  return { run: (request: unknown) => query(parseRequest(QueryRegistryRequest, request)) };
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

    expect(anyModel).toMatchObject({ items: [{ name: 'churn', version: 3 }, { name: 'fraud', version: 1 }] });
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
