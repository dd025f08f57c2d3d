import { REGISTRY_EVENT_SOURCE } from '../../../lambda/registry/adapters/eventbridge-publisher';
import { createMlflowFixture, type MlflowFixture, type MlflowResponse } from '../../emulators/mlflow-fixture';

/**
 * MLflow 3's Python client training a model against the API, request by request as flows.md of the
 * protocol notes records them: set_experiment, start_run, logging, pyfunc log_model (files uploaded to
 * S3 by the client itself), end_run, search_runs, register_model, aliases and load_model's lookups.
 */

jest.setTimeout(120_000);

const API = '/api/2.0/mlflow';
const T0 = 1_733_500_000_000;
const CLIENT_TAGS = [
  { key: 'mlflow.user', value: 'alice' },
  { key: 'mlflow.source.name', value: 'train.py' },
  { key: 'mlflow.source.type', value: 'LOCAL' },
  { key: 'mlflow.source.git.commit', value: '0123456789abcdef0123456789abcdef01234567' },
];
/** What `mlflow.pyfunc.log_model` leaves under a model's artifact location. */
const MODEL_FILES: Readonly<Record<string, string>> = {
  MLmodel: 'artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n',
  'python_env.yaml': 'python: 3.11.9\n',
  'requirements.txt': 'mlflow==3.1.0\ncloudpickle==3.0.0\n',
  'conda.yaml': 'name: mlflow-env\n',
  'python_model.pkl': 'pickled model bytes',
};

let mlflow: MlflowFixture;

beforeAll(async () => {
  mlflow = await createMlflowFixture({ label: 'mlflow-training-flow' });
});

afterAll(async () => {
  await mlflow?.dispose();
});

/** The answer's body, after checking it is a 200 (a failure shows its MLflow error). */
function okBody(response: MlflowResponse): Record<string, unknown> {
  expect({ status: response.status, error: response.body.error_code }).toEqual({ status: 200, error: undefined });
  return response.body;
}

const keyOf = (uri: string, bucket: string) => uri.slice(`s3://${bucket}/`.length);

async function uploadModel(artifactUri: string): Promise<void> {
  const prefix = keyOf(artifactUri, mlflow.artifactBucketName);
  await Promise.all(Object.entries(MODEL_FILES).map(([file, text]) => mlflow.putObject(`${prefix}/${file}`, text)));
}

