/**
 * Scenarios that together drive every code path of the MlflowApi handler that sends an SDK call (run
 * by the handler tests and by the IAM coverage test, test/lib/iam-coverage.test.ts, which compares what
 * they send with the role `MlflowApi` is granted in lib/mlflow/mlflow-api.ts). Each is one HTTP request
 * as API Gateway (HTTP API, payload 2.0) hands it to the function, from items laid out as the platform's
 * own writers leave them.
 */
import { SEARCH_SHARDS, searchFields, searchIndexKeys } from '../../../../lambda/experiments/adapters/run-search-index';
import { keys as trackingKeys } from '../../../../lambda/experiments/adapters/table-keys';
import { experimentIdOf } from '../../../../lambda/mlflow/core/experiment-ids';
import type { LoggedModelStatus } from '../../../../lambda/mlflow/core/model';
import { MLFLOW_API_PREFIX } from '../../../../lambda/mlflow/core/routes';
import { type ApiGatewayRequestOptions, apiGatewayEvent } from '../../../support/api-gateway-event';
import { EXPERIMENT, RUN_ID, items as runItems, summary } from '../../experiments/handlers/handler-scenarios';
import type { HandlerScenario, HandlerScenarios } from '../../handler-support/scenarios';
import { FUNCTION_ENVIRONMENT, type MlflowFunction, type PlatformFakes } from '../../handler-support/sdk-mocks';
import { ARTIFACT_BODY, artifactInS3, MODEL, items as registryItems } from '../../registry/handlers/handler-scenarios';

export const ARTIFACT_BUCKET = FUNCTION_ENVIRONMENT.ARTIFACT_BUCKET_NAME;
/** The MLflow id of the experiment the tracking scenarios use. */
export const EXPERIMENT_ID = experimentIdOf(EXPERIMENT);
/** A logged model of that experiment (MLflow 3's ids: `m-` and 32 hex digits). */
export const LOGGED_MODEL_ID = `m-${'0a1b2c3d'.repeat(4)}`;

/** An MLflow request as API Gateway delivers it to the function, `path` under `/api/2.0/mlflow`. */
export const mlflowRequest = (method: string, path: string, options?: ApiGatewayRequestOptions) =>
  apiGatewayEvent(method, `${MLFLOW_API_PREFIX}${path}`, options);

/** The experiment as MLflow's create-experiment leaves it (or `mlops run start`, once MLflow saw it): its item, saying its id is recorded, and the id's lookup item. */
function experiment({ experiments }: PlatformFakes): void {
  experiments.put({ ...runItems.experiment(EXPERIMENT, 1), experimentId: EXPERIMENT_ID }, { ...trackingKeys.experimentId(EXPERIMENT_ID), name: EXPERIMENT });
}

/** A running run of the experiment (started by either client), in the run search index as its writers put it, with a metric's history. */
function runningRun(fakes: PlatformFakes): void {
  experiment(fakes);
  const run = runItems.run({ params: { lr: '0.1' }, tags: { team: 'risk' }, metrics: { loss: summary(0.4, 2) } });
  fakes.experiments.put(
    { ...run, ...searchIndexKeys(EXPERIMENT, RUN_ID, run.startTime), ...searchFields(run) },
    runItems.history(RUN_ID, 'loss', 1, [
      { step: 0, value: 0.5 },
      { step: 1, value: 0.4 },
    ]),
  );
}

/** A logged model of the experiment, as MLflow's `log_model` creates it (`PENDING`) and finalizes it once its files are uploaded. */
function loggedModel(fakes: PlatformFakes, status: LoggedModelStatus = 'READY'): void {
  runningRun(fakes);
  fakes.experiments.put({
    ...trackingKeys.loggedModel(LOGGED_MODEL_ID),
    ...trackingKeys.loggedModelIndex(EXPERIMENT, '2025-05-20T09:00:00.000Z', LOGGED_MODEL_ID),
    modelId: LOGGED_MODEL_ID,
    experiment: EXPERIMENT,
    name: 'model',
    status,
    lifecycleStage: 'active',
    sourceRunId: RUN_ID,
    createdAt: '2025-05-20T09:00:00.000Z',
    updatedAt: '2025-05-20T09:00:00.000Z',
    params: {},
    tags: {},
    metrics: [],
  });
}

