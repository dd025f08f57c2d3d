import type * as z from 'zod/mini';
import type { RunRecord, RunStatus } from '../../experiments/core/model';
import { newRunId } from '../../experiments/core/run-id';
import { fingerprint } from '../../shared/fingerprint';
import { type LogBatchDependencies, logBatch, RUN_NAME_TAG, renameRun } from './log-batch';
import { MlflowError } from './mlflow-error';
import type { RunChange } from './ports';
import { double, renderRun, renderRunInfo } from './render';
import { changeRun, findRun, lifecycleTo, runIdOf } from './run-access';
import { experimentById, requireActiveExperiment } from './tracking-context';
import type {
  CreateRun,
  DeleteTag,
  GetMetricHistory,
  GetMetricHistoryBulkInterval,
  LogBatch,
  LogInputs,
  LogMetric,
  LogModel,
  LogOutputs,
  LogParam,
  RunReference,
  SetTag,
  UpdateRun,
} from './tracking-requests';

/** MLflow's run statuses as the platform keeps them: FINISHED is COMPLETED; SCHEDULED runs as RUNNING. */
const PLATFORM_STATUS: Readonly<Record<string, RunStatus>> = {
  RUNNING: 'RUNNING',
  SCHEDULED: 'RUNNING',
  FINISHED: 'COMPLETED',
  FAILED: 'FAILED',
  KILLED: 'KILLED',
};

/** The history page MLflow's client asks for (25,000 points), within what one response carries. */
const MAX_HISTORY_PAGE = 25_000;
const EPOCH_MILLIS = { min: 946_684_800_000, max: 7_258_118_400_000 };

const isoOf = (millis: number, field: string) => {
  if (millis < EPOCH_MILLIS.min || millis > EPOCH_MILLIS.max)
    throw MlflowError.invalid(`Invalid value ${millis} for parameter '${field}' supplied: it must be epoch milliseconds between 2000 and 2200`);
  return new Date(millis).toISOString();
};

