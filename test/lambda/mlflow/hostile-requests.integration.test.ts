import * as fc from 'fast-check';
import { MLFLOW_ROUTES } from '../../../lambda/mlflow/core/routes';
import { createMlflowFixture, type MlflowFixture } from '../../emulators/mlflow-fixture';
import { HOSTILE_LEAVES, hostileRequests } from '../../support/hostile-mutations';

/**
 * The error contract under hostile input, on the emulators: every request MLflow's API serves, sent
 * well-formed or with one hostile change (a value replaced by an unstorable number, control or bidi
 * text, a 70 KB string, a prototype key added, a field removed, the whole body replaced), is answered
 * 200 or refused with one of MLflow's client-error codes (never INTERNAL_ERROR, never a stack), and a
 * refused request leaves both tables and the artifact bucket exactly as they were.
 */

const RUNS = Number(process.env.MLOPS_PROPERTY_RUNS ?? 120);
jest.setTimeout(300_000);

const API = '/api/2.0/mlflow';
const CLIENT_ERRORS = new Set([
  'INVALID_PARAMETER_VALUE',
  'RESOURCE_DOES_NOT_EXIST',
  'RESOURCE_ALREADY_EXISTS',
  'ENDPOINT_NOT_FOUND',
  'NOT_IMPLEMENTED',
  'TEMPORARILY_UNAVAILABLE',
]);

let mlflow: MlflowFixture;
/** What `beforeAll` made; the doomed ones are there to be deleted. */
let seeded: { experimentId: string; runId: string; modelId: string; source: string; doomedExperimentId: string; doomedModelId: string };

interface Call {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly fields: Record<string, unknown>;
}

