import { randomBytes } from 'node:crypto';
import type * as z from 'zod/mini';
import { DEFAULT_RETRY_POLICY, retryOptimistically } from '../../shared/optimistic-retry';
import type {
  CreateLoggedModel,
  DeleteLoggedModelTag,
  FinalizeLoggedModel,
  GetLoggedModel,
  LoggedModelReference,
  LogLoggedModelParams,
  SearchLoggedModels,
  SetLoggedModelTags,
} from './logged-model-requests';
import { MlflowError } from './mlflow-error';
import type { LoggedModelMetric, LoggedModelRecord, LoggedModelStatus } from './model';
import { renderLoggedModel } from './render';
import { type DatasetRef, matches, orderComparator, paginate, parseFilter, parseLoggedModelOrderBy, type SearchSubject } from './search';
import { experimentById, requireActiveExperiment, type TrackingContext } from './tracking-context';
import type { MetricEntry } from './tracking-requests';

const STATUS_OF: Readonly<Record<string, LoggedModelStatus>> = {
  LOGGED_MODEL_PENDING: 'PENDING',
  LOGGED_MODEL_READY: 'READY',
  LOGGED_MODEL_UPLOAD_FAILED: 'FAILED',
};

/** Params a logged model may hold: its item stays well under DynamoDB's 400 KB. */
const MAX_MODEL_PARAMS = 500;

const pairs = (entries: readonly { key: string; value: string }[]) => Object.fromEntries(entries.map(({ key, value }) => [key, value]));

function loggedModelSubject(model: LoggedModelRecord, datasets: readonly DatasetRef[]): SearchSubject {
  const attributes: Record<string, string | number | undefined> = {
    name: model.name,
    model_id: model.modelId,
    model_type: model.modelType,
    status: renderStatus(model.status),
    source_run_id: model.sourceRunId,
    creation_timestamp: Date.parse(model.createdAt),
    last_updated_timestamp: Date.parse(model.updatedAt),
  };
  const inScope = (metric: LoggedModelMetric, dataset?: DatasetRef) => {
    const wanted = dataset ? [dataset] : datasets;
    return (
      wanted.length === 0 || wanted.some((each) => each.name === metric.datasetName && (each.digest === undefined || each.digest === metric.datasetDigest))
    );
  };
  return {
    attribute: (name) => attributes[name],
    tag: (key) => (Object.hasOwn(model.tags, key) ? model.tags[key] : undefined),
    param: (key) => (Object.hasOwn(model.params, key) ? model.params[key] : undefined),
    metric: (key, dataset) => model.metrics.filter((metric) => metric.key === key && inScope(metric, dataset)).at(-1)?.value,
  };
}

const renderStatus = (status: LoggedModelStatus) =>
  ({ PENDING: 'LOGGED_MODEL_PENDING', READY: 'LOGGED_MODEL_READY', FAILED: 'LOGGED_MODEL_UPLOAD_FAILED' })[status];