describe('an MLflow client training, logging, registering and aliasing a model', () => {
  test('runs the whole flow over HTTP with the answers the client needs', async () => {
    // set_experiment("churn"): get-by-name 404 -> create -> get.
    const lookup = await mlflow.request('GET', `${API}/experiments/get-by-name`, { query: { experiment_name: 'churn' } });
    expect(lookup).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });
    const experimentId = okBody(await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 'churn' } })).experiment_id as string;
    const experiment = okBody(await mlflow.request('GET', `${API}/experiments/get`, { query: { experiment_id: experimentId } })).experiment;
    expect(experiment).toMatchObject({ experiment_id: experimentId, name: 'churn', lifecycle_stage: 'active' });

    // start_run(): runs/create with the client's tags.
    const created = okBody(
      await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: experimentId, user_id: 'alice', start_time: T0, tags: CLIENT_TAGS } }),
    ).run as { info: { run_id: string; run_name: string; artifact_uri: string } };
    const runId = created.info.run_id;
    expect(created.info.artifact_uri).toBe(`s3://${mlflow.artifactBucketName}/mlflow/${experimentId}/${runId}/artifacts`);

    // log_param, log_metrics (1,000 points of 10 keys, then 150 distinct keys), set_tag, log_input.
    okBody(await mlflow.request('POST', `${API}/runs/log-parameter`, { body: { run_id: runId, run_uuid: runId, key: 'lr', value: '0.1' } }));
    const history = Array.from({ length: 1000 }, (_, i) => ({ key: `curve_${i % 10}`, value: (i % 100) / 100, timestamp: T0 + i, step: Math.floor(i / 10) }));
    okBody(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics: history, params: [], tags: [] } }));
    const wide = Array.from({ length: 150 }, (_, i) => ({ key: `feature_importance/f${i}`, value: i / 150, timestamp: T0, step: 0 }));
    okBody(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics: wide } }));
    okBody(
      await mlflow.request('POST', `${API}/runs/log-metric`, {
        body: { run_id: runId, run_uuid: runId, key: 'acc', value: 0.93, timestamp: T0 + 5000, step: 1 },
      }),
    );
    okBody(await mlflow.request('POST', `${API}/runs/set-tag`, { body: { run_id: runId, run_uuid: runId, key: 'team', value: 'ml' } }));
    const dataset = { name: 'churn-train', digest: 'd41d8cd9', source_type: 'local', source: '{"uri": "/data/churn.csv"}' };
    okBody(
      await mlflow.request('POST', `${API}/runs/log-inputs`, {
        body: { run_id: runId, datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] },
      }),
    );

    // pyfunc.log_model(name="model"): create the logged model, link it as the run's output, upload, finalize.
    const loggedModel = okBody(
      await mlflow.request('POST', `${API}/logged-models`, {
        body: { experiment_id: experimentId, name: 'model', source_run_id: runId, params: [{ key: 'lr', value: '0.1' }], tags: CLIENT_TAGS.slice(0, 3) },
      }),
    ).model as { info: { model_id: string; artifact_uri: string; status: string } };
    const modelId = loggedModel.info.model_id;
    expect(loggedModel.info).toMatchObject({
      status: 'LOGGED_MODEL_PENDING',
      artifact_uri: `s3://${mlflow.artifactBucketName}/mlflow/${experimentId}/models/${modelId}/artifacts`,
    });
    okBody(await mlflow.request('POST', `${API}/runs/outputs`, { body: { run_id: runId, models: [{ model_id: modelId, step: 0 }] } }));
    const artifactUri = (okBody(await mlflow.request('GET', `${API}/logged-models/${modelId}`)).model as { info: { artifact_uri: string } }).info.artifact_uri;
    await uploadModel(artifactUri);
    const finalized = okBody(await mlflow.request('PATCH', `${API}/logged-models/${modelId}`, { body: { model_id: modelId, status: 'LOGGED_MODEL_READY' } }));
    expect(finalized.model).toMatchObject({ info: { model_id: modelId, status: 'LOGGED_MODEL_READY' } });

    // A 2.x-style model directory under the run's artifacts, for runs:/<run id>/model.
    await uploadModel(`${created.info.artifact_uri}/model`);

    // end_run(): runs/update FINISHED.
    const ended = okBody(
      await mlflow.request('POST', `${API}/runs/update`, { body: { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: T0 + 60_000 } }),
    );
    expect(ended.run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: T0 + 60_000 });

    // The run as get_run sees it: latest metrics, outputs linked, inputs logged.
    const run = okBody(await mlflow.request('GET', `${API}/runs/get`, { query: { run_id: runId, run_uuid: runId } })).run as {
      data: { metrics: { key: string; value: number; step: number }[] };
      inputs: unknown;
      outputs: unknown;
    };
    expect(run.data.metrics).toHaveLength(10 + 150 + 1);
    expect(run.data.metrics).toEqual(expect.arrayContaining([{ key: 'curve_3', value: 0.93, timestamp: T0 + 993, step: 99 }]));
    expect(run.outputs).toEqual({ model_outputs: [{ model_id: modelId, step: 0 }] });
    expect(run.inputs).toEqual({ dataset_inputs: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });

    // search_runs with OR and parentheses, ordered by a metric: two more runs, one of them filtered out.
    const otherRuns: string[] = [];
    for (const [acc, lr, team] of [
      [0.95, '0.2', 'ml'],
      [0.5, '0.3', 'ml'],
      [0.99, '0.1', 'ops'],
    ] as const) {
      const other = (
        okBody(await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: experimentId, start_time: T0, tags: CLIENT_TAGS } })).run as {
          info: { run_id: string };
        }
      ).info.run_id;
      okBody(
        await mlflow.request('POST', `${API}/runs/log-batch`, {
          body: {
            run_id: other,
            metrics: [{ key: 'acc', value: acc, timestamp: T0, step: 0 }],
            params: [{ key: 'lr', value: lr }],
            tags: [{ key: 'team', value: team }],
          },
        }),
      );
      otherRuns.push(other);
    }
    const searched = okBody(
      await mlflow.request('POST', `${API}/runs/search`, {
        body: {
          experiment_ids: [experimentId],
          filter: "(metrics.acc > 0.9 OR params.lr = '0.3') AND tags.team = 'ml'",
          run_view_type: 'ACTIVE_ONLY',
          max_results: 1000,
          order_by: ['metrics.acc DESC'],
        },
      }),
    );
    expect((searched.runs as { info: { run_id: string } }[]).map(({ info }) => info.run_id)).toEqual([otherRuns[0], runId, otherRuns[1]]);

    // get_metric_history of one curve: its 100 points, step by step.
    const points = okBody(
      await mlflow.request('GET', `${API}/metrics/get-history`, { query: { run_id: runId, run_uuid: runId, metric_key: 'curve_7', max_results: '25000' } }),
    ).metrics as { step: number; value: number }[];
    expect(points.map(({ step }) => step)).toEqual(Array.from({ length: 100 }, (_, step) => step));
    expect(points.every(({ value }, step) => value === ((step * 10 + 7) % 100) / 100)).toBe(true);

    // register_model("models:/<model id>", "churn") and register_model("runs:/<run id>/model", "churn").
    const registered = await mlflow.request('POST', `${API}/registered-models/create`, { body: { name: 'churn' } });
    expect(registered.status).toBe(200);
    const fromModel = okBody(
      await mlflow.request('POST', `${API}/model-versions/create`, { body: { name: 'churn', source: `models:/${modelId}`, run_id: runId, model_id: modelId } }),
    ).model_version;
    expect(fromModel).toMatchObject({ name: 'churn', version: '1', status: 'READY', source: `models:/${modelId}`, run_id: runId, model_id: modelId });
    expect((await mlflow.request('POST', `${API}/registered-models/create`, { body: { name: 'churn' } })).body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const fromRun = okBody(
      await mlflow.request('POST', `${API}/model-versions/create`, { body: { name: 'churn', source: `runs:/${runId}/model`, run_id: runId } }),
    ).model_version;
    expect(fromRun).toMatchObject({ name: 'churn', version: '2', status: 'READY', source: `runs:/${runId}/model`, run_id: runId });
    expect(okBody(await mlflow.request('GET', `${API}/model-versions/get`, { query: { name: 'churn', version: '1' } })).model_version).toMatchObject({
      status: 'READY',
    });

    // set_registered_model_alias, then load_model("models:/churn@champion"): alias -> download URI -> S3.
    okBody(await mlflow.request('POST', `${API}/registered-models/alias`, { body: { name: 'churn', alias: 'champion', version: '1' } }));
    const champion = okBody(await mlflow.request('GET', `${API}/registered-models/alias`, { query: { name: 'churn', alias: 'champion' } })).model_version;
    expect(champion).toMatchObject({ version: '1', aliases: ['champion'] });
    const download = okBody(await mlflow.request('GET', `${API}/model-versions/get-download-uri`, { query: { name: 'churn', version: '1' } }));
    expect(download).toEqual({ artifact_uri: artifactUri });
    const runDownload = okBody(await mlflow.request('GET', `${API}/model-versions/get-download-uri`, { query: { name: 'churn', version: '2' } }));
    expect(runDownload).toEqual({ artifact_uri: `${created.info.artifact_uri}/model` });

    // The registry announced each version with its directory pinned by a manifest.
    const registeredEvents = (await mlflow.events()).filter(({ detailType, detail }) => detailType === 'ModelVersionRegistered' && detail.name === 'churn');
    expect(registeredEvents[0].detail).toMatchObject({ sourceRunId: runId, properties: { 'mlflow.source': `models:/${modelId}`, 'mlflow.modelId': modelId } });
    expect(registeredEvents.map(({ source, detail }) => ({ source, version: detail.version, artifact: detail.artifact }))).toEqual([
      {
        source: REGISTRY_EVENT_SOURCE,
        version: 1,
        artifact: expect.objectContaining({
          kind: 'directory',
          uri: artifactUri,
          fileCount: Object.keys(MODEL_FILES).length,
          manifestUri: expect.stringMatching(new RegExp(`^s3://${mlflow.artifactBucketName}/registry-manifests/[0-9a-f]{64}\\.json$`)),
        }),
      },
      {
        source: REGISTRY_EVENT_SOURCE,
        version: 2,
        artifact: expect.objectContaining({ kind: 'directory', uri: `${created.info.artifact_uri}/model`, fileCount: Object.keys(MODEL_FILES).length }),
      },
    ]);
  });
});