/** One well-formed request per route, naming what `beforeAll` seeded. */
function wellFormed(): Call[] {
  const { experimentId, runId, modelId, source, doomedExperimentId, doomedModelId } = seeded;
  const metric = { key: 'auc', value: 0.5, timestamp: 1_765_000_000_000, step: 1 };
  const post = (path: string, fields: Record<string, unknown>): Call => ({ method: 'POST', path, fields });
  const get = (path: string, fields: Record<string, unknown>): Call => ({ method: 'GET', path, fields });
  const patch = (path: string, fields: Record<string, unknown>): Call => ({ method: 'PATCH', path, fields });
  const del = (path: string, fields: Record<string, unknown>): Call => ({ method: 'DELETE', path, fields });
  return [
    post('/experiments/create', { name: 'fuzzed', tags: [{ key: 'team', value: 'risk' }] }),
    get('/experiments/get', { experiment_id: experimentId }),
    get('/experiments/get-by-name', { experiment_name: 'churn' }),
    post('/experiments/search', { max_results: 10, filter: "name LIKE 'ch%'", order_by: ['name'] }),
    post('/experiments/set-experiment-tag', { experiment_id: experimentId, key: 'k', value: 'v' }),
    post('/runs/create', { experiment_id: experimentId, user_id: 'alice', start_time: 1_765_000_000_000, tags: [{ key: 'a', value: 'b' }] }),
    get('/runs/get', { run_id: runId }),
    post('/runs/update', { run_id: runId, status: 'RUNNING', run_name: 'fuzzed-run' }),
    post('/runs/log-batch', { run_id: runId, metrics: [metric], params: [{ key: 'depth', value: '3' }], tags: [{ key: 't', value: 'v' }] }),
    post('/runs/log-metric', { run_id: runId, ...metric }),
    post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' }),
    post('/runs/set-tag', { run_id: runId, key: 'k', value: 'v' }),
    post('/runs/log-inputs', { run_id: runId, datasets: [{ tags: [], dataset: { name: 'd', digest: 'abc', source_type: 'local', source: 'x' } }] }),
    post('/runs/outputs', { run_id: runId, models: [{ model_id: modelId, step: 0 }] }),
    post('/runs/search', { experiment_ids: [experimentId], filter: 'metrics.auc > 0.1 or params.lr = "0.1"', max_results: 5 }),
    get('/metrics/get-history', { run_id: runId, metric_key: 'auc' }),
    post('/logged-models', { experiment_id: experimentId, name: 'm', source_run_id: runId, params: [{ key: 'p', value: '1' }] }),
    get(`/logged-models/${modelId}`, {}),
    post('/logged-models/search', { experiment_ids: [experimentId], order_by: [{ field_name: 'name', ascending: true }] }),
    patch(`/logged-models/${modelId}/tags`, { tags: [{ key: 'k', value: 'v' }] }),
    post('/registered-models/create', { name: 'fuzzed-model', description: 'd' }),
    get('/registered-models/get', { name: 'churn' }),
    get('/registered-models/search', { filter: "name = 'churn'" }),
    post('/registered-models/alias', { name: 'churn', alias: 'champion', version: '1' }),
    post('/model-versions/create', { name: 'churn', source, tags: [{ key: 'k', value: 'v' }] }),
    get('/model-versions/get', { name: 'churn', version: '1' }),
    post('/model-versions/set-tag', { name: 'churn', version: '1', key: 'k', value: 'v' }),
    get('/model-versions/get-download-uri', { name: 'churn', version: '1' }),
    get('/experiments/search', { max_results: 5 }),
    post('/experiments/update', { experiment_id: experimentId, new_name: 'churn' }),
    post('/experiments/delete', { experiment_id: doomedExperimentId }),
    post('/experiments/restore', { experiment_id: doomedExperimentId }),
    post('/experiments/delete-experiment-tag', { experiment_id: experimentId, key: 'k' }),
    post('/runs/delete', { run_id: runId }),
    post('/runs/restore', { run_id: runId }),
    post('/runs/delete-tag', { run_id: runId, key: 't' }),
    post('/runs/log-model', { run_id: runId, model_json: JSON.stringify({ artifact_path: 'model', flavors: {} }) }),
    get('/metrics/get-history-bulk-interval', { run_ids: runId, metric_key: 'auc', max_results: 10 }),
    patch(`/logged-models/${modelId}`, { status: 'LOGGED_MODEL_READY' }),
    del(`/logged-models/${doomedModelId}`, {}),
    del(`/logged-models/${modelId}/tags/k`, {}),
    post(`/logged-models/${modelId}/params`, { params: [{ key: 'q', value: '2' }] }),
    patch('/registered-models/update', { name: 'churn', description: 'updated' }),
    post('/registered-models/rename', { name: 'churn', new_name: 'churn-renamed' }),
    del('/registered-models/delete', { name: 'doomed' }),
    post('/registered-models/set-tag', { name: 'churn', key: 'k', value: 'v' }),
    del('/registered-models/delete-tag', { name: 'churn', key: 'k' }),
    del('/registered-models/alias', { name: 'churn', alias: 'champion' }),
    get('/registered-models/alias', { name: 'churn', alias: 'champion' }),
    post('/registered-models/get-latest-versions', { name: 'churn', stages: ['None'] }),
    get('/registered-models/get-latest-versions', { name: 'churn' }),
    post('/model-versions/create', { name: 'churn', source: 'models:/churn/1' }),
    get('/model-versions/search', { filter: "name = 'churn'", max_results: 5 }),
    patch('/model-versions/update', { name: 'churn', version: '1', description: 'd' }),
    del('/model-versions/delete', { name: 'doomed', version: '1' }),
    del('/model-versions/delete-tag', { name: 'churn', version: '1', key: 'k' }),
    post('/model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Staging', archive_existing_versions: true }),
  ];
}

/** A JSON leaf replaced now and then by what a hostile caller sends. */
const withHostileLeaves = (value: unknown): fc.Arbitrary<unknown> => {
  if (Array.isArray(value)) return fc.tuple(...value.map(withHostileLeaves));
  if (value !== null && typeof value === 'object') {
    return fc.record(Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withHostileLeaves(inner)])));
  }
  return fc.oneof({ weight: 7, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: fc.oneof(HOSTILE_LEAVES.numbers, HOSTILE_LEAVES.text) });
};

