import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runCli } from '../../cli/run';
import { localAwsClients } from '../../client/shared/local-connection';
import { type LocalPlatform, startLocalPlatform } from '../../local/platform';
import { BufferTerminal } from '../cli/harness';
import { TEST_SYNTH_CACHE } from '../support/synth-cache-directory';

// A platform of its own: DynamoDB Local and moto, the synthesis from the tests' shared cache.
jest.setTimeout(600_000);

const API = '/api/2.0/mlflow';

let platform: LocalPlatform;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'mlops-local-mlflow-'));
  platform = await startLocalPlatform({
    dataDirectory: path.join(workDir, '.local'),
    inMemory: true,
    synthCacheDirectory: TEST_SYNTH_CACHE,
    userDescriptorFile: false,
    mlflowPort: 0,
  });
});

afterAll(async () => {
  await platform?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, any>;
}

/** One request to the MLflow endpoint, as MLflow's client (Python requests) sends it. */
async function mlflow(method: string, route: string, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
  const response = await fetch(`${platform.descriptor.endpoints.mlflow}${API}${route}${query}`, {
    method,
    ...(options.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(options.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A raw request with headers fetch would not let a test set (Host). */
function raw(headers: Record<string, string>, body?: string): Promise<Answer> {
  const { port } = new URL(platform.descriptor.endpoints.mlflow!);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method: body === undefined ? 'GET' : 'POST', path: `${API}/experiments/get?experiment_id=0`, headers },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new BufferTerminal();
  const stderr = new BufferTerminal();
  const code = await runCli(['--local', ...argv], {
    stdout,
    stderr,
    env: { MLOPS_LOCAL: platform.descriptorFile! },
    awsClients: () => {
      throw new Error('--local must not use the default AWS clients');
    },
    defaultActor: () => 'tester@local',
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe("the local platform's MLflow endpoint", () => {
  test('takes a training flow as MLflow sends it; the run and version are the platform own (mlops run show, model show, an image without --entry)', async () => {
    const s3 = localAwsClients(platform.descriptor).s3;

    // mlflow.set_experiment("churn"): get-by-name, not found, create.
    expect(await mlflow('GET', '/experiments/get-by-name', { query: { experiment_name: 'churn' } })).toMatchObject({
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
    });
    const { experiment_id: experimentId } = (await mlflow('POST', '/experiments/create', { body: { name: 'churn' } })).body;

    // mlflow.start_run(), log_param, log_metrics over 100 steps, set_tag, end_run.
    const created = await mlflow('POST', '/runs/create', {
      body: {
        experiment_id: experimentId,
        user_id: 'alice',
        start_time: Date.now(),
        tags: [
          { key: 'mlflow.user', value: 'alice' },
          { key: 'mlflow.source.name', value: 'train.py' },
        ],
        run_name: 'baseline',
      },
    });
    const runId = created.body.run.info.run_id as string;
    expect(created.body.run.info.artifact_uri).toBe(`s3://${platform.descriptor.artifactBucket}/mlflow/${experimentId}/${runId}/artifacts`);
    expect((await mlflow('POST', '/runs/log-parameter', { body: { run_id: runId, run_uuid: runId, key: 'lr', value: '0.01' } })).status).toBe(200);
    const at = Date.now();
    const metrics = Array.from({ length: 1000 }, (_, index) => ({
      key: `m${index % 10}`,
      value: index % 10 === 0 ? 1 / (index + 1) : index,
      timestamp: at + index,
      step: Math.floor(index / 10),
    }));
    expect((await mlflow('POST', '/runs/log-batch', { body: { run_id: runId, metrics, params: [], tags: [] } })).status).toBe(200);
    expect((await mlflow('POST', '/runs/set-tag', { body: { run_id: runId, run_uuid: runId, key: 'team', value: 'risk' } })).status).toBe(200);

    // mlflow.pyfunc.log_model(name="model"): a logged model, the run's output, its files in S3, finalized.
    const model = (await mlflow('POST', '/logged-models', { body: { experiment_id: experimentId, name: 'model', source_run_id: runId } })).body.model;
    await mlflow('POST', '/runs/outputs', { body: { run_id: runId, models: [{ model_id: model.info.model_id, step: 0 }] } });
    const modelPrefix = (model.info.artifact_uri as string).slice(`s3://${platform.descriptor.artifactBucket}/`.length);
    for (const [file, body] of [
      ['MLmodel', 'flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n'],
      ['python_model.pkl', 'pickled'],
      ['requirements.txt', 'mlflow==3.1.0\nscikit-learn==1.5.2\n'],
    ]) {
      await s3.send(new PutObjectCommand({ Bucket: platform.descriptor.artifactBucket, Key: `${modelPrefix}/${file}`, Body: body }));
    }
    expect(
      (await mlflow('PATCH', `/logged-models/${model.info.model_id}`, { body: { model_id: model.info.model_id, status: 'LOGGED_MODEL_READY' } })).body.model
        .info.status,
    ).toBe('LOGGED_MODEL_READY');
    expect((await mlflow('POST', '/runs/update', { body: { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: Date.now() } })).status).toBe(200);

    // mlflow.search_runs with OR and parentheses, ordered by a metric.
    const found = await mlflow('POST', '/runs/search', {
      body: { experiment_ids: [experimentId], filter: "params.lr = '0.01' and (tags.team = 'risk' or tags.team = 'fraud')", order_by: ['metrics.m1 DESC'] },
    });
    expect(found.body.runs.map((run: { info: { run_id: string; status: string } }) => run.info)).toEqual([
      expect.objectContaining({ run_id: runId, status: 'FINISHED' }),
    ]);

    // mlflow.register_model("models:/<model id>", "churn"), then an alias.
    await mlflow('POST', '/registered-models/create', { body: { name: 'churn' } });
    const version = (
      await mlflow('POST', '/model-versions/create', { body: { name: 'churn', source: `models:/${model.info.model_id}`, model_id: model.info.model_id } })
    ).body.model_version;
    expect(version).toMatchObject({ name: 'churn', version: '1', status: 'READY', run_id: runId, model_id: model.info.model_id });
    expect((await mlflow('POST', '/registered-models/alias', { body: { name: 'churn', alias: 'champion', version: '1' } })).status).toBe(200);
    expect((await mlflow('GET', '/model-versions/get-download-uri', { query: { name: 'churn', version: '1' } })).body).toEqual({
      artifact_uri: model.info.artifact_uri,
    });

    // The same run and version, read by the platform's own CLI.
    const run = await cli(['run', 'show', runId]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/baseline \(run 1 of experiment churn\)/);
    expect(run.stdout).toMatch(/status\s+COMPLETED/);
    expect(run.stdout).toMatch(/lr\s+0\.01/);
    expect(run.stdout).toMatch(/m9\s+999/);
    const shown = await cli(['model', 'show', 'churn']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/champion/);

    // An image of that version without a scoring script: the platform's MLflow entry, its (simulated) build READY.
    const image = await cli(['image', 'register', 'churn-api', '--model', 'churn@champion', '--wait']);
    expect(image.stderr).not.toMatch(/error/i);
    expect(image.code).toBe(0);
    expect(image.stdout).toMatch(/READY/);
  });

  test('is guarded like the other local listeners: a foreign Host or Origin is refused, and a body that is not JSON', async () => {
    const { port } = new URL(platform.descriptor.endpoints.mlflow!);
    expect(await raw({ host: `attacker.example:${port}` })).toMatchObject({ status: 403, body: { error_code: 'PERMISSION_DENIED' } });
    expect(await raw({ host: `127.0.0.1:${port}`, origin: 'http://attacker.example' })).toMatchObject({
      status: 403,
      body: { error_code: 'PERMISSION_DENIED' },
    });
    expect(await raw({ host: `127.0.0.1:${port}`, 'content-type': 'text/plain' }, '{"name":"x"}')).toMatchObject({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE' },
    });
    expect(await raw({ host: `localhost:${port}` })).toMatchObject({ status: 200, body: { experiment: { experiment_id: '0', name: 'Default' } } });
  });
});
