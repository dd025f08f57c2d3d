import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoExperimentStore } from '../../../lambda/experiments/adapters/dynamo-experiment-store';
import { sweepRuns } from '../../../lambda/experiments/core/sweep-runs';
import { createMlflowFixture, type MlflowFixture } from '../../emulators/mlflow-fixture';

/** MLflow's run, metric and logged-model endpoints as MLflow's server answers them (notes/mlflow). */

jest.setTimeout(60_000);

const API = '/api/2.0/mlflow';
const T0 = 1_733_500_000_000;
let mlflow: MlflowFixture;
let experimentId: string;

beforeAll(async () => {
  mlflow = await createMlflowFixture({ label: 'mlflow-contract-runs', observeEvents: false });
  experimentId = (await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 'contract-runs' } })).body.experiment_id as string;
});

afterAll(async () => {
  await mlflow?.dispose();
});

const refusal = (status: number, error_code: string, message: unknown = expect.any(String)) => ({ status, body: { error_code, message } });
const ok = (body: unknown = {}) => ({ status: 200, body });

async function createRun(body: Record<string, unknown> = {}): Promise<string> {
  const { status, body: answer } = await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: experimentId, start_time: T0, ...body } });
  expect(status).toBe(200);
  return (answer.run as { info: { run_id: string } }).info.run_id;
}

const getRun = async (runId: string) =>
  (await mlflow.request('GET', `${API}/runs/get`, { query: { run_id: runId, run_uuid: runId } })).body.run as Record<string, Record<string, unknown>>;