const state = async () => JSON.stringify(await mlflow.tableItems()) + JSON.stringify(await mlflow.objectVersions());

beforeAll(async () => {
  mlflow = await createMlflowFixture({ label: 'mlflow-hostile', observeEvents: false });
  const experimentId = (await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 'churn' } })).body.experiment_id as string;
  const run = (await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: experimentId } })).body.run as { info: { run_id: string } };
  await mlflow.request('POST', `${API}/runs/log-parameter`, { body: { run_id: run.info.run_id, key: 'lr', value: '0.1' } });
  const model = (await mlflow.request('POST', `${API}/logged-models`, { body: { experiment_id: experimentId, name: 'model' } })).body.model as {
    info: { model_id: string };
  };
  await mlflow.putObject('mlflow/uploads/fuzz/model/MLmodel', 'flavors: {}\n');
  const source = `s3://${mlflow.artifactBucketName}/mlflow/uploads/fuzz/model`;
  await mlflow.request('POST', `${API}/registered-models/create`, { body: { name: 'churn' } });
  expect((await mlflow.request('POST', `${API}/model-versions/create`, { body: { name: 'churn', source } })).status).toBe(200);
  const doomedExperimentId = (await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 'doomed' } })).body.experiment_id as string;
  const doomedModel = (await mlflow.request('POST', `${API}/logged-models`, { body: { experiment_id: experimentId, name: 'doomed' } })).body.model as {
    info: { model_id: string };
  };
  await mlflow.request('POST', `${API}/registered-models/create`, { body: { name: 'doomed' } });
  expect((await mlflow.request('POST', `${API}/model-versions/create`, { body: { name: 'doomed', source } })).status).toBe(200);
  seeded = { experimentId, runId: run.info.run_id, modelId: model.info.model_id, source, doomedExperimentId, doomedModelId: doomedModel.info.model_id };
});

test('sends a well-formed request to every route of the API', () => {
  const routeOf = (call: Call) =>
    MLFLOW_ROUTES.find((route) => route.method === call.method && new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(call.path));
  const covered = new Set(wellFormed().map(routeOf));
  expect(MLFLOW_ROUTES.filter((route) => !covered.has(route)).map((route) => `${route.method} ${route.path}`)).toEqual([]);
});

afterAll(async () => {
  await mlflow?.dispose();
});

test('answers every hostile request with 200 or a client error, and a refused one changes nothing', async () => {
  const calls = wellFormed();
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 0, max: calls.length - 1 })
        .chain((index) => hostileRequests(withHostileLeaves(calls[index].fields)).map((fields) => ({ call: calls[index], fields }))),
      async ({ call, fields }) => {
        const before = await state();
        const options =
          call.method === 'GET' && fields !== null && typeof fields === 'object' && !Array.isArray(fields)
            ? { query: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])) }
            : { body: fields };
        const answer = await mlflow.request(call.method, `${API}${call.path}`, options);
        const verdict = answer.status === 200 ? 'ok' : String(answer.body.error_code);
        outcomes.set(`${call.path} ${verdict}`, (outcomes.get(`${call.path} ${verdict}`) ?? 0) + 1);
        if (answer.status === 200) return;
        expect(CLIENT_ERRORS.has(String(answer.body.error_code))).toBe(true);
        expect(answer.status).toBeLessThan(
          500 + (answer.body.error_code === 'NOT_IMPLEMENTED' || answer.body.error_code === 'TEMPORARILY_UNAVAILABLE' ? 100 : 0),
        );
        expect(Buffer.byteLength(String(answer.body.message))).toBeLessThanOrEqual(8192);
        expect(String(answer.body.message)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
        expect(await state()).toBe(before);
      },
    ),
    { numRuns: RUNS, seed: Number(process.env.MLOPS_PROPERTY_SEED ?? 16) },
  );
  // The property means something only if requests got past validation as well as being refused by it.
  const verdicts = [...outcomes.keys()].map((key) => key.split(' ')[1]);
  expect(verdicts).toContain('ok');
  expect(verdicts).toContain('INVALID_PARAMETER_VALUE');
});
