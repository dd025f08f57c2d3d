import { randomUUID } from 'node:crypto';
import { createMlflowFixture, type MlflowFixture } from '../../emulators/mlflow-fixture';

/** MLflow's model registry endpoints as MLflow's server answers them (notes/mlflow). */

jest.setTimeout(60_000);

const API = '/api/2.0/mlflow';
let mlflow: MlflowFixture;

beforeAll(async () => {
  mlflow = await createMlflowFixture({ label: 'mlflow-contract-registry', observeEvents: false });
});

afterAll(async () => {
  await mlflow?.dispose();
});

const refusal = (status: number, error_code: string, message: unknown = expect.any(String)) => ({ status, body: { error_code, message } });
const ok = (body: unknown = {}) => ({ status: 200, body });

/** A model directory uploaded under mlflow/, as an MLflow client leaves one: its s3:// URI. */
async function uploadedModel(): Promise<string> {
  const prefix = `mlflow/uploads/${randomUUID()}`;
  await mlflow.putObject(`${prefix}/MLmodel`, 'flavors: {}\n');
  await mlflow.putObject(`${prefix}/model.pkl`, randomUUID());
  return `s3://${mlflow.artifactBucketName}/${prefix}`;
}

async function createModel(name: string, extra: Record<string, unknown> = {}) {
  const answer = await mlflow.request('POST', `${API}/registered-models/create`, { body: { name, ...extra } });
  expect(answer.status).toBe(200);
  return answer.body.registered_model as Record<string, unknown>;
}

async function createVersion(name: string, extra: Record<string, unknown> = {}) {
  const answer = await mlflow.request('POST', `${API}/model-versions/create`, { body: { name, source: await uploadedModel(), ...extra } });
  expect(answer.status).toBe(200);
  return answer.body.model_version as Record<string, unknown>;
}

/** A run of a new experiment and its logged model named "model" with its files, as `log_model(name="model")` leaves them. */
async function loggedModelOfNewRun(experiment: string) {
  const experimentId = (await mlflow.request('POST', `${API}/experiments/create`, { body: { name: experiment } })).body.experiment_id as string;
  const runId = ((await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: experimentId } })).body.run as { info: { run_id: string } }).info
    .run_id;
  const model = (await mlflow.request('POST', `${API}/logged-models`, { body: { experiment_id: experimentId, name: 'model', source_run_id: runId } })).body
    .model as { info: { model_id: string; artifact_uri: string } };
  await mlflow.putObject(`${model.info.artifact_uri.slice(`s3://${mlflow.artifactBucketName}/`.length)}/MLmodel`, 'flavors: {}\n');
  return { runId, model };
}