/** MLflow's run operations over experiment tracking's runs. */
export function runsApi(deps: LogBatchDependencies) {
  const { store, clock, locations } = deps;
  const applyBatch = logBatch(deps);

  const change = (runId: string, compute: (run: RunRecord) => RunChange | undefined) => changeRun(deps, runId, compute);
  const setLifecycle = (runId: string, stage: 'active' | 'deleted') => changeRun(deps, runId, lifecycleTo(stage), true);

  return {
    async createRun(request: z.output<typeof CreateRun>) {
      const tags = Object.fromEntries(request.tags.filter(({ key }) => key !== RUN_NAME_TAG).map(({ key, value }) => [key, value]));
      const nameTag = request.tags.filter(({ key }) => key === RUN_NAME_TAG).at(-1)?.value;
      if (request.run_name && nameTag && request.run_name !== nameTag) {
        throw MlflowError.invalid(
          `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${request.run_name}', mlflow.runName='${nameTag}').`,
        );
      }
      const startTime = request.start_time === undefined ? clock.now().toISOString() : isoOf(request.start_time, 'start_time');
      const experimentId = request.experiment_id || '0';
      const name = experimentId === '0' ? (await experimentById(deps, experimentId)).name : await store.experimentNameOf(experimentId);
      if (name === undefined) throw MlflowError.notFound(`No Experiment with id=${experimentId} exists`);
      // The number is taken as the experiment is read: a number taken for a deleted experiment is only skipped.
      const taken = await store.takeRunNumber(name, clock.now().toISOString());
      if (!taken) throw MlflowError.notFound(`No Experiment with id=${experimentId} exists`);
      const { experiment, runNumber } = taken;
      requireActiveExperiment(experiment);
      const run: RunRecord = {
        runId: newRunId(experiment.name),
        experiment: experiment.name,
        runName: request.run_name || nameTag || `${experiment.name}-${runNumber}`,
        runNumber,
        status: 'RUNNING',
        startTime,
        heartbeatAt: clock.now().toISOString(),
        createdBy: request.user_id || undefined,
        params: {},
        tags,
        metrics: {},
        revision: 0,
        registeredVersions: [],
        origin: 'mlflow',
      };
      if (!(await store.createRun(run, fingerprint(request)))) throw new Error(`run id ${run.runId} was taken`);
      return { run: renderRun(run, locations) };
    },

    async getRun(request: z.output<typeof RunReference>) {
      return { run: renderRun(await findRun(store, runIdOf(request)), locations) };
    },

    async updateRun(request: z.output<typeof UpdateRun>) {
      const runId = runIdOf(request);
      if (request.run_name) await renameRun(deps, runId, request.run_name);
      const run = await change(runId, (current) => {
        if (request.status === undefined) return undefined;
        const status = PLATFORM_STATUS[request.status];
        const ended = status !== 'RUNNING';
        const endTime = ended ? (request.end_time === undefined ? clock.now().toISOString() : isoOf(request.end_time, 'end_time')) : undefined;
        if (current.status === status && current.endTime === endTime) return undefined;
        return { status, endTime, reason: undefined };
      });
      return { run_info: renderRunInfo(run, locations) };
    },

    async deleteRun(request: z.output<typeof RunReference>) {
      await setLifecycle(runIdOf(request), 'deleted');
      return {};
    },

    async restoreRun(request: z.output<typeof RunReference>) {
      await setLifecycle(runIdOf(request), 'active');
      return {};
    },

    async logBatch(request: z.output<typeof LogBatch>) {
      await applyBatch(runIdOf(request), request);
      return {};
    },

    async logMetric(request: z.output<typeof LogMetric>) {
      const { key, value, timestamp, step, model_id, dataset_name, dataset_digest } = request;
      await applyBatch(runIdOf(request), { metrics: [{ key, value, timestamp, step, model_id, dataset_name, dataset_digest }], params: [], tags: [] });
      return {};
    },

    async logParam(request: z.output<typeof LogParam>) {
      const runId = runIdOf(request);
      try {
        await applyBatch(runId, { metrics: [], params: [{ key: request.key, value: request.value }], tags: [] });
      } catch (error) {
        if (error instanceof MlflowError && error.message.startsWith('Changing param values')) {
          const run = await findRun(store, runId);
          throw MlflowError.invalid(
            `Changing param values is not allowed. Param with key='${request.key}' was already logged with value='${run.params[request.key]}' for run ID='${runId}'. Attempted logging new value '${request.value}'.`,
          );
        }
        throw error;
      }
      return {};
    },

    async setTag(request: z.output<typeof SetTag>) {
      await applyBatch(runIdOf(request), { metrics: [], params: [], tags: [{ key: request.key, value: request.value }] });
      return {};
    },

    async deleteTag(request: z.output<typeof DeleteTag>) {
      const runId = runIdOf(request);
      await change(runId, (run) => {
        if (!Object.hasOwn(run.tags, request.key)) throw MlflowError.notFound(`No tag with name: ${request.key} in run with id ${runId}`);
        const tags = { ...run.tags };
        delete tags[request.key];
        return { tags };
      });
      return {};
    },

    async logInputs(request: z.output<typeof LogInputs>) {
      await change(runIdOf(request), (run) => {
        const datasets = [...(run.inputs?.datasets ?? [])];
        const known = new Set(datasets.map(({ dataset, tags }) => fingerprint({ name: dataset.name, digest: dataset.digest, tags })));
        for (const { dataset, tags } of request.datasets) {
          const input = {
            dataset: {
              name: dataset.name,
              digest: dataset.digest,
              sourceType: dataset.source_type,
              source: dataset.source,
              schema: dataset.schema,
              profile: dataset.profile,
            },
            tags: Object.fromEntries(tags.map(({ key, value }) => [key, value])),
          };
          const id = fingerprint({ name: dataset.name, digest: dataset.digest, tags: input.tags });
          if (!known.has(id)) {
            known.add(id);
            datasets.push(input);
          }
        }
        const models = [...(run.inputs?.models ?? [])];
        for (const { model_id } of request.models) if (!models.some(({ modelId }) => modelId === model_id)) models.push({ modelId: model_id });
        return { inputs: { datasets, models } };
      });
      return {};
    },

    async logOutputs(request: z.output<typeof LogOutputs>) {
      await change(runIdOf(request), (run) => {
        const outputs = [...(run.outputs ?? [])];
        for (const { model_id, step } of request.models) if (!outputs.some(({ modelId }) => modelId === model_id)) outputs.push({ modelId: model_id, step });
        return outputs.length === (run.outputs ?? []).length ? undefined : { outputs };
      });
      return {};
    },

    /** MLflow 2's model log: kept in the run's `mlflow.log-model.history` tag, as MLflow's server does. */
    async logModel(request: z.output<typeof LogModel>) {
      const runId = runIdOf(request);
      let model: unknown;
      try {
        model = JSON.parse(request.model_json);
      } catch {
        throw MlflowError.invalid(`model_json is not JSON`);
      }
      const run = await findRun(store, runId);
      const history = run.tags['mlflow.log-model.history'];
      const models = history === undefined ? [] : (JSON.parse(history) as unknown[]);
      await applyBatch(runId, { metrics: [], params: [], tags: [{ key: 'mlflow.log-model.history', value: JSON.stringify([...models, model]) }] });
      return {};
    },

    async getMetricHistory(request: z.output<typeof GetMetricHistory>) {
      const run = await findRun(store, runIdOf(request));
      const limit = Math.min(Math.max(request.max_results ?? MAX_HISTORY_PAGE, 1), MAX_HISTORY_PAGE);
      const metrics: Record<string, unknown>[] = [];
      let nextToken = request.page_token;
      // The store pages at most 10,000 points: read until the caller's page is full.
      do {
        const page = await store.metricHistory(run.runId, request.metric_key, { limit: Math.min(limit - metrics.length, 10_000), nextToken });
        for (const point of page.items) metrics.push({ key: request.metric_key, value: double(point.value), timestamp: point.timestamp, step: point.step });
        nextToken = page.nextToken;
      } while (nextToken && metrics.length < limit);
      return { ...(metrics.length > 0 ? { metrics } : {}), ...(nextToken ? { next_page_token: nextToken } : {}) };
    },

    /**
     * The MLflow UI's charts: each run's points at up to `max_results` steps of the range, the same steps
     * for every run, spread evenly from the first to the last (both kept), as MLflow's server samples them.
     */
    async getMetricHistoryBulkInterval(request: z.output<typeof GetMetricHistoryBulkInterval>) {
      const { run_ids: runIds, metric_key: key, start_step: start, end_step: end } = request;
      if (runIds.length === 0 || runIds.length > 100) throw MlflowError.invalid(`run_ids must name 1 to 100 runs, got ${runIds.length}`);
      if ((start === undefined) !== (end === undefined)) throw MlflowError.invalid('If either start step or end step are specified, both must be specified.');
      if (start !== undefined && end !== undefined && start > end) throw MlflowError.invalid('end_step must be greater than start_step.');
      const maxResults = request.max_results ?? 100;
      if (maxResults < 1 || maxResults > 2500)
        throw MlflowError.invalid('max_results must be between 1 and 2500. See the API docs for more information about request parameters.');
      const histories = await Promise.all(
        [...new Set(runIds)].map(async (runId) => {
          await findRun(store, runId);
          const points = [];
          let nextToken: string | undefined;
          do {
            const page = await store.metricHistory(runId, key, { limit: 10_000, nextToken });
            points.push(...page.items.filter(({ step }) => start === undefined || (step >= start && step <= (end as number))));
            nextToken = page.nextToken;
          } while (nextToken);
          return { runId, points };
        }),
      );
      const steps = sampleSteps(
        [...new Set(histories.flatMap(({ points }) => points.map(({ step }) => step)))].sort((a, b) => a - b),
        maxResults,
      );
      const metrics = histories.flatMap(({ runId, points }) =>
        points
          .filter(({ step }) => steps.has(step))
          .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)
          .map(({ step, value, timestamp }) => ({ key, value: double(value), timestamp, step, run_id: runId })),
      );
      return metrics.length > 0 ? { metrics } : {};
    },
  };
}

/** At most `count` of the sorted `steps`, evenly spread, the first and the last always among them. */
export function sampleSteps(steps: readonly number[], count: number): ReadonlySet<number> {
  if (steps.length <= count) return new Set(steps);
  if (count === 1) return new Set([steps[steps.length - 1]]);
  return new Set(Array.from({ length: count }, (_, index) => steps[Math.round((index * (steps.length - 1)) / (count - 1))]));
}