/** MLflow 3's logged models: a model's artifacts (under the experiment's artifact location) and metadata. */
export function loggedModelsApi(context: TrackingContext) {
  const { store, clock, locations } = context;
  const now = () => clock.now().toISOString();

  async function find(modelId: string, allowDeleted = false): Promise<LoggedModelRecord> {
    const model = await store.getLoggedModel(modelId);
    if (!model || (model.lifecycleStage === 'deleted' && !allowDeleted)) throw MlflowError.notFound(`Logged model with ID '${modelId}' not found.`);
    return model;
  }

  /** Replaces the model with what `compute` makes of it, guarded by its last update time. */
  function change(modelId: string, compute: (model: LoggedModelRecord) => Partial<LoggedModelRecord>): Promise<LoggedModelRecord> {
    return retryOptimistically(
      clock,
      DEFAULT_RETRY_POLICY,
      async () => {
        const model = await find(modelId);
        // A change within the same millisecond must still move the guard.
        const at = now() > model.updatedAt ? now() : new Date(Date.parse(model.updatedAt) + 1).toISOString();
        const updated: LoggedModelRecord = { ...model, ...compute(model), updatedAt: at };
        if (Object.keys(updated.params).length > MAX_MODEL_PARAMS) throw MlflowError.invalid(`a logged model holds at most ${MAX_MODEL_PARAMS} params`);
        return (await store.updateLoggedModel(updated, model.updatedAt)) ? updated : undefined;
      },
      () => `logged model ${modelId} kept changing while it was updated; retry`,
    );
  }

  return {
    async createLoggedModel(request: z.output<typeof CreateLoggedModel>) {
      const experiment = await experimentById(context, request.experiment_id);
      requireActiveExperiment(experiment);
      if (request.source_run_id) {
        const run = await store.getRun(request.source_run_id);
        if (!run) throw MlflowError.notFound(`Run with id=${request.source_run_id} not found`);
      }
      const modelId = `m-${randomBytes(16).toString('hex')}`;
      const at = now();
      const model: LoggedModelRecord = {
        modelId,
        experiment: experiment.name,
        name: request.name || 'model',
        modelType: request.model_type || undefined,
        sourceRunId: request.source_run_id || undefined,
        status: 'PENDING',
        createdAt: at,
        updatedAt: at,
        lifecycleStage: 'active',
        params: pairs(request.params),
        tags: pairs(request.tags),
        metrics: [],
      };
      await store.createLoggedModel(model);
      return { model: renderLoggedModel(model, locations) };
    },

    async getLoggedModel(request: z.output<typeof GetLoggedModel>) {
      return { model: renderLoggedModel(await find(request.model_id, request.allow_deleted), locations) };
    },

    async finalizeLoggedModel(request: z.output<typeof FinalizeLoggedModel>) {
      const model = await change(request.model_id, () => ({ status: STATUS_OF[request.status] }));
      return { model: renderLoggedModel(model, locations) };
    },

    async deleteLoggedModel(request: z.output<typeof LoggedModelReference>) {
      await change(request.model_id, () => ({ lifecycleStage: 'deleted' }));
      return {};
    },

    async setLoggedModelTags(request: z.output<typeof SetLoggedModelTags>) {
      await change(request.model_id, (model) => ({ tags: { ...model.tags, ...pairs(request.tags) } }));
      return {};
    },

    async deleteLoggedModelTag(request: z.output<typeof DeleteLoggedModelTag>) {
      await change(request.model_id, (model) => {
        if (!Object.hasOwn(model.tags, request.tag_key)) {
          throw MlflowError.notFound(`No tag with key '${request.tag_key}' found for model with ID '${request.model_id}'.`);
        }
        const tags = { ...model.tags };
        delete tags[request.tag_key];
        return { tags };
      });
      return {};
    },

    async logLoggedModelParams(request: z.output<typeof LogLoggedModelParams>) {
      await change(request.model_id, (model) => ({ params: { ...model.params, ...pairs(request.params) } }));
      return {};
    },

    async searchLoggedModels(request: z.output<typeof SearchLoggedModels>) {
      if (request.experiment_ids.length === 0)
        throw MlflowError.invalid(`Missing value for required parameter 'experiment_ids'. See the API docs for more information about request parameters.`);
      const filter = parseFilter('loggedModels', request.filter);
      const orderBy = parseLoggedModelOrderBy(request.order_by);
      const datasets = request.datasets.map(({ dataset_name, dataset_digest }) => ({ name: dataset_name, digest: dataset_digest }));
      const experiments = await Promise.all([...new Set(request.experiment_ids)].map((id) => experimentById(context, id).catch(() => undefined)));
      const models = (await Promise.all(experiments.filter((each) => each !== undefined).map((each) => store.listLoggedModels(each.name)))).flat();
      const found = models
        .filter((model) => model.lifecycleStage === 'active')
        .map((model) => ({ model, subject: loggedModelSubject(model, datasets) }))
        .filter(({ subject }) => matches(filter, subject));
      const compare = orderComparator('loggedModels', orderBy);
      found.sort((a, b) => compare(a.subject, b.subject));
      const scope = { experiments: [...new Set(request.experiment_ids)].sort(), datasets };
      const page = paginate(found, { entity: 'loggedModels', filter, orderBy, scope }, { maxResults: request.max_results, pageToken: request.page_token });
      return {
        ...(page.items.length > 0 ? { models: page.items.map(({ model }) => renderLoggedModel(model, locations)) } : {}),
        ...(page.nextToken ? { next_page_token: page.nextToken } : {}),
      };
    },

    /** Records metrics a run logged with a `model_id` on that model: its latest value per key and data set. */
    async linkModelMetrics(runId: string, metrics: readonly MetricEntry[]): Promise<void> {
      const byModel = new Map<string, MetricEntry[]>();
      for (const metric of metrics) byModel.set(metric.model_id!, [...(byModel.get(metric.model_id!) ?? []), metric]);
      for (const [modelId, linked] of byModel) {
        // `change` reads the model and refuses one that is not there.
        await change(modelId, (current) => {
          const latest = new Map(current.metrics.map((metric) => [`${metric.key}\n${metric.datasetName ?? ''}\n${metric.datasetDigest ?? ''}`, metric]));
          for (const { key, value, step, timestamp, dataset_name, dataset_digest } of linked) {
            const id = `${key}\n${dataset_name ?? ''}\n${dataset_digest ?? ''}`;
            const known = latest.get(id);
            if (!known || step > known.step || (step === known.step && timestamp >= known.timestamp)) {
              latest.set(id, { key, value, step, timestamp, runId, datasetName: dataset_name, datasetDigest: dataset_digest });
            }
          }
          return { metrics: [...latest.values()] };
        });
      }
    },
  };
}