/**
 * A model directory's files in the artifact bucket, versioned: MLmodel uploaded with S3's SHA-256 checksum,
 * model.pkl without one (the registry reads it back to digest it).
 */
function modelFiles({ s3 }: PlatformFakes, prefix: string): void {
  for (const file of ['MLmodel', 'model.pkl']) s3.put(ARTIFACT_BUCKET, `${prefix}/${file}`, ARTIFACT_BODY, 's3-version-7');
  artifactInS3({}, `${prefix}/MLmodel`);
  artifactInS3({ ChecksumSHA256: undefined, ChecksumType: undefined }, `${prefix}/model.pkl`);
}

const RUN_ARTIFACTS = `mlflow/${EXPERIMENT_ID}/${RUN_ID}/artifacts`;
const MODEL_ARTIFACTS = `mlflow/${EXPERIMENT_ID}/models/${LOGGED_MODEL_ID}/artifacts`;
/** Model directories uploaded with the registry's own grant (`ModelRegistry.grantRegister`), with and without a model name. */
/** A model directory an MLflow client uploaded itself, outside any run or logged model. */
const UPLOADED_DIRECTORY = 'mlflow/uploads/5f1e7c1a/model';

/**
 * A version from a directory, as RegisterModel registers one: the directory is listed (while the source
 * run, if any, is read), each file described (one read back for its digest), the manifest written; then a
 * number is taken, the version committed, the model's latest version raised and the event sent (and the
 * source run linked to the version); the version is read back to answer.
 */
const directoryRegistration = ({ sourceRun }: { sourceRun: boolean }) => [
  'ListObjectsV2Command',
  ...(sourceRun ? ['GetCommand'] : []),
  'HeadObjectCommand',
  'HeadObjectCommand',
  'GetObjectCommand',
  'PutObjectCommand',
  'UpdateCommand',
  'TransactWriteCommand',
  'UpdateCommand',
  'PutEventsCommand',
  ...(sourceRun ? ['UpdateCommand'] : []),
  'GetCommand',
];

const now = Date.now();

