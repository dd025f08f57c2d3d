/**
 * The MLflow REST API as the platform serves it: every route, its access level and the operation
 * that answers it. The `MlflowApi` construct makes one IAM-authorized API Gateway route of each (and
 * scopes `grantMlflowRead`/`grantMlflowWrite` by them), the handler dispatches on them, and the local
 * endpoint serves the same table. Paths are MLflow's, under `/api/2.0/mlflow` (MLflow 3's logged
 * models included: MLflow serves them there too).
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** `read` routes change nothing, whatever their method (MLflow's searches are POSTs). */
export type RouteAccess = 'read' | 'write';

export interface MlflowRoute {
  readonly method: HttpMethod;
  /** Under `MLFLOW_API_PREFIX`; `{name}` marks a path parameter, as API Gateway writes it. */
  readonly path: string;
  readonly access: RouteAccess;
  /** The MLflow RPC's name, which the handler's operation table is keyed by. */
  readonly operation: string;
}

export const MLFLOW_API_PREFIX = '/api/2.0/mlflow';

const route = (method: HttpMethod, path: string, access: RouteAccess, operation: string): MlflowRoute => ({ method, path, access, operation });

export const MLFLOW_ROUTES: readonly MlflowRoute[] = [
  route('POST', '/experiments/create', 'write', 'createExperiment'),
  route('GET', '/experiments/get', 'read', 'getExperiment'),
  route('GET', '/experiments/get-by-name', 'read', 'getExperimentByName'),
  route('POST', '/experiments/search', 'read', 'searchExperiments'),
  route('GET', '/experiments/search', 'read', 'searchExperiments'),
  route('POST', '/experiments/update', 'write', 'updateExperiment'),
  route('POST', '/experiments/delete', 'write', 'deleteExperiment'),
  route('POST', '/experiments/restore', 'write', 'restoreExperiment'),
  route('POST', '/experiments/set-experiment-tag', 'write', 'setExperimentTag'),
  route('POST', '/experiments/delete-experiment-tag', 'write', 'deleteExperimentTag'),

  route('POST', '/runs/create', 'write', 'createRun'),
  route('GET', '/runs/get', 'read', 'getRun'),
  route('POST', '/runs/update', 'write', 'updateRun'),
  route('POST', '/runs/delete', 'write', 'deleteRun'),
  route('POST', '/runs/restore', 'write', 'restoreRun'),
  route('POST', '/runs/search', 'read', 'searchRuns'),
  route('POST', '/runs/log-batch', 'write', 'logBatch'),
  route('POST', '/runs/log-metric', 'write', 'logMetric'),
  route('POST', '/runs/log-parameter', 'write', 'logParam'),
  route('POST', '/runs/set-tag', 'write', 'setTag'),
  route('POST', '/runs/delete-tag', 'write', 'deleteTag'),
  route('POST', '/runs/log-inputs', 'write', 'logInputs'),
  route('POST', '/runs/outputs', 'write', 'logOutputs'),
  route('POST', '/runs/log-model', 'write', 'logModel'),
  route('GET', '/metrics/get-history', 'read', 'getMetricHistory'),
  route('GET', '/metrics/get-history-bulk-interval', 'read', 'getMetricHistoryBulkInterval'),

  route('POST', '/logged-models', 'write', 'createLoggedModel'),
  route('GET', '/logged-models/{model_id}', 'read', 'getLoggedModel'),
  route('PATCH', '/logged-models/{model_id}', 'write', 'finalizeLoggedModel'),
  route('DELETE', '/logged-models/{model_id}', 'write', 'deleteLoggedModel'),
  route('POST', '/logged-models/search', 'read', 'searchLoggedModels'),
  route('PATCH', '/logged-models/{model_id}/tags', 'write', 'setLoggedModelTags'),
  route('DELETE', '/logged-models/{model_id}/tags/{tag_key}', 'write', 'deleteLoggedModelTag'),
  route('POST', '/logged-models/{model_id}/params', 'write', 'logLoggedModelParams'),

  route('POST', '/registered-models/create', 'write', 'createRegisteredModel'),
  route('GET', '/registered-models/get', 'read', 'getRegisteredModel'),
  route('GET', '/registered-models/search', 'read', 'searchRegisteredModels'),
  route('PATCH', '/registered-models/update', 'write', 'updateRegisteredModel'),
  route('POST', '/registered-models/rename', 'write', 'renameRegisteredModel'),
  route('DELETE', '/registered-models/delete', 'write', 'deleteRegisteredModel'),
  route('POST', '/registered-models/set-tag', 'write', 'setRegisteredModelTag'),
  route('DELETE', '/registered-models/delete-tag', 'write', 'deleteRegisteredModelTag'),
  route('POST', '/registered-models/alias', 'write', 'setRegisteredModelAlias'),
  route('DELETE', '/registered-models/alias', 'write', 'deleteRegisteredModelAlias'),
  route('GET', '/registered-models/alias', 'read', 'getModelVersionByAlias'),
  route('POST', '/registered-models/get-latest-versions', 'read', 'getLatestVersions'),
  route('GET', '/registered-models/get-latest-versions', 'read', 'getLatestVersions'),

  route('POST', '/model-versions/create', 'write', 'createModelVersion'),
  route('GET', '/model-versions/get', 'read', 'getModelVersion'),
  route('GET', '/model-versions/search', 'read', 'searchModelVersions'),
  route('PATCH', '/model-versions/update', 'write', 'updateModelVersion'),
  route('DELETE', '/model-versions/delete', 'write', 'deleteModelVersion'),
  route('POST', '/model-versions/set-tag', 'write', 'setModelVersionTag'),
  route('DELETE', '/model-versions/delete-tag', 'write', 'deleteModelVersionTag'),
  route('GET', '/model-versions/get-download-uri', 'read', 'getModelVersionDownloadUri'),
  route('POST', '/model-versions/transition-stage', 'write', 'transitionModelVersionStage'),
];

/**
 * Areas of MLflow the platform does not serve (GenAI traces, the AI gateway, scorers, webhooks, prompts).
 * The API routes each prefix and everything under it to the handler, so MLflow's client gets MLflow's own
 * error codes for them rather than API Gateway's bare 404; they are not under `MLFLOW_API_PREFIX` alone.
 */
export const MLFLOW_UNSUPPORTED_PREFIXES: readonly string[] = [
  '/api/2.0/mlflow/traces',
  '/api/3.0/mlflow/traces',
  '/api/2.0/mlflow/gateway',
  '/api/2.0/mlflow/scorers',
  '/api/3.0/mlflow/scorers',
  '/api/2.0/mlflow/webhooks',
  '/api/2.0/mlflow/prompts',
  '/api/3.0/mlflow/prompts',
];