describe('runs', () => {
  test('create answers the run with both run_id and run_uuid, int64 times as numbers, the name in info and tag, inputs {} and outputs {}', async () => {
    // Act
    const { status, body } = await mlflow.request('POST', `${API}/runs/create`, {
      body: {
        experiment_id: experimentId,
        user_id: 'alice',
        start_time: T0,
        run_name: 'first',
        tags: [
          { key: 'mlflow.user', value: 'alice' },
          { key: 'mlflow.source.name', value: 'train.py' },
          { key: 'mlflow.source.type', value: 'LOCAL' },
        ],
      },
    });

    // Assert
    expect(status).toBe(200);
    const run = body.run as { info: { run_id: string } };
    const runId = run.info.run_id;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run).toEqual({
      info: {
        run_id: runId,
        run_uuid: runId,
        run_name: 'first',
        experiment_id: experimentId,
        user_id: 'alice',
        status: 'RUNNING',
        start_time: T0,
        artifact_uri: `s3://${mlflow.artifactBucketName}/mlflow/${experimentId}/${runId}/artifacts`,
        lifecycle_stage: 'active',
      },
      data: {
        tags: expect.arrayContaining([
          { key: 'mlflow.runName', value: 'first' },
          { key: 'mlflow.user', value: 'alice' },
          { key: 'mlflow.source.name', value: 'train.py' },
          { key: 'mlflow.source.type', value: 'LOCAL' },
        ]),
      },
      inputs: {},
      outputs: {},
    });
    expect(await getRun(runId)).toEqual(run);
  });

  test('create without a name generates one, kept in info.run_name and the mlflow.runName tag', async () => {
    const run = await getRun(await createRun());

    expect(run.info.run_name).toEqual(expect.any(String));
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.runName', value: run.info.run_name }]));
  });

  test('fails create when run_name and the mlflow.runName tag differ', async () => {
    expect(
      await mlflow.request('POST', `${API}/runs/create`, {
        body: { experiment_id: experimentId, run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] },
      }),
    ).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining("Both 'run_name' argument and 'mlflow.runName' tag are specified")));
  });

  test('get takes the legacy run_uuid alone', async () => {
    const runId = await createRun();

    const { status, body } = await mlflow.request('GET', `${API}/runs/get`, { query: { run_uuid: runId } });

    expect(status).toBe(200);
    expect(body.run).toMatchObject({ info: { run_id: runId, run_uuid: runId } });
  });

  test('fails get of an unknown run with RESOURCE_DOES_NOT_EXIST (404)', async () => {
    const runId = 'f'.repeat(32);

    expect(await mlflow.request('GET', `${API}/runs/get`, { query: { run_id: runId } })).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`),
    );
  });

  test('log-metric, log-parameter, set-tag and log-batch answer {}; get-run shows the latest metric per key by step, and params and tags', async () => {
    // Arrange
    const runId = await createRun();

    // Act
    const answers = [
      await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, run_uuid: runId, key: 'acc', value: 0.5, timestamp: T0 + 1, step: 1 } }),
      await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, key: 'acc', value: 0.9, timestamp: T0 + 2, step: 3 } }),
      await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, key: 'acc', value: 0.7, timestamp: T0 + 3, step: 2 } }),
      await mlflow.request('POST', `${API}/runs/log-parameter`, { body: { run_id: runId, run_uuid: runId, key: 'lr', value: '0.1' } }),
      await mlflow.request('POST', `${API}/runs/log-parameter`, { body: { run_id: runId, key: 'lr', value: '0.1' } }),
      await mlflow.request('POST', `${API}/runs/set-tag`, { body: { run_id: runId, key: 'team', value: 'ml' } }),
      await mlflow.request('POST', `${API}/runs/log-batch`, {
        body: {
          run_id: runId,
          metrics: [{ key: 'loss', value: 2, timestamp: T0, step: 0 }],
          params: [{ key: 'depth', value: '3' }],
          tags: [{ key: 'stage', value: 'dev' }],
        },
      }),
    ];
    const run = await getRun(runId);

    // Assert
    expect(answers).toEqual(answers.map(() => ok()));
    expect(run.data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'acc', value: 0.9, timestamp: T0 + 2, step: 3 },
        { key: 'loss', value: 2, timestamp: T0, step: 0 },
      ]),
    );
    expect((run.data.metrics as unknown[]).length).toBe(2);
    expect(run.data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.1' },
        { key: 'depth', value: '3' },
      ]),
    );
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'ml' },
        { key: 'stage', value: 'dev' },
      ]),
    );
  });

  test('fails log-parameter with another value for a logged key, with MLflow message', async () => {
    const runId = await createRun();
    await mlflow.request('POST', `${API}/runs/log-parameter`, { body: { run_id: runId, key: 'lr', value: '0.1' } });

    expect(await mlflow.request('POST', `${API}/runs/log-parameter`, { body: { run_id: runId, key: 'lr', value: '0.2' } })).toEqual(
      refusal(
        400,
        'INVALID_PARAMETER_VALUE',
        expect.stringContaining("Changing param values is not allowed. Param with key='lr' was already logged with value='0.1'"),
      ),
    );
  });

  test('fails log-batch and log-metric with a missing or bad field (a key MLflow refuses, a value no number, a negative timestamp), naming the field by its path', async () => {
    const runId = await createRun();

    expect(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics: [{ key: 'a', value: 1 }] } })).toEqual(
      refusal(
        400,
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'metrics[0].timestamp'. See the API docs for more information about request parameters.",
      ),
    );
    expect(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, params: [{ key: 'bad*key', value: '1' }] } })).toEqual(
      refusal(
        400,
        'INVALID_PARAMETER_VALUE',
        expect.stringContaining(`Invalid value "bad*key" for parameter 'params[0].key' supplied: Names may only contain`),
      ),
    );
    expect(await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, key: 'a', value: 'abc', timestamp: T0 } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining(`Invalid value "abc" for parameter 'value' supplied`)),
    );
    expect(await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, key: 'a', value: 1, timestamp: -1 } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', "Invalid value -1 for parameter 'timestamp' supplied: Timestamp must be a nonnegative long (64-bit integer)"),
    );
  });

  test('fails log-batch over MLflow limits (1001 metrics, duplicate param keys)', async () => {
    const runId = await createRun();
    const metrics = Array.from({ length: 1001 }, (_, step) => ({ key: 'm', value: step, timestamp: T0, step }));

    expect(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining('A batch logging request can contain at most 1000 metrics. Got 1001 metrics.')),
    );
    expect(
      await mlflow.request('POST', `${API}/runs/log-batch`, {
        body: {
          run_id: runId,
          params: [
            { key: 'lr', value: '1' },
            { key: 'lr', value: '2' },
          ],
        },
      }),
    ).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining('Duplicate parameter keys have been submitted')));
  });

  test('fails log-batch changing a logged param, over 100 params, or over 1,000,000 bytes, with MLflow messages', async () => {
    const runId = await createRun();
    await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, params: [{ key: 'lr', value: '1' }] } });
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' }));

    expect(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, params: [{ key: 'lr', value: '2' }] } })).toEqual(
      refusal(
        400,
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Params were already logged='[{'key': 'lr', 'old_value': '1', 'new_value': '2'}]' for run ID='${runId}'.`,
      ),
    );
    expect(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, params } })).toEqual(
      refusal(
        400,
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again.',
      ),
    );
    expect(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, tags: [{ key: 't', value: 'x'.repeat(1_000_000) }] } })).toEqual(
      refusal(
        400,
        'INVALID_PARAMETER_VALUE',
        expect.stringMatching(/^Batched logging API requests must be at most 1000000 bytes, got a request of size \d+\.$/),
      ),
    );
  });

  test('refuses a log-batch that would take the run over 500 distinct metrics before writing any of it (its chunks are separate writes)', async () => {
    // Arrange
    const runId = await createRun();
    const metrics = Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: i, timestamp: T0, step: 0 }));
    const before = await mlflow.tableItems();

    // Act
    const refused = await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics } });

    // Assert
    expect(refused).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', `run ${runId} would hold 600 distinct metrics, over the platform's limit of 500 per run`));
    expect(await mlflow.tableItems()).toEqual(before);
  });

  test('refuses a log-batch that would make the run item too large for DynamoDB (long params and 500 long metric names) before writing any of it', async () => {
    // Arrange: params near their 120 KB, then 500 metrics whose names are 250 characters long.
    const runId = await createRun();
    for (let start = 0; start < 19; start += 5) {
      const params = Array.from({ length: Math.min(5, 19 - start) }, (_, i) => ({ key: `p${start + i}`, value: 'v'.repeat(6000) }));
      expect((await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, params } })).status).toBe(200);
    }
    const metrics = Array.from({ length: 500 }, (_, i) => ({ key: `${String(i).padStart(3, '0')}${'m'.repeat(247)}`, value: i, timestamp: T0, step: 0 }));
    const before = await mlflow.tableItems();

    // Act
    const refused = await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics } });

    // Assert
    expect(refused).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining('would make the run larger than')));
    expect(await mlflow.tableItems()).toEqual(before);
  });

  test.each([
    ['a fresh run, two writers of 300 new metrics', 0, 2, 300],
    ['a run of 300 metrics, three writers of 200 new ones', 300, 3, 200],
  ])('racing log-batches on %s: each is written whole or refused with none of it written', async (_, prefilled, writers, size) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      // Arrange
      const runId = await createRun();
      if (prefilled > 0) {
        const first = Array.from({ length: prefilled }, (_, i) => ({ key: `first_${i}`, value: i, timestamp: T0, step: 0 }));
        expect((await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics: first } })).status).toBe(200);
      }
      const batches = Array.from({ length: writers }, (_, writer) =>
        Array.from({ length: size }, (_, i) => ({ key: `w${writer}_${i}`, value: i, timestamp: T0, step: 0 })),
      );

      // Act
      const answers = await Promise.all(batches.map((metrics) => mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics } })));

      // Assert
      const stored = new Set(((await getRun(runId)).data as { metrics?: { key: string }[] }).metrics?.map(({ key }) => key));
      const outcomes = answers.map((answer, writer) => [answer.status, batches[writer].filter(({ key }) => stored.has(key)).length]);
      expect(outcomes).toEqual(answers.map(({ status }) => (status === 200 ? [200, size] : [400, 0])));
    }
  });

  test("takes more than 100 params on a run in batches of 100, as Hugging Face's callback logs its training arguments", async () => {
    // Arrange
    const runId = await createRun();
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `arg_${i}`, value: String(i) }));

    // Act
    const answers = [];
    for (let start = 0; start < params.length; start += 100) {
      answers.push(await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, params: params.slice(start, start + 100) } }));
    }
    const run = await getRun(runId);

    // Assert
    expect(answers).toEqual([ok(), ok(), ok()]);
    expect((run.data as { params: unknown[] }).params).toHaveLength(250);
  });

  test('takes non-finite metric values as protobuf JSON strings (the client sends them so) and answers them the same way', async () => {
    // Arrange
    const runId = await createRun();
    const points = ['NaN', 'Infinity', '-Infinity'].map((value, step) => ({ key: 'loss', value, timestamp: T0 + step, step }));

    // Act
    const logged = [
      await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, ...points[0] } }),
      await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics: points.slice(1) } }),
    ];
    const history = await mlflow.request('GET', `${API}/metrics/get-history`, { query: { run_id: runId, metric_key: 'loss' } });
    const run = await getRun(runId);

    // Assert
    expect(logged).toEqual([ok(), ok()]);
    expect(history).toEqual(ok({ metrics: points }));
    expect(run.data.metrics).toEqual([points[2]]);
  });

  test('delete-tag answers {}; deleting a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
    const runId = await createRun();
    await mlflow.request('POST', `${API}/runs/set-tag`, { body: { run_id: runId, key: 'gone', value: 'x' } });

    expect(await mlflow.request('POST', `${API}/runs/delete-tag`, { body: { run_id: runId, key: 'gone' } })).toEqual(ok());
    expect(await mlflow.request('POST', `${API}/runs/delete-tag`, { body: { run_id: runId, key: 'gone' } })).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', `No tag with name: gone in run with id ${runId}`),
    );
  });

  test('update answers run_info with the new status, end time and name; a FINISHED run still takes writes and RUNNING again', async () => {
    // Arrange
    const runId = await createRun({ run_name: 'before' });

    // Act
    const finished = await mlflow.request('POST', `${API}/runs/update`, {
      body: { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: T0 + 60_000, run_name: 'after' },
    });
    const written = await mlflow.request('POST', `${API}/runs/set-tag`, { body: { run_id: runId, key: 'late', value: 'yes' } });
    const resumed = await mlflow.request('POST', `${API}/runs/update`, { body: { run_id: runId, status: 'RUNNING', end_time: T0 + 60_000 } });
    const run = await getRun(runId);

    // Assert
    expect(finished).toEqual(
      ok({
        run_info: expect.objectContaining({
          run_id: runId,
          run_uuid: runId,
          status: 'FINISHED',
          end_time: T0 + 60_000,
          run_name: 'after',
          lifecycle_stage: 'active',
        }),
      }),
    );
    expect(written).toEqual(ok());
    expect(resumed.body.run_info).toMatchObject({ status: 'RUNNING' });
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.runName', value: 'after' }]));
  });

  test('delete and restore answer {}; a deleted run refuses writes with INVALID_PARAMETER_VALUE', async () => {
    // Arrange
    const runId = await createRun();

    // Act
    const deleted = await mlflow.request('POST', `${API}/runs/delete`, { body: { run_id: runId } });
    const whileDeleted = await getRun(runId);
    const write = await mlflow.request('POST', `${API}/runs/set-tag`, { body: { run_id: runId, key: 'x', value: 'y' } });
    const restored = await mlflow.request('POST', `${API}/runs/restore`, { body: { run_id: runId } });

    // Assert
    expect(deleted).toEqual(ok());
    expect(whileDeleted.info.lifecycle_stage).toBe('deleted');
    expect(write).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', `The run ${runId} must be in the 'active' state. Current state is deleted.`));
    expect(restored).toEqual(ok());
    expect((await getRun(runId)).info.lifecycle_stage).toBe('active');
  });

  test('log-inputs answers {}; get-run shows dataset_inputs and model_inputs', async () => {
    // Arrange
    const runId = await createRun();
    const dataset = { name: 'iris', digest: 'abc123', source_type: 'local', source: '{"uri": "/data/iris.csv"}', schema: '{"mlflow_colspec": []}' };

    // Act
    const answer = await mlflow.request('POST', `${API}/runs/log-inputs`, {
      body: { run_id: runId, datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }], models: [{ model_id: 'm-0123' }] },
    });
    const run = await getRun(runId);

    // Assert
    expect(answer).toEqual(ok());
    expect(run.inputs).toEqual({
      dataset_inputs: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
      model_inputs: [{ model_id: 'm-0123' }],
    });
  });

  test('get-history answers every point of a metric, paged with next_page_token', async () => {
    // Arrange
    const runId = await createRun();
    const metrics = Array.from({ length: 5 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: T0 + step, step }));
    await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics } });

    // Act
    const all = await mlflow.request('GET', `${API}/metrics/get-history`, {
      query: { run_id: runId, run_uuid: runId, metric_key: 'loss', max_results: '25000' },
    });
    const first = await mlflow.request('GET', `${API}/metrics/get-history`, { query: { run_id: runId, metric_key: 'loss', max_results: '3' } });
    const rest = await mlflow.request('GET', `${API}/metrics/get-history`, {
      query: { run_id: runId, metric_key: 'loss', max_results: '3', page_token: first.body.next_page_token as string },
    });
    const none = await mlflow.request('GET', `${API}/metrics/get-history`, { query: { run_id: runId, metric_key: 'nothing' } });

    // Assert
    expect(all).toEqual(ok({ metrics }));
    expect(first.body).toEqual({ metrics: metrics.slice(0, 3), next_page_token: expect.any(String) });
    expect(rest.body).toEqual({ metrics: metrics.slice(3) });
    expect(none).toEqual(ok());
  });

  test('a point logged twice, in one log-batch or in two requests, is in the history once', async () => {
    // Arrange
    const runId = await createRun();
    const point = { key: 'twice', value: 1, timestamp: T0, step: 0 };

    // Act
    await mlflow.request('POST', `${API}/runs/log-batch`, { body: { run_id: runId, metrics: [point, point] } });
    await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, ...point } });
    const history = await mlflow.request('GET', `${API}/metrics/get-history`, { query: { run_id: runId, metric_key: 'twice' } });

    // Assert
    expect(history).toEqual(ok({ metrics: [point] }));
  });

  test('get-history-bulk-interval answers each run at the same evenly spread steps of the range, first and last kept, as MetricWithRunId', async () => {
    // Arrange
    const [first, second] = [await createRun(), await createRun()];
    const points = (runId: string, steps: number[]) =>
      mlflow.request('POST', `${API}/runs/log-batch`, {
        body: { run_id: runId, metrics: steps.map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: T0 + step, step })) },
      });
    await points(
      first,
      Array.from({ length: 11 }, (_, step) => step),
    );
    await points(second, [0, 5, 10, 20]);

    // Act
    const sampled = await mlflow.request('GET', `${API}/metrics/get-history-bulk-interval`, {
      query: { run_ids: [first, second], metric_key: 'loss', start_step: '0', end_step: '10', max_results: '3' },
    });
    const bothOrNeither = await mlflow.request('GET', `${API}/metrics/get-history-bulk-interval`, {
      query: { run_ids: [first], metric_key: 'loss', start_step: '0' },
    });
    const tooMany = await mlflow.request('GET', `${API}/metrics/get-history-bulk-interval`, {
      query: { run_ids: [first], metric_key: 'loss', max_results: '2501' },
    });

    // Assert: the steps of the range are 0..10; three of them, spread, are 0, 5 and 10.
    const at = (runId: string, step: number) => ({ key: 'loss', value: 1 / (step + 1), timestamp: T0 + step, step, run_id: runId });
    expect(sampled).toEqual(ok({ metrics: [at(first, 0), at(first, 5), at(first, 10), at(second, 0), at(second, 5), at(second, 10)] }));
    expect(bothOrNeither).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', 'If either start step or end step are specified, both must be specified.'));
    expect(tooMany).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringMatching(/^max_results must be between 1 and 2500/)));
  });

  test('a run the sweep declared crashed is FAILED to MLflow, its mlops.crashed tag saying why, and running again once it logs', async () => {
    // Arrange: a run silent for longer than the sweep waits for MLflow's runs (24 hours).
    const runId = await createRun();
    const store = new DynamoExperimentStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), mlflow.experimentsTableName);
    const later = { now: () => new Date(Date.now() + 25 * 3_600_000), sleep: async () => undefined };
    const swept = await sweepRuns({ store, clock: later, crashAfterMs: 600_000, mlflowCrashAfterMs: 86_400_000 })();

    // Act
    const crashed = await getRun(runId);
    const failedOnes = await mlflow.request('POST', `${API}/runs/search`, { body: { experiment_ids: [experimentId], filter: "attributes.status = 'FAILED'" } });
    await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, key: 'loss', value: 0.5, timestamp: Date.now(), step: 1 } });
    const revived = await getRun(runId);

    // Assert
    expect(swept.crashed).toContain(runId);
    expect(crashed.info).toMatchObject({ status: 'FAILED' });
    expect(crashed.data.tags).toContainEqual({ key: 'mlops.crashed', value: expect.stringMatching(/^no logging since .* for runs started through MLflow\)$/) });
    expect((failedOnes.body.runs as { info: { run_id: string } }[]).map(({ info }) => info.run_id)).toContain(runId);
    expect(revived.info).toMatchObject({ status: 'RUNNING' });
    expect(revived.info).not.toHaveProperty('end_time');
    expect((revived.data.tags as { key: string }[]).map(({ key }) => key)).not.toContain('mlops.crashed');
  });

  test('search pages with next_page_token and answers {} when nothing matches', async () => {
    // Arrange
    const name = 'contract-search-runs';
    const id = (await mlflow.request('POST', `${API}/experiments/create`, { body: { name } })).body.experiment_id as string;
    const runIds: string[] = [];
    for (const acc of [0.1, 0.2, 0.3]) {
      const { body } = await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: id, start_time: T0 } });
      const runId = (body.run as { info: { run_id: string } }).info.run_id;
      await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, key: 'acc', value: acc, timestamp: T0 } });
      runIds.push(runId);
    }
    const search = (extra: Record<string, unknown>) =>
      mlflow.request('POST', `${API}/runs/search`, { body: { experiment_ids: [id], run_view_type: 'ACTIVE_ONLY', order_by: ['metrics.acc DESC'], ...extra } });

    // Act
    const first = await search({ max_results: 2 });
    const second = await search({ max_results: 2, page_token: first.body.next_page_token });
    const none = await search({ filter: 'metrics.acc > 5' });

    // Assert
    const ids = (page: Record<string, unknown>) => ((page.runs ?? []) as { info: { run_id: string } }[]).map(({ info }) => info.run_id);
    expect(ids(first.body)).toEqual([runIds[2], runIds[1]]);
    expect(first.body.next_page_token).toEqual(expect.any(String));
    expect(ids(second.body)).toEqual([runIds[0]]);
    expect(none).toEqual(ok());
  });

  test('search finds runs written before the search index existed (a platform upgraded to it), indexed at the first search of their experiment', async () => {
    // Arrange: runs and an experiment as an earlier platform left them, without the index's attributes.
    const id = (await mlflow.request('POST', `${API}/experiments/create`, { body: { name: 'contract-search-earlier' } })).body.experiment_id as string;
    const runIds: string[] = [];
    for (const acc of [0.4, 0.9]) {
      const { body } = await mlflow.request('POST', `${API}/runs/create`, { body: { experiment_id: id, start_time: T0 } });
      const runId = (body.run as { info: { run_id: string } }).info.run_id;
      await mlflow.request('POST', `${API}/runs/log-metric`, { body: { run_id: runId, key: 'acc', value: acc, timestamp: T0 } });
      runIds.push(runId);
    }
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const unindex = (pk: unknown, sk: unknown, attributes: string) =>
      db.send(new UpdateCommand({ TableName: mlflow.experimentsTableName, Key: { pk, sk }, UpdateExpression: `REMOVE ${attributes}` }));
    const items = (await mlflow.tableItems()).experiments;
    for (const item of items.filter((each) => runIds.some((runId) => String(each.pk).endsWith(runId)) && each.gsi3pk !== undefined)) {
      await unindex(item.pk, item.sk, 'gsi3pk, gsi3sk, searchParams, searchTags, searchMetrics');
    }
    const experimentItem = items.find((each) => each.pk === 'E#contract-search-earlier' && each.sk === '#EXPERIMENT')!;
    await unindex(experimentItem.pk, experimentItem.sk, 'searchIndexed');

    // Act
    const search = () => mlflow.request('POST', `${API}/runs/search`, { body: { experiment_ids: [id], filter: 'metrics.acc > 0.5' } });
    const first = await search();
    const again = await search();

    // Assert
    const ids = (page: Record<string, unknown>) => ((page.runs ?? []) as { info: { run_id: string } }[]).map(({ info }) => info.run_id);
    expect(ids(first.body)).toEqual([runIds[1]]);
    expect(ids(again.body)).toEqual([runIds[1]]);
    const after = (await mlflow.tableItems()).experiments;
    expect(after.find((each) => each.pk === 'E#contract-search-earlier' && each.sk === '#EXPERIMENT')?.searchIndexed).toBe(true);
    expect(after.filter((each) => runIds.some((runId) => String(each.pk).endsWith(runId)) && each.gsi3pk !== undefined)).toHaveLength(2);
    db.destroy();
  });

  test('fails search with a bad filter with INVALID_PARAMETER_VALUE', async () => {
    expect(await mlflow.request('POST', `${API}/runs/search`, { body: { experiment_ids: [experimentId], filter: 'metrics.acc >' } })).toEqual(
      refusal(400, 'INVALID_PARAMETER_VALUE'),
    );
  });
});

describe('logged models', () => {
  async function createModel(body: Record<string, unknown> = {}) {
    const answer = await mlflow.request('POST', `${API}/logged-models`, { body: { experiment_id: experimentId, name: 'model', ...body } });
    expect(answer.status).toBe(200);
    return answer.body.model as { info: Record<string, unknown>; data: Record<string, unknown> };
  }

  test('create answers a PENDING model with its artifact_uri under mlflow/, params and tags; get by path parameter answers the same', async () => {
    // Arrange
    const runId = await createRun();

    // Act
    const model = await createModel({
      source_run_id: runId,
      model_type: 'pyfunc',
      params: [{ key: 'lr', value: '0.1' }],
      tags: [{ key: 'mlflow.user', value: 'alice' }],
    });
    const modelId = model.info.model_id as string;
    const got = await mlflow.request('GET', `${API}/logged-models/${modelId}`);

    // Assert
    expect(modelId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model).toEqual({
      info: {
        model_id: modelId,
        experiment_id: experimentId,
        name: 'model',
        creation_timestamp_ms: expect.any(Number),
        last_updated_timestamp_ms: expect.any(Number),
        artifact_uri: `s3://${mlflow.artifactBucketName}/mlflow/${experimentId}/models/${modelId}/artifacts`,
        status: 'LOGGED_MODEL_PENDING',
        model_type: 'pyfunc',
        source_run_id: runId,
        tags: [{ key: 'mlflow.user', value: 'alice' }],
      },
      data: { params: [{ key: 'lr', value: '0.1' }] },
    });
    expect(got).toEqual(ok({ model }));
  });

  test('finalize (PATCH) sets READY; tags (PATCH) and params (POST) answer {}; a tag is deleted by its path key', async () => {
    // Arrange
    const modelId = (await createModel()).info.model_id as string;
    const path = `${API}/logged-models/${modelId}`;

    // Act
    const finalized = await mlflow.request('PATCH', path, { body: { model_id: modelId, status: 'LOGGED_MODEL_READY' } });
    const tagged = await mlflow.request('PATCH', `${path}/tags`, {
      body: {
        tags: [
          { key: 'a/b', value: '1' },
          { key: 'c', value: '2' },
        ],
      },
    });
    const params = await mlflow.request('POST', `${path}/params`, { body: { model_id: modelId, params: [{ key: 'depth', value: '3' }] } });
    const untagged = await mlflow.request('DELETE', `${path}/tags/${encodeURIComponent('a/b')}`);
    const missingTag = await mlflow.request('DELETE', `${path}/tags/nothing`);
    const got = await mlflow.request('GET', path);

    // Assert
    expect(finalized.body.model).toMatchObject({ info: { model_id: modelId, status: 'LOGGED_MODEL_READY' } });
    expect([tagged, params, untagged]).toEqual([ok(), ok(), ok()]);
    expect(missingTag).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST', `No tag with key 'nothing' found for model with ID '${modelId}'.`));
    const model = got.body.model as { info: Record<string, unknown>; data: Record<string, unknown> };
    expect(model.info.tags).toEqual([{ key: 'c', value: '2' }]);
    expect(model.data.params).toEqual([{ key: 'depth', value: '3' }]);
  });

  test('delete (DELETE with a JSON body) answers {}; get then answers RESOURCE_DOES_NOT_EXIST', async () => {
    const modelId = (await createModel()).info.model_id as string;

    expect(await mlflow.request('DELETE', `${API}/logged-models/${modelId}`, { body: { model_id: modelId } })).toEqual(ok());
    expect(await mlflow.request('GET', `${API}/logged-models/${modelId}`)).toEqual(
      refusal(404, 'RESOURCE_DOES_NOT_EXIST', `Logged model with ID '${modelId}' not found.`),
    );
  });

  test('search (POST /logged-models/search, not the model "search") finds the experiment models by filter, paged', async () => {
    // Arrange
    const runId = await createRun();
    const ids = [(await createModel({ source_run_id: runId })).info.model_id, (await createModel({ source_run_id: runId })).info.model_id];

    // Act
    const first = await mlflow.request('POST', `${API}/logged-models/search`, {
      body: { experiment_ids: [experimentId], filter: `source_run_id = '${runId}'`, max_results: 1 },
    });
    const second = await mlflow.request('POST', `${API}/logged-models/search`, {
      body: { experiment_ids: [experimentId], filter: `source_run_id = '${runId}'`, max_results: 1, page_token: first.body.next_page_token },
    });

    // Assert
    const found = [...(first.body.models as { info: { model_id: string } }[]), ...(second.body.models as { info: { model_id: string } }[])];
    expect(found.map(({ info }) => info.model_id).sort()).toEqual([...ids].sort());
    expect(first.body.next_page_token).toEqual(expect.any(String));
    expect(second.body).not.toHaveProperty('next_page_token');
  });

  test('get with allow_deleted=true answers a deleted model; allow_deleted that is no bool is refused', async () => {
    const modelId = (await createModel()).info.model_id as string;
    await mlflow.request('DELETE', `${API}/logged-models/${modelId}`, { body: { model_id: modelId } });

    const allowed = await mlflow.request('GET', `${API}/logged-models/${modelId}`, { query: { allow_deleted: 'True' } });
    const bad = await mlflow.request('GET', `${API}/logged-models/${modelId}`, { query: { allow_deleted: 'yes' } });

    expect(allowed.status).toBe(200);
    expect(allowed.body.model).toMatchObject({ info: { model_id: modelId } });
    expect(bad).toEqual(refusal(400, 'INVALID_PARAMETER_VALUE', expect.stringContaining("'allow_deleted'")));
  });

  test('a metric logged with a model_id shows in the model data with its run and dataset, and in the run as key, value, timestamp, step only', async () => {
    // Arrange
    const runId = await createRun();
    const modelId = (await createModel({ source_run_id: runId })).info.model_id as string;

    // Act
    await mlflow.request('POST', `${API}/runs/log-metric`, {
      body: { run_id: runId, key: 'acc', value: 0.9, timestamp: T0, step: 2, model_id: modelId, dataset_name: 'eval', dataset_digest: 'abc' },
    });
    const model = (await mlflow.request('GET', `${API}/logged-models/${modelId}`)).body.model as { data: unknown };
    const run = await getRun(runId);

    // Assert
    expect(model.data).toEqual({
      metrics: [{ key: 'acc', value: 0.9, timestamp: T0, step: 2, model_id: modelId, run_id: runId, dataset_name: 'eval', dataset_digest: 'abc' }],
    });
    expect(run.data.metrics).toEqual([{ key: 'acc', value: 0.9, timestamp: T0, step: 2 }]);
  });

  test('fails get of an unknown logged model with RESOURCE_DOES_NOT_EXIST (404)', async () => {
    expect(await mlflow.request('GET', `${API}/logged-models/m-${'0'.repeat(32)}`)).toEqual(refusal(404, 'RESOURCE_DOES_NOT_EXIST'));
  });

  test('runs/outputs answers {} and get-run shows outputs.model_outputs', async () => {
    const runId = await createRun();
    const modelId = (await createModel({ source_run_id: runId })).info.model_id as string;

    expect(await mlflow.request('POST', `${API}/runs/outputs`, { body: { run_id: runId, models: [{ model_id: modelId, step: 0 }] } })).toEqual(ok());
    expect((await getRun(runId)).outputs).toEqual({ model_outputs: [{ model_id: modelId, step: 0 }] });
  });
});