export const mlflowApiScenarios: readonly HandlerScenario[] = [
  {
    name: 'create-experiment',
    event: mlflowRequest('POST', '/experiments/create', { body: { name: EXPERIMENT, tags: [{ key: 'team', value: 'risk' }] } }),
    // The experiment and its id's lookup item, together.
    sends: ['TransactWriteCommand'],
  },
  {
    name: 'get-experiment',
    arrange: experiment,
    event: mlflowRequest('GET', '/experiments/get', { query: { experiment_id: EXPERIMENT_ID } }),
    // The id's lookup item, then the experiment.
    sends: ['GetCommand', 'GetCommand'],
  },
  {
    name: 'get-experiment of one created by mlops run start, its id recorded on first sight',
    arrange: ({ experiments }) => experiments.put(runItems.experiment(EXPERIMENT, 1)),
    event: mlflowRequest('GET', '/experiments/get-by-name', { query: { experiment_name: EXPERIMENT } }),
    // The experiment, then its id's lookup item and the mark that it is recorded, together (once: it says so after).
    sends: ['GetCommand', 'TransactWriteCommand'],
  },
  {
    name: 'search-experiments',
    arrange: ({ experiments }) => experiments.put(runItems.experiment(EXPERIMENT, 1)),
    event: mlflowRequest('POST', '/experiments/search', { body: { max_results: 10, filter: "name LIKE 'churn%'" } }),
    // The listing index; the default experiment, made as nothing referred to it yet (read, created, read back);
    // and the ids of experiments MLflow sees for the first time (none again after).
    sends: ['QueryCommand', 'GetCommand', 'TransactWriteCommand', 'GetCommand', 'TransactWriteCommand'],
  },
  {
    name: 'create-run',
    arrange: experiment,
    event: mlflowRequest('POST', '/runs/create', {
      body: { experiment_id: EXPERIMENT_ID, start_time: now, run_name: 'baseline', tags: [{ key: 'mlflow.user', value: 'alice' }] },
    }),
    // The experiment by id; its run counter, answering the experiment; the run.
    sends: ['GetCommand', 'UpdateCommand', 'PutCommand'],
  },
  {
    name: 'log-batch of metrics, params and tags',
    arrange: runningRun,
    event: mlflowRequest('POST', '/runs/log-batch', {
      body: {
        run_id: RUN_ID,
        metrics: [
          { key: 'loss', value: 0.5, timestamp: now, step: 1 },
          { key: 'auc', value: 0.8, timestamp: now, step: 1 },
        ],
        params: [{ key: 'epochs', value: '20' }],
        tags: [{ key: 'phase', value: 'train' }],
      },
    }),
    // The run, then the run, the batch's history and its receipt in one transaction (a receipt already there cancels it),
    // then the points to CloudWatch, as LogMetrics sends them (the experiments dashboard shows MLflow's runs too).
    sends: ['GetCommand', 'TransactWriteCommand', 'PutMetricDataCommand'],
  },
  {
    name: 'get-metric-history',
    arrange: runningRun,
    event: mlflowRequest('GET', '/metrics/get-history', { query: { run_id: RUN_ID, metric_key: 'loss' } }),
    sends: ['GetCommand', 'QueryCommand'],
  },
  {
    name: 'update-run to FINISHED',
    arrange: runningRun,
    event: mlflowRequest('POST', '/runs/update', { body: { run_id: RUN_ID, status: 'FINISHED', end_time: now } }),
    sends: ['GetCommand', 'UpdateCommand'],
  },
  {
    name: 'delete-run',
    arrange: runningRun,
    event: mlflowRequest('POST', '/runs/delete', { body: { run_id: RUN_ID } }),
    sends: ['GetCommand', 'UpdateCommand'],
  },
  {
    name: 'set-experiment-tag',
    arrange: experiment,
    event: mlflowRequest('POST', '/experiments/set-experiment-tag', { body: { experiment_id: EXPERIMENT_ID, key: 'owner', value: 'risk' } }),
    // The experiment by id, then its tags.
    sends: ['GetCommand', 'GetCommand', 'UpdateCommand'],
  },
  {
    name: 'search-runs with a filter',
    arrange: runningRun,
    event: mlflowRequest('POST', '/runs/search', {
      body: { experiment_ids: [EXPERIMENT_ID], filter: "params.lr = '0.1' or tags.team = 'risk'", max_results: 100 },
    }),
    // The experiment's id; the experiment, not marked indexed (as a platform before the search index left it), so
    // its runs missing from the index (none here) and then its mark; then each shard of the run search index at once.
    sends: ['GetCommand', 'GetCommand', 'QueryCommand', 'UpdateCommand', ...Array(SEARCH_SHARDS).fill('QueryCommand')],
  },
  {
    name: 'create a logged model',
    arrange: runningRun,
    event: mlflowRequest('POST', '/logged-models', { body: { experiment_id: EXPERIMENT_ID, name: 'model', source_run_id: RUN_ID } }),
    sends: ['GetCommand', 'GetCommand', 'GetCommand', 'PutCommand'],
  },
  {
    name: 'finalize a logged model',
    arrange: (fakes) => loggedModel(fakes, 'PENDING'),
    event: mlflowRequest('PATCH', `/logged-models/${LOGGED_MODEL_ID}`, { body: { status: 'LOGGED_MODEL_READY' } }),
    sends: ['GetCommand', 'PutCommand'],
  },
  {
    name: 'search logged models',
    arrange: loggedModel,
    event: mlflowRequest('POST', '/logged-models/search', { body: { experiment_ids: [EXPERIMENT_ID] } }),
    sends: ['GetCommand', 'GetCommand', 'QueryCommand'],
  },
  {
    name: 'create-registered-model',
    event: mlflowRequest('POST', '/registered-models/create', { body: { name: MODEL } }),
    // The model (new, or one deleted before, revived), then its aliases to answer with.
    sends: ['UpdateCommand', 'QueryCommand'],
  },
  {
    name: 'create-model-version from a logged model (models:/)',
    arrange: (fakes) => {
      loggedModel(fakes);
      fakes.registry.put(registryItems.model(MODEL, 0));
      modelFiles(fakes, MODEL_ARTIFACTS);
    },
    event: mlflowRequest('POST', '/model-versions/create', { body: { name: MODEL, source: `models:/${LOGGED_MODEL_ID}`, run_id: RUN_ID } }),
    // The registered model, the logged model, then the registration.
    sends: ['GetCommand', 'GetCommand', ...directoryRegistration({ sourceRun: true })],
  },
  {
    name: "create-model-version from a run's artifacts (runs:/)",
    arrange: (fakes) => {
      runningRun(fakes);
      fakes.registry.put(registryItems.model(MODEL, 0));
      modelFiles(fakes, `${RUN_ARTIFACTS}/model`);
    },
    event: mlflowRequest('POST', '/model-versions/create', { body: { name: MODEL, source: `runs:/${RUN_ID}/model` } }),
    // The model, the run, whether the run has files at the path (else it is an MLflow 3 logged model's name), the registration.
    sends: ['GetCommand', 'GetCommand', 'ListObjectsV2Command', ...directoryRegistration({ sourceRun: true })],
  },
  {
    name: 'create-model-version from an s3:// directory under mlflow/',
    arrange: (fakes) => {
      fakes.registry.put(registryItems.model(MODEL, 0));
      modelFiles(fakes, UPLOADED_DIRECTORY);
    },
    event: mlflowRequest('POST', '/model-versions/create', { body: { name: MODEL, source: `s3://${ARTIFACT_BUCKET}/${UPLOADED_DIRECTORY}` } }),
    // No source run: nothing read or linked on the tracking table.
    sends: ['GetCommand', ...directoryRegistration({ sourceRun: false })],
  },
  {
    name: 'search-registered-models',
    arrange: ({ registry }) => registry.put(registryItems.model(MODEL, 2), registryItems.version(MODEL, 2)),
    event: mlflowRequest('GET', '/registered-models/search', { query: { filter: "name LIKE 'ch%'" } }),
    // The lookup index, then each model's latest version and aliases.
    sends: ['QueryCommand', 'QueryCommand', 'QueryCommand'],
  },
  {
    name: 'search-model-versions of one model',
    arrange: ({ registry }) => registry.put(registryItems.model(MODEL, 2), registryItems.version(MODEL, 1), registryItems.version(MODEL, 2)),
    event: mlflowRequest('GET', '/model-versions/search', { query: { filter: `name='${MODEL}'` } }),
    // The versions of the model the filter names, and its aliases.
    sends: ['QueryCommand', 'QueryCommand'],
  },
  {
    name: 'set-registered-model-alias',
    arrange: ({ registry }) => registry.put(registryItems.model(MODEL, 2), registryItems.version(MODEL, 2)),
    event: mlflowRequest('POST', '/registered-models/alias', { body: { name: MODEL, alias: 'champion', version: '2' } }),
    // The version, then the move as SetModelAlias makes it.
    sends: ['GetCommand', 'GetCommand', 'TransactWriteCommand', 'PutEventsCommand'],
  },
  {
    name: 'delete-model-version-tag',
    arrange: ({ registry }) => registry.put(registryItems.model(MODEL, 2), { ...registryItems.version(MODEL, 2), tags: { team: 'risk' } }),
    event: mlflowRequest('DELETE', '/model-versions/delete-tag', { body: { name: MODEL, version: '2', key: 'team' } }),
    // The version, then its tags and their index item in one transaction guarded by the tags read.
    sends: ['GetCommand', 'TransactWriteCommand'],
  },
  {
    name: 'get-model-version-by-alias',
    arrange: ({ registry }) => registry.put(registryItems.model(MODEL, 2), registryItems.version(MODEL, 2), registryItems.alias(MODEL, 'champion', 2, 1)),
    event: mlflowRequest('GET', '/registered-models/alias', { query: { name: MODEL, alias: 'champion' } }),
    sends: ['GetCommand', 'GetCommand', 'QueryCommand'],
  },
];

export const mlflowScenarios: HandlerScenarios<MlflowFunction> = { MlflowApi: mlflowApiScenarios };