describe('concurrent model version creation', () => {
  const CALLERS = 100;
  let contended: MlflowFixture;

  beforeAll(async () => {
    // No event observer: moto spends tens of milliseconds per delivered event, which is not what this checks.
    contended = await createMlflowFixture({ label: 'mlflow-concurrent-versions', observeEvents: false });
  });

  afterAll(async () => {
    await contended?.dispose();
  });

  test(`gives ${CALLERS} concurrent create-model-version calls of one model the versions 1..${CALLERS}, each once`, async () => {
    // Arrange: one logged model with its files, and the registered model.
    const experimentId = (await contended.request('POST', `${API}/experiments/create`, { body: { name: 'contended' } })).body.experiment_id as string;
    const model = (await contended.request('POST', `${API}/logged-models`, { body: { experiment_id: experimentId, name: 'model' } })).body.model as {
      info: { model_id: string; artifact_uri: string };
    };
    const prefix = keyOf(model.info.artifact_uri, contended.artifactBucketName);
    await Promise.all(Object.entries(MODEL_FILES).map(([file, text]) => contended.putObject(`${prefix}/${file}`, text)));
    expect((await contended.request('POST', `${API}/registered-models/create`, { body: { name: 'contended' } })).status).toBe(200);

    // Act
    const answers = await Promise.all(
      Array.from({ length: CALLERS }, () =>
        contended.request('POST', `${API}/model-versions/create`, { body: { name: 'contended', source: `models:/${model.info.model_id}` } }),
      ),
    );

    // Assert
    expect(answers.filter(({ status }) => status !== 200).map(({ body }) => body)).toEqual([]);
    const versions = answers.map(({ body }) => Number((body.model_version as { version: string }).version));
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: CALLERS }, (_, i) => i + 1));
  });
});
