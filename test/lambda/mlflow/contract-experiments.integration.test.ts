import { createMlflowFixture, type MlflowFixture } from '../../emulators/mlflow-fixture';

/** MLflow's experiment endpoints, the unknown ones and the request rules, as MLflow's server answers them (notes/mlflow). */

jest.setTimeout(60_000);

const API = '/api/2.0/mlflow';
let mlflow: MlflowFixture;

beforeAll(async () => {
  mlflow = await createMlflowFixture({ label: 'mlflow-contract-experiments', observeEvents: false });
});

afterAll(async () => {
  await mlflow?.dispose();
});

const create = async (name: string, tags?: { key: string; value: string }[]): Promise<string> => {
  const { status, body } = await mlflow.request('POST', `${API}/experiments/create`, { body: { name, ...(tags ? { tags } : {}) } });
  expect({ status, body }).toEqual({ status: 200, body: { experiment_id: expect.any(String) } });
  return body.experiment_id as string;
};

const refusal = (status: number, error_code: string, message: unknown = expect.any(String)) => ({ status, body: { error_code, message } });

describe('experiments', () => {
  // First in the file: nothing has referred to the default experiment yet.
  test('search lists the default experiment "0" from the start, before anything referred to it', async () => {
    const { status, body } = await mlflow.request('POST', `${API}/experiments/search`, { body: { max_results: 10 } });

    expect(status).toBe(200);
    expect(body.experiments).toEqual([expect.objectContaining({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' })]);
  });

  test('create answers the id as a string, and get answers the experiment with int64 times as numbers and no empty tags', async () => {
    // Act
    const id = await create('contract-plain');
    const { status, body } = await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: id } });

    // Assert
    expect(id).toMatch(/^[1-9]\d*$/);
    expect(status).toBe(200);
    expect(body).toEqual({
      experiment: {
        experiment_id: id,
        name: 'contract-plain',
        artifact_location: `s3://${mlflow.artifactBucketName}/mlflow/${id}`,
        lifecycle_stage: 'active',
        creation_time: expect.any(Number),
        last_update_time: expect.any(Number),
      },
    });
  });

  test('get-by-name answers the experiment with its tags', async () => {
    // Arrange
    const id = await create('contract-tagged', [{ key: 'team', value: 'ml' }]);

    // Act
    const { status, body } = await mlflow.request('GET', `${API}/experiments/get-by-name`, { query: { experiment_name: 'contract-tagged' } });

    // Assert
    expect(status).toBe(200);
    expect(body.experiment).toMatchObject({ experiment_id: id, name: 'contract-tagged', tags: [{ key: 'team', value: 'ml' }] });
  });

  test("a GET without a query string reads its fields from a JSON body, as MLflow's server does", async () => {
    const id = await create('contract-get-body');

    const { status, body } = await mlflow.request('GET', `${API}/experiments/get`, { body: { experiment_id: id } });

    expect(status).toBe(200);
    expect(body.experiment).toMatchObject({ experiment_id: id, name: 'contract-get-body' });
  });

  test('the default experiment "0" exists from the start', async () => {
    const { status, body } = await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: '0' } });

    expect(status).toBe(200);
    expect(body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
  });

  test('fails get-by-name of an unknown name with RESOURCE_DOES_NOT_EXIST (404), which set_experiment reads as "create it"', async () => {
    expect(await mlflow.request('GET', `${API}/experiments/get-by-name`, { query: { experiment_name: 'contract-nowhere' } })).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', "Could not find experiment with name 'contract-nowhere'"),
    );
  });

  test('fails get of an unknown id with RESOURCE_DOES_NOT_EXIST (404)', async () => {
    expect(await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: '424242' } })).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=424242 exists'),
    );
  });

  test('fails create of an existing name with RESOURCE_ALREADY_EXISTS (400)', async () => {
    await create('contract-twice');

    expect(await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 'contract-twice' } })).toEqual(
      refusal(400, 'RESOURCE_ALREADY_EXISTS', expect.stringContaining('Experiment(name=contract-twice) already exists.')),
    );
  });

  test('fails create without a name, or with a name of the wrong type, with INVALID_PARAMETER_VALUE naming the field', async () => {
    const missing = await mlflow.request('POST', `${API}/experiments/create`, { body: {} });
    const empty = await mlflow.request('POST', `${API}/experiments/create`, { body: { name: '' } });
    const wrongType = await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 123 } });

    expect(missing).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining("Missing value for required parameter 'name'")));
    expect(empty).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining("Missing value for required parameter 'name'")));
    expect(wrongType).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining("Invalid value 123 for parameter 'name' supplied")));
  });

  test('search (POST, as the client sends it) pages with next_page_token until the last page, which has none', async () => {
    // Arrange
    const ids = [await create('contract-page-a'), await create('contract-page-b'), await create('contract-page-c')];
    const request = { filter: "name LIKE 'contract-page-%'", order_by: ['name ASC'], max_results: 2 };

    // Act
    const first = await mlflow.request('POST', `${API}/experiments/search`, { body: request });
    const second = await mlflow.request('POST', `${API}/experiments/search`, { body: { ...request, page_token: first.body.next_page_token } });

    // Assert
    expect(first.status).toBe(200);
    expect((first.body.experiments as { experiment_id: string }[]).map(({ experiment_id }) => experiment_id)).toEqual(ids.slice(0, 2));
    expect(first.body.next_page_token).toEqual(expect.any(String));
    expect(second).toEqual({ status: 200, body: { experiments: [expect.objectContaining({ experiment_id: ids[2], name: 'contract-page-c' })] } });
  });

  test('search (GET) reads repeated query keys as a list, and answers {} when nothing matches', async () => {
    // Arrange
    await create('contract-get-search-1');
    await create('contract-get-search-2');

    // Act
    const found = await mlflow.request('GET', `${API}/experiments/search`, {
      query: { filter: "name LIKE 'contract-get-search-%'", order_by: ['name DESC', 'experiment_id ASC'], max_results: '10' },
    });
    const none = await mlflow.request('GET', `${API}/experiments/search`, { query: { filter: "name = 'contract-none'" } });

    // Assert
    expect((found.body.experiments as { name: string }[]).map(({ name }) => name)).toEqual(['contract-get-search-2', 'contract-get-search-1']);
    expect(none).toEqual({ status: 200, body: {} });
  });

  test('delete and restore answer {}; get shows the lifecycle stage, and search shows deleted ones only when asked', async () => {
    // Arrange
    const id = await create('contract-lifecycle');
    const search = (view_type: string) =>
      mlflow.request('POST', `${API}/experiments/search`, { body: { filter: "name = 'contract-lifecycle'", view_type, max_results: 10 } });

    // Act
    const deleted = await mlflow.request('POST', `${API}/experiments/delete`, { body: { experiment_id: id } });
    const whileDeleted = await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: id } });
    const activeOnly = await search('ACTIVE_ONLY');
    const deletedOnly = await search('DELETED_ONLY');
    const deletedAgain = await mlflow.request('POST', `${API}/experiments/delete`, { body: { experiment_id: id } });
    const restored = await mlflow.request('POST', `${API}/experiments/restore`, { body: { experiment_id: id } });
    const afterRestore = await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: id } });

    // Assert
    expect(deleted).toEqual({ status: 200, body: {} });
    expect(whileDeleted.body.experiment).toMatchObject({ lifecycle_stage: 'deleted' });
    expect(activeOnly.body).toEqual({});
    expect((deletedOnly.body.experiments as unknown[]).length).toBe(1);
    expect(deletedAgain).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`));
    expect(restored).toEqual({ status: 200, body: {} });
    expect(afterRestore.body.experiment).toMatchObject({ lifecycle_stage: 'active' });
  });

  test("delete marks the experiment's runs deleted (writes to them refused, searches leave them out) and restore brings them all back, as MLflow's server does", async () => {
    // Arrange
    const id = await create('contract-lifecycle-runs');
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: id } });
      runIds.push((body.run as { info: { run_id: string } }).info.run_id);
    }
    await mlflow.request('POST', `${API}/runs/delete`, { body: { run_id: runIds[2] } });
    const stages = async () =>
      Promise.all(
        runIds.map(
          async (runId) =>
            ((await mlflow.request('GET', `${API}/runs/get`, { query: { run_id: runId } })).body.run as { info: { lifecycle_stage: string } }).info
              .lifecycle_stage,
        ),
      );
    const activeRuns = async () =>
      ((await mlflow.request('POST', `${API}/runs/search`, { body: { experiment_ids: [id], run_view_type: 'ACTIVE_ONLY' } })).body.runs ?? []) as unknown[];

    // Act
    await mlflow.request('POST', `${API}/experiments/delete`, { body: { experiment_id: id } });
    const whileDeleted = { stages: await stages(), active: await activeRuns() };
    const write = await mlflow.request('POST', `${API}/runs/log-parameter`, { body: { run_id: runIds[0], key: 'lr', value: '0.1' } });
    await mlflow.request('POST', `${API}/experiments/restore`, { body: { experiment_id: id } });

    // Assert
    expect(whileDeleted).toEqual({ stages: ['deleted', 'deleted', 'deleted'], active: [] });
    expect(write).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', `The run ${runIds[0]} must be in the 'active' state. Current state is deleted.`));
    expect(await stages()).toEqual(['active', 'active', 'active']);
    expect(await activeRuns()).toHaveLength(3);
  });

  test('fails to create a run in a deleted experiment with INVALID_PARAMETER_VALUE', async () => {
    const id = await create('contract-deleted-runs');
    await mlflow.request('POST', `${API}/experiments/delete`, { body: { experiment_id: id } });

    expect(await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: id } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', `The experiment ${id} must be in the 'active' state. Current state is deleted.`),
    );
  });

  test('update answers {} when the name is unchanged, and refuses a rename with INVALID_PARAMETER_VALUE', async () => {
    const id = await create('contract-named');

    expect(await mlflow.request('POST', `${API}/experiments/update`, { body: { experiment_id: id, new_name: 'contract-named' } })).toEqual({
      status: 200,
      body: {},
    });
    expect(await mlflow.request('POST', `${API}/experiments/update`, { body: { experiment_id: id, new_name: 'contract-renamed' } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE'),
    );
  });

  test('set-experiment-tag and delete-experiment-tag answer {}; deleting a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
    // Arrange
    const id = await create('contract-tags');

    // Act
    const set = await mlflow.request('POST', `${API}/experiments/set-experiment-tag`, { body: { experiment_id: id, key: 'stage', value: 'dev' } });
    const withTag = await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: id } });
    const deleted = await mlflow.request('POST', `${API}/experiments/delete-experiment-tag`, { body: { experiment_id: id, key: 'stage' } });
    const withoutTag = await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: id } });
    const missing = await mlflow.request('POST', `${API}/experiments/delete-experiment-tag`, { body: { experiment_id: id, key: 'stage' } });

    // Assert
    expect(set).toEqual({ status: 200, body: {} });
    expect((withTag.body.experiment as { tags: unknown }).tags).toEqual([{ key: 'stage', value: 'dev' }]);
    expect(deleted).toEqual({ status: 200, body: {} });
    expect(withoutTag.body.experiment).not.toHaveProperty('tags');
    expect(missing).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST', `No tag with name: stage in experiment with id ${id}`));
  });

  test('fails to delete the default experiment with INVALID_PARAMETER_VALUE', async () => {
    expect(await mlflow.request('POST', `${API}/experiments/delete`, { body: { experiment_id: '0' } })).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE'));
  });
});

describe('requests outside the routes', () => {
  test.each([
    ['GET', `${API}/nope`],
    ['GET', `${API}/runs/create`],
    ['POST', '/api/3.0/mlflow/traces/search'],
    ['GET', '/api/3.0/mlflow/traces/tr-1234'],
    ['POST', `${API}/traces`],
    ['POST', '/api/3.0/mlflow/scorers/register'],
    ['GET', `${API}/webhooks/list`],
    ['POST', `${API}/gateway/endpoints`],
  ])('fails %s %s with ENDPOINT_NOT_FOUND (404) as a JSON body', async (method, path) => {
    expect(await mlflow.request(method, path, method === 'GET' ? {} : { body: {} })).toEqual(refusal(404, 'ENDPOINT_NOT_FOUND'));
  });

  test('fails a POST with a body but without Content-Type, or with another one, as MLflow does', async () => {
    const body = JSON.stringify({ name: 'contract-no-type' });

    expect(await mlflow.request('POST', `${API}/experiments/create`, { body, contentType: null })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.'),
    );
    expect(await mlflow.request('POST', `${API}/experiments/create`, { body, contentType: 'text/plain' })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', "Bad Request. Content-Type must be one of ['application/json']."),
    );
  });

  test('accepts a Content-Type with a charset', async () => {
    const { status } = await mlflow.request('POST', `${API}/experiments/create`, {
      body: { name: 'contract-charset' },
      contentType: 'application/json; charset=utf-8',
    });

    expect(status).toBe(200);
  });
});