describe('registered models', () => {
  test('create answers the model with description "" and no empty lists; a second create is RESOURCE_ALREADY_EXISTS', async () => {
    // Act
    const created = await createModel('contract-rm');
    const again = await mlflow.request('POST', `${API}/registered-models/create`, { body: { name: 'contract-rm' } });

    // Assert
    expect(created).toEqual({ name: 'contract-rm', creation_timestamp: expect.any(Number), last_updated_timestamp: expect.any(Number), description: '' });
    expect(again).toEqual(refusal(400, 'RESOURCE_ALREADY_EXISTS', 'Registered Model (name=contract-rm) already exists.'));
  });

  test('get answers latest_versions, tags, and aliases as objects with string versions', async () => {
    // Arrange
    await createModel('contract-rm-full', { tags: [{ key: 'team', value: 'ml' }], description: 'churn model' });
    await createVersion('contract-rm-full');
    await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'contract-rm-full', alias: 'champion', version: '1' } });

    // Act
    const { status, body } = await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-rm-full' } });

    // Assert
    expect(status).toBe(200);
    expect(body.registered_model).toEqual({
      name: 'contract-rm-full',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      description: 'churn model',
      latest_versions: [expect.objectContaining({ name: 'contract-rm-full', version: '1', current_stage: 'None', status: 'READY', aliases: ['champion'] })],
      tags: [{ key: 'team', value: 'ml' }],
      aliases: [{ alias: 'champion', version: '1' }],
    });
  });

  test('fails create with a name the registry refuses with INVALID_PARAMETER_VALUE naming the name field', async () => {
    expect(await mlflow.request('POST', `${API}/registered-models/create`, { body: { name: 'churn model!' } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringMatching(/^name: /)),
    );
  });

  test('fails get of an unknown model with RESOURCE_DOES_NOT_EXIST (404), and create without a name naming the field', async () => {
    expect(await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-nowhere' } })).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=contract-nowhere not found'),
    );
    expect(await mlflow.request('POST', `${API}/registered-models/create`, { body: {} })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'name'. See the API docs for more information about request parameters."),
    );
  });

  test('update (PATCH) answers the model with its new description', async () => {
    await createModel('contract-rm-update');

    const { status, body } = await mlflow.request('PATCH', `${API}/registered-models/update`, { body: { name: 'contract-rm-update', description: 'new' } });

    expect(status).toBe(200);
    expect(body.registered_model).toMatchObject({ name: 'contract-rm-update', description: 'new' });
  });

  test('set-tag answers {}, delete-tag (DELETE with a JSON body) answers {} even for a missing tag', async () => {
    // Arrange
    await createModel('contract-rm-tags');

    // Act
    const set = await mlflow.request('POST', `${API}/registered-models/set-tag`, { body: { name: 'contract-rm-tags', key: 'k', value: 'v' } });
    const tagged = await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-rm-tags' } });
    const deleted = await mlflow.request('DELETE', `${API}/registered-models/delete-tag`, { body: { name: 'contract-rm-tags', key: 'k' } });
    const deletedAgain = await mlflow.request('DELETE', `${API}/registered-models/delete-tag`, { body: { name: 'contract-rm-tags', key: 'k' } });
    const untagged = await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-rm-tags' } });

    // Assert
    expect([set, deleted, deletedAgain]).toEqual([ok(), ok(), ok()]);
    expect(tagged.body.registered_model).toMatchObject({ tags: [{ key: 'k', value: 'v' }] });
    expect(untagged.body.registered_model).not.toHaveProperty('tags');
  });

  test('search (GET) filters by name and pages with next_page_token; no match answers {}', async () => {
    // Arrange
    for (const suffix of ['a', 'b', 'c']) await createModel(`contract-search-rm-${suffix}`);

    // Act
    const first = await mlflow.request('GET', `${API}/registered-models/search`, {
      query: { filter: "name LIKE 'contract-search-rm-%'", max_results: '2', order_by: ['name DESC'] },
    });
    const second = await mlflow.request('GET', `${API}/registered-models/search`, {
      query: { filter: "name LIKE 'contract-search-rm-%'", max_results: '2', order_by: ['name DESC'], page_token: first.body.next_page_token as string },
    });
    const none = await mlflow.request('GET', `${API}/registered-models/search`, { query: { filter: "name = 'contract-none'" } });

    // Assert
    const names = (page: Record<string, unknown>) => (page.registered_models as { name: string }[]).map(({ name }) => name);
    expect(names(first.body)).toEqual(['contract-search-rm-c', 'contract-search-rm-b']);
    expect(first.body.next_page_token).toEqual(expect.any(String));
    expect(second.body).toEqual({ registered_models: [expect.objectContaining({ name: 'contract-search-rm-a' })] });
    expect(none).toEqual(ok());
  });

  test("search with MLflow 3's prompt exclusion, as its client sends every search, answers the models and versions that are no prompts", async () => {
    // Arrange
    await createModel('contract-prompt-model');
    await createVersion('contract-prompt-model');
    await createModel('contract-prompt-prompt', { tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
    const excluded = "tags.`mlflow.prompt.is_prompt` != 'true'";

    // Act
    const models = await mlflow.request('GET', `${API}/registered-models/search`, {
      query: { filter: `name LIKE 'contract-prompt-%' AND ${excluded}`, max_results: '100' },
    });
    const prompts = await mlflow.request('GET', `${API}/registered-models/search`, {
      query: { filter: "name LIKE 'contract-prompt-%' AND tags.`mlflow.prompt.is_prompt` = 'true'" },
    });
    const versions = await mlflow.request('GET', `${API}/model-versions/search`, { query: { filter: `name = 'contract-prompt-model' AND ${excluded}` } });

    // Assert
    const names = (page: Record<string, unknown>) => ((page.registered_models ?? []) as { name: string }[]).map(({ name }) => name);
    expect(names(models.body)).toEqual(['contract-prompt-model']);
    expect(names(prompts.body)).toEqual(['contract-prompt-prompt']);
    expect(versions.body.model_versions).toEqual([expect.objectContaining({ name: 'contract-prompt-model', version: '1' })]);
  });

  test('get-latest-versions (POST, as the client sends it, and GET) answers the highest version, in stage None; {} for another stage', async () => {
    await createModel('contract-latest');
    await createVersion('contract-latest');
    await createVersion('contract-latest');

    const post = await mlflow.request('POST', `${API}/registered-models/get-latest-versions`, { body: { name: 'contract-latest', stages: ['None'] } });
    const get = await mlflow.request('GET', `${API}/registered-models/get-latest-versions`, { query: { name: 'contract-latest' } });

    expect(post.body).toEqual({ model_versions: [expect.objectContaining({ version: '2', current_stage: 'None' })] });
    expect(get.body).toEqual(post.body);
    expect(await mlflow.request('POST', `${API}/registered-models/get-latest-versions`, { body: { name: 'contract-latest', stages: ['Production'] } })).toEqual(
      ok(),
    );
  });

  test('rename to its own name answers the model; to another name is INVALID_PARAMETER_VALUE naming copy_model_version, and changes nothing', async () => {
    // Arrange
    await createModel('contract-rename');
    await createVersion('contract-rename');
    const before = await mlflow.tableItems();

    // Act
    const same = await mlflow.request('POST', `${API}/registered-models/rename`, { body: { name: 'contract-rename', new_name: 'contract-rename' } });
    const other = await mlflow.request('POST', `${API}/registered-models/rename`, { body: { name: 'contract-rename', new_name: 'contract-renamed' } });
    const unknown = await mlflow.request('POST', `${API}/registered-models/rename`, { body: { name: 'contract-rename-nowhere', new_name: 'x' } });

    // Assert
    expect(same).toEqual(
      ok({ registered_model: expect.objectContaining({ name: 'contract-rename', latest_versions: [expect.objectContaining({ version: '1' })] }) }),
    );
    expect(other).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining('copy_model_version("models:/contract-rename/<version>", "contract-renamed")')),
    );
    expect(unknown).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=contract-rename-nowhere not found'));
    expect(await mlflow.tableItems()).toEqual(before);
  });
});

describe('model versions', () => {
  test('delete of a registered model forgets it and its versions for MLflow; created again, it is new to MLflow but its numbers go on', async () => {
    // Arrange
    await createModel('contract-rm-delete', { description: 'first life' });
    await createVersion('contract-rm-delete');
    await createVersion('contract-rm-delete');
    await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'contract-rm-delete', alias: 'champion', version: '1' } });

    // Act
    const deleted = await mlflow.request('DELETE', `${API}/registered-models/delete`, { body: { name: 'contract-rm-delete' } });
    const got = await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-rm-delete' } });
    const version = await mlflow.request('GET', `${API}/model-versions/get`, { query: { name: 'contract-rm-delete', version: '1' } });
    const searched = await mlflow.request('GET', `${API}/registered-models/search`, { query: { filter: "name = 'contract-rm-delete'" } });
    const again = await mlflow.request('DELETE', `${API}/registered-models/delete`, { body: { name: 'contract-rm-delete' } });
    const recreated = await createModel('contract-rm-delete');
    const next = await createVersion('contract-rm-delete');

    // Assert
    expect(deleted).toEqual(ok());
    expect(got).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=contract-rm-delete not found'));
    expect(version).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST'));
    expect(searched).toEqual(ok());
    expect(again).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST'));
    expect(recreated).toEqual({
      name: 'contract-rm-delete',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      description: '',
    });
    expect(next.version).toBe('3');
  });

  test('delete forgets the version for MLflow (get 404, not searched, not latest), removes its aliases, takes no alias after, and never gives its number again', async () => {
    // Arrange
    await createModel('contract-mv-delete');
    await createVersion('contract-mv-delete', { tags: [{ key: 'team', value: 'risk' }] });
    await createVersion('contract-mv-delete', { tags: [{ key: 'team', value: 'risk' }] });
    await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'contract-mv-delete', alias: 'champion', version: '2' } });
    const path = (operation: string) => `${API}/model-versions/${operation}`;

    // Act
    const deleted = await mlflow.request('DELETE', path('delete'), { body: { name: 'contract-mv-delete', version: '2' } });
    const got = await mlflow.request('GET', path('get'), { query: { name: 'contract-mv-delete', version: '2' } });
    const again = await mlflow.request('DELETE', path('delete'), { body: { name: 'contract-mv-delete', version: '2' } });
    const searched = await mlflow.request('GET', path('search'), { query: { filter: "name = 'contract-mv-delete'" } });
    const byTag = await mlflow.request('GET', path('search'), { query: { filter: "name = 'contract-mv-delete' and tags.team = 'risk'" } });
    const model = await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-mv-delete' } });
    const alias = await mlflow.request('GET', `${API}/registered-models/alias`, { query: { name: 'contract-mv-delete', alias: 'champion' } });
    const aliasToDeleted = await mlflow.request('POST', `${API}/registered-models/alias`, {
      body: { name: 'contract-mv-delete', alias: 'champion', version: '2' },
    });
    const next = await createVersion('contract-mv-delete');

    // Assert
    expect(deleted).toEqual(ok());
    expect(got).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=contract-mv-delete, version=2) not found'));
    expect(again).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST'));
    expect((searched.body.model_versions as { version: string }[]).map(({ version }) => version)).toEqual(['1']);
    expect((byTag.body.model_versions as { version: string }[]).map(({ version }) => version)).toEqual(['1']);
    expect(model.body.registered_model).toMatchObject({ latest_versions: [expect.objectContaining({ version: '1' })] });
    expect(model.body.registered_model).not.toHaveProperty('aliases');
    expect(alias).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', 'Registered model alias champion not found.'));
    expect(aliasToDeleted).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST'));
    expect(next.version).toBe('3');
    // Kept as the record of what was registered; its tag index gone.
    const items = (await mlflow.tableItems()).registry.filter((item) => item.name === 'contract-mv-delete');
    expect(items.find((item) => item.sk === 'V#0000000002')).toMatchObject({ deletedAt: expect.any(String) });
    expect(items.filter((item) => String(item.sk).startsWith('G#0000000002'))).toEqual([]);
  });

  test("delete alias removes it as a move to nowhere: get by alias then refuses, a second delete is {}, and the alias's next move continues its revisions", async () => {
    // Arrange
    await createModel('contract-alias-delete');
    await createVersion('contract-alias-delete');
    await createVersion('contract-alias-delete');
    const alias = (version: string) =>
      mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'contract-alias-delete', alias: 'champion', version } });
    await alias('1');

    // Act
    const removed = await mlflow.request('DELETE', `${API}/registered-models/alias`, { body: { name: 'contract-alias-delete', alias: 'champion' } });
    const lookedUp = await mlflow.request('GET', `${API}/registered-models/alias`, { query: { name: 'contract-alias-delete', alias: 'champion' } });
    const model = await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-alias-delete' } });
    const again = await mlflow.request('DELETE', `${API}/registered-models/alias`, { body: { name: 'contract-alias-delete', alias: 'champion' } });
    const unknownModel = await mlflow.request('DELETE', `${API}/registered-models/alias`, { body: { name: 'contract-no-such-model', alias: 'champion' } });
    const moved = await alias('2');

    // Assert
    expect([removed, again, moved]).toEqual([ok(), ok(), ok()]);
    expect(lookedUp).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', 'Registered model alias champion not found.'));
    expect(model.body.registered_model).not.toHaveProperty('aliases');
    expect(unknownModel).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST'));
    const items = (await mlflow.tableItems()).registry.filter((item) => item.name === 'contract-alias-delete');
    expect(items.find((item) => item.sk === 'A#champion')).toMatchObject({ version: 2, revision: 3 });
    expect(items.find((item) => item.sk === 'A#champion')).not.toHaveProperty('removed');
    const history = items
      .filter((item) => String(item.sk).startsWith('H#'))
      .map(({ revision, fromVersion, toVersion, removed: gone }) => ({ revision, fromVersion, toVersion, gone }));
    expect(history).toEqual([
      { revision: 1, fromVersion: undefined, toVersion: 1, gone: undefined },
      { revision: 2, fromVersion: 1, toVersion: undefined, gone: true },
      { revision: 3, fromVersion: undefined, toVersion: 2, gone: undefined },
    ]);
  });

  test('update, set-tag and delete-tag change the version and its tag index; transition-stage moves it, archiving the others on request', async () => {
    // Arrange
    await createModel('contract-mv-change');
    await createVersion('contract-mv-change', { tags: [{ key: 'team', value: 'risk' }] });
    await createVersion('contract-mv-change');
    const path = (operation: string) => `${API}/model-versions/${operation}`;
    const version = async (number: string) =>
      (await mlflow.request('GET', path('get'), { query: { name: 'contract-mv-change', version: number } })).body.model_version as Record<string, unknown>;

    // Act
    const updated = await mlflow.request('PATCH', path('update'), { body: { name: 'contract-mv-change', version: '1', description: 'retrained' } });
    const tagged = await mlflow.request('POST', path('set-tag'), { body: { name: 'contract-mv-change', version: '1', key: 'stage', value: 'qa' } });
    const untagged = await mlflow.request('DELETE', path('delete-tag'), { body: { name: 'contract-mv-change', version: '1', key: 'team' } });
    const staged1 = await mlflow.request('POST', path('transition-stage'), {
      body: { name: 'contract-mv-change', version: '1', stage: 'production', archive_existing_versions: false },
    });
    const staged2 = await mlflow.request('POST', path('transition-stage'), {
      body: { name: 'contract-mv-change', version: '2', stage: 'Production', archive_existing_versions: true },
    });
    const badStage = await mlflow.request('POST', path('transition-stage'), { body: { name: 'contract-mv-change', version: '1', stage: 'Live' } });
    const latest = await mlflow.request('POST', `${API}/registered-models/get-latest-versions`, {
      body: { name: 'contract-mv-change', stages: ['Production', 'Archived'] },
    });
    const searched = await mlflow.request('GET', `${API}/model-versions/search`, { query: { filter: "name = 'contract-mv-change' and tags.stage = 'qa'" } });

    // Assert
    expect(updated).toEqual(ok({ model_version: expect.objectContaining({ version: '1', description: 'retrained' }) }));
    expect([tagged, untagged]).toEqual([ok(), ok()]);
    expect(staged1).toEqual(ok({ model_version: expect.objectContaining({ version: '1', current_stage: 'Production' }) }));
    expect(staged2).toEqual(ok({ model_version: expect.objectContaining({ version: '2', current_stage: 'Production' }) }));
    expect(badStage).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', 'Invalid Model Version stage: Live. Value must be one of None, Staging, Production, Archived.'),
    );
    expect(await version('1')).toMatchObject({ current_stage: 'Archived', tags: [{ key: 'stage', value: 'qa' }] });
    expect((await version('1')).last_updated_timestamp).toBeGreaterThanOrEqual((await version('1')).creation_timestamp as number);
    expect(
      (latest.body.model_versions as { version: string; current_stage: string }[]).map(({ version: v, current_stage }) => `${v}:${current_stage}`).sort(),
    ).toEqual(['1:Archived', '2:Production']);
    expect((searched.body.model_versions as { version: string }[]).map(({ version: v }) => v)).toEqual(['1']);
    const index = (await mlflow.tableItems()).registry.filter((item) => String(item.sk).startsWith('G#') && item.name === 'contract-mv-change');
    expect(index.map((item) => `${item.gsi1pk}=${String(item.gsi1sk).split('\u001f')[0]}`)).toEqual(['TAG#stage=qa']);
  });

  test('create from an s3:// directory answers version "1" READY with MLflow fields; get answers the same; download URI is the directory', async () => {
    // Arrange
    await createModel('contract-mv');
    const source = await uploadedModel();

    // Act
    const created = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-mv', source, tags: [{ key: 'k', value: 'v' }], description: 'first' },
    });
    const got = await mlflow.request('GET', `${API}/model-versions/get`, { query: { name: 'contract-mv', version: '1' } });
    const uri = await mlflow.request('GET', `${API}/model-versions/get-download-uri`, { query: { name: 'contract-mv', version: '1' } });

    // Assert
    const version = {
      name: 'contract-mv',
      version: '1',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      current_stage: 'None',
      description: 'first',
      source,
      status: 'READY',
      tags: [{ key: 'k', value: 'v' }],
      run_link: '',
    };
    expect(created).toEqual(ok({ model_version: version }));
    expect(got).toEqual(ok({ model_version: version }));
    expect(uri).toEqual(ok({ artifact_uri: source }));
  });

  test('create from models:/<model id> without run_id takes the logged model run and id; the model last_updated_timestamp follows', async () => {
    // Arrange
    const { runId, model } = await loggedModelOfNewRun('contract-mv-logged');
    const registered = await createModel('contract-mv-logged');

    // Act
    const created = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-mv-logged', source: `models:/${model.info.model_id}` },
    });
    const after = (await mlflow.request('GET', `${API}/registered-models/get`, { query: { name: 'contract-mv-logged' } })).body.registered_model as Record<
      string,
      number
    >;
    const uri = await mlflow.request('GET', `${API}/model-versions/get-download-uri`, { query: { name: 'contract-mv-logged', version: '1' } });

    // Assert
    expect(created.body.model_version).toMatchObject({ version: '1', source: `models:/${model.info.model_id}`, run_id: runId, model_id: model.info.model_id });
    expect(after.last_updated_timestamp).toBeGreaterThanOrEqual(registered.last_updated_timestamp as number);
    expect(after.last_updated_timestamp).toBe((created.body.model_version as Record<string, number>).creation_timestamp);
    expect(uri).toEqual(ok({ artifact_uri: model.info.artifact_uri }));
  });

  test('create from models:/<name>/<version> and models:/<name>@<alias> (copy_model_version) pins the same files as the source version', async () => {
    // Arrange
    await createModel('contract-copy-source');
    const source = await createVersion('contract-copy-source', { tags: [{ key: 'k', value: 'v' }] });
    await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'contract-copy-source', alias: 'champion', version: '1' } });
    await createModel('contract-copy');

    // Act
    const byVersion = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-copy', source: 'models:/contract-copy-source/1', tags: [{ key: 'k', value: 'v' }] },
    });
    const byAlias = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-copy', source: 'models:/contract-copy-source@champion' },
    });
    const uri = await mlflow.request('GET', `${API}/model-versions/get-download-uri`, { query: { name: 'contract-copy', version: '2' } });

    // Assert
    expect(byVersion).toEqual(
      ok({ model_version: expect.objectContaining({ name: 'contract-copy', version: '1', source: 'models:/contract-copy-source/1', status: 'READY' }) }),
    );
    expect(byAlias).toEqual(ok({ model_version: expect.objectContaining({ version: '2', source: 'models:/contract-copy-source@champion' }) }));
    expect(uri).toEqual(ok({ artifact_uri: source.source }));
    const artifacts = (await mlflow.tableItems()).registry
      .filter((item) => item.sk === 'V#0000000001' && (item.name === 'contract-copy-source' || item.name === 'contract-copy'))
      .map((item) => item.artifact);
    expect(artifacts).toHaveLength(2);
    // The same files and manifest digest; the manifest object is written again, as a new S3 version of the same content.
    expect(artifacts[0]).toEqual({ ...(artifacts[1] as object), manifestVersionId: expect.any(String) });
  });

  test('create from a registered version whose files changed since is INVALID_PARAMETER_VALUE and writes nothing; an unknown one is RESOURCE_DOES_NOT_EXIST', async () => {
    // Arrange
    await createModel('contract-copy-changed-source');
    const source = await createVersion('contract-copy-changed-source');
    await mlflow.putObject(`${(source.source as string).slice(`s3://${mlflow.artifactBucketName}/`.length)}/model.pkl`, 'retrained in place');
    await createModel('contract-copy-changed');
    const before = await mlflow.tableItems();

    // Act
    const changed = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-copy-changed', source: 'models:/contract-copy-changed-source/1' },
    });
    const unknown = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-copy-changed', source: 'models:/contract-copy-changed-source/9' },
    });

    // Assert
    expect(changed).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining('does not match the SHA-256')));
    expect(unknown).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=contract-copy-changed-source, version=9) not found'));
    expect(await mlflow.tableItems()).toEqual(before);
  });

  test("create from runs:/ of a run with a NaN metric registers it (MLflow's registry copies nothing from runs; the version takes what it can hold)", async () => {
    // Arrange
    const experimentId = (await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 'contract-mv-nan' } })).body.experiment_id as string;
    const run = (await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: experimentId } })).body.run as {
      info: { run_id: string; artifact_uri: string };
    };
    const metrics = [
      { key: 'loss', value: 'NaN', timestamp: 1, step: 0 },
      { key: 'acc', value: 0.9, timestamp: 1, step: 0 },
    ];
    await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: run.info.run_id, metrics } });
    await mlflow.putObject(`${run.info.artifact_uri.slice(`s3://${mlflow.artifactBucketName}/`.length)}/model/MLmodel`, 'flavors: {}\n');
    await createModel('contract-mv-nan');

    // Act
    const created = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-mv-nan', source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id },
    });

    // Assert
    expect(created).toEqual(ok({ model_version: expect.objectContaining({ version: '1', run_id: run.info.run_id }) }));
    const version = (await mlflow.tableItems()).registry.find((item) => item.name === 'contract-mv-nan' && item.sk === 'V#0000000001');
    expect(version?.metrics).toEqual({ acc: 0.9 });
  });

  test('create from runs:/<run>/<name> of an MLflow 3 model (a logged model of the run, not among its artifacts) pins the logged model', async () => {
    // Arrange: what `mlflow.pyfunc.log_model(name="model")` leaves.
    const { runId, model } = await loggedModelOfNewRun('contract-mv-run-model');
    await createModel('contract-mv-run-model');

    // Act
    const created = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-mv-run-model', source: `runs:/${runId}/model`, run_id: runId },
    });
    const uri = await mlflow.request('GET', `${API}/model-versions/get-download-uri`, { query: { name: 'contract-mv-run-model', version: '1' } });

    // Assert
    expect(created).toEqual(
      ok({ model_version: expect.objectContaining({ version: '1', source: `runs:/${runId}/model`, run_id: runId, model_id: model.info.model_id }) }),
    );
    expect(uri).toEqual(ok({ artifact_uri: model.info.artifact_uri }));
  });

  test('fails get of a missing version with RESOURCE_DOES_NOT_EXIST, and a version that is no integer with INVALID_PARAMETER_VALUE', async () => {
    await createModel('contract-mv-missing');

    expect(await mlflow.request('GET', `${API}/model-versions/get`, { query: { name: 'contract-mv-missing', version: '7' } })).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=contract-mv-missing, version=7) not found'),
    );
    expect(await mlflow.request('GET', `${API}/model-versions/get`, { query: { name: 'contract-mv-missing', version: 'abc' } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', "Parameter 'version' must be an integer, got 'abc'."),
    );
  });

  test('fails create of a version of an unknown model with RESOURCE_DOES_NOT_EXIST, and of a relative source with INVALID_PARAMETER_VALUE', async () => {
    await createModel('contract-mv-bad-source');

    expect(await mlflow.request('POST', `${API}/model-versions/create`, { body: { name: 'contract-mv-unknown', source: await uploadedModel() } })).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=contract-mv-unknown not found'),
    );
    expect(
      await mlflow.request('POST', `${API}/model-versions/create`, {
        body: { name: 'contract-mv-bad-source', source: `s3://${mlflow.artifactBucketName}/mlflow/../x` },
      }),
    ).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining('Invalid model version source')));
  });

  test('a refused create-model-version (no files under its source) writes nothing to either table', async () => {
    // Arrange
    await createModel('contract-mv-refused');
    const before = await mlflow.tableItems();

    // Act
    const refused = await mlflow.request('POST', `${API}/model-versions/create`, {
      body: { name: 'contract-mv-refused', source: `s3://${mlflow.artifactBucketName}/mlflow/uploads/nothing-here` },
    });

    // Assert: the field named is the caller's (source), not the registry's (artifact.uri).
    expect(refused).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringMatching(/^source: holds no files/)));
    expect(await mlflow.tableItems()).toEqual(before);
  });

  test('aliases: set answers {}, get by alias answers the version with aliases as strings, moving the alias moves it; an unknown alias is INVALID_PARAMETER_VALUE', async () => {
    // Arrange
    await createModel('contract-alias');
    await createVersion('contract-alias');
    await createVersion('contract-alias');

    // Act
    const set = await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'contract-alias', alias: 'champion', version: '1' } });
    const first = await mlflow.request('GET', `${API}/registered-models/alias`, { query: { name: 'contract-alias', alias: 'champion' } });
    await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'contract-alias', alias: 'champion', version: '2' } });
    const moved = await mlflow.request('GET', `${API}/registered-models/alias`, { query: { name: 'contract-alias', alias: 'champion' } });
    const unknown = await mlflow.request('GET', `${API}/registered-models/alias`, { query: { name: 'contract-alias', alias: 'nobody' } });

    // Assert
    expect(set).toEqual(ok());
    expect(first.body.model_version).toMatchObject({ version: '1', aliases: ['champion'] });
    expect(moved.body.model_version).toMatchObject({ version: '2', aliases: ['champion'] });
    expect(unknown).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', 'Registered model alias nobody not found.'));
  });

  test.each([
    ['latest', expect.stringContaining("'latest' alias name (case insensitive) is reserved.")],
    ['v1', expect.stringContaining("Version alias name 'v1' is reserved.")],
    ['bad alias', expect.stringContaining("Invalid alias name: 'bad alias'.")],
  ])('fails to set the alias %s with INVALID_PARAMETER_VALUE', async (alias, message) => {
    await createModel(`contract-bad-alias-${alias.replace(/\W/g, '')}`);
    await createVersion(`contract-bad-alias-${alias.replace(/\W/g, '')}`);

    expect(
      await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: `contract-bad-alias-${alias.replace(/\W/g, '')}`, alias, version: '1' } }),
    ).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', message));
  });

  test('search (GET) by name answers versions with string versions, paged', async () => {
    // Arrange
    await createModel('contract-mv-search');
    for (let i = 0; i < 3; i++) await createVersion('contract-mv-search');

    // Act
    const first = await mlflow.request('GET', `${API}/model-versions/search`, {
      query: { filter: "name = 'contract-mv-search'", max_results: '2', order_by: ['version_number DESC'] },
    });
    const second = await mlflow.request('GET', `${API}/model-versions/search`, {
      query: { filter: "name = 'contract-mv-search'", max_results: '2', order_by: ['version_number DESC'], page_token: first.body.next_page_token as string },
    });

    // Assert
    const versions = (page: Record<string, unknown>) => (page.model_versions as { version: string }[]).map(({ version }) => version);
    expect(versions(first.body)).toEqual(['3', '2']);
    expect(versions(second.body)).toEqual(['1']);
    expect(second.body).not.toHaveProperty('next_page_token');
  });
});
