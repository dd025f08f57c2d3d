import type * as z from 'zod/mini';
import { DEFAULT_EXPERIMENT, experimentIdOf } from './experiment-ids';
import { MlflowError } from './mlflow-error';
import type { ExperimentView } from './model';
import { showsStage } from './protocol';
import { renderExperiment } from './render';
import { setRunsLifecycle } from './run-access';
import { matches, orderComparator, paginate, parseFilter, parseOrderBy, type SearchSubject } from './search';
import { defaultExperiment, experimentById, experimentByName, requireActiveExperiment, type TrackingContext } from './tracking-context';
import type {
  CreateExperiment,
  DeleteExperimentTag,
  ExperimentLifecycle,
  GetExperiment,
  GetExperimentByName,
  SearchExperiments,
  SetExperimentTag,
  UpdateExperiment,
} from './tracking-requests';

/** MLflow's experiment operations over experiment tracking's experiments. */

const millis = (iso: string) => Date.parse(iso);

const experimentSubject = (experiment: ExperimentView): SearchSubject => ({
  attribute: (name) =>
    ({
      name: experiment.name,
      experiment_id: experiment.experimentId,
      creation_time: millis(experiment.createdAt),
      last_update_time: millis(experiment.updatedAt),
    })[name],
  tag: (key) => (Object.hasOwn(experiment.tags, key) ? experiment.tags[key] : undefined),
});

export function experimentsApi(context: TrackingContext) {
  const { store, clock, locations } = context;
  const now = () => clock.now().toISOString();

  async function change(experimentId: string, update: (experiment: ExperimentView) => Parameters<typeof store.updateExperiment>[1]) {
    const experiment = await experimentById(context, experimentId);
    const updated = await store.updateExperiment(experiment.name, update(experiment), now());
    if (!updated) throw MlflowError.notFound(`No Experiment with id=${experimentId} exists`);
  }

  /**
   * Deletes or restores an experiment with its runs, as MLflow's server does: the runs first, so a request that
   * fails midway is completed by its retry (the experiment is still where it was, the runs done are left).
   */
  async function setLifecycle(experimentId: string, stage: 'active' | 'deleted') {
    const experiment = await experimentById(context, experimentId);
    if (experiment.lifecycleStage === stage) throw MlflowError.notFound(`No Experiment with id=${experimentId} exists`);
    await setRunsLifecycle(context, experiment.name, stage);
    if (!(await store.updateExperiment(experiment.name, { lifecycleStage: stage }, now())))
      throw MlflowError.notFound(`No Experiment with id=${experimentId} exists`);
  }

  return {
    async createExperiment(request: z.output<typeof CreateExperiment>) {
      if (request.artifact_location !== undefined && request.artifact_location !== '') {
        throw MlflowError.invalid(
          `artifact_location is chosen by the platform (s3://<artifact bucket>/mlflow/<experiment id>), so every client can reach it: leave it out`,
        );
      }
      const name = request.name;
      if (name.trim() !== name) throw MlflowError.invalid(`Invalid experiment name: '${name}': it must not start or end with spaces`);
      const at = now();
      const experimentId = experimentIdOf(name);
      const tags = Object.fromEntries(request.tags.map(({ key, value }) => [key, value]));
      const created = await store.createExperiment({ experimentId, name, lifecycleStage: 'active', createdAt: at, updatedAt: at, tags, idRecorded: true });
      if (!created) throw MlflowError.exists(`Experiment(name=${name}) already exists.`);
      return { experiment_id: experimentId };
    },

    async getExperiment({ experiment_id }: z.output<typeof GetExperiment>) {
      return { experiment: renderExperiment(await experimentById(context, experiment_id), locations) };
    },

    async getExperimentByName({ experiment_name }: z.output<typeof GetExperimentByName>) {
      const experiment = await experimentByName(context, experiment_name);
      if (!experiment) throw MlflowError.notFound(`Could not find experiment with name '${experiment_name}'`);
      return { experiment: renderExperiment(experiment, locations) };
    },

    async searchExperiments(request: z.output<typeof SearchExperiments>) {
      const filter = parseFilter('experiments', request.filter);
      const orderBy = parseOrderBy('experiments', request.order_by);
      const listed = await store.allExperiments();
      // The default experiment is listed from the start, as on MLflow's server, though made on first reference.
      const all = listed.some(({ name }) => name === DEFAULT_EXPERIMENT.name) ? listed : [...listed, await defaultExperiment(context)];
      const found = all
        .filter((experiment) => showsStage(request.view_type, experiment.lifecycleStage))
        .map(experimentSubjectOf)
        .filter(({ subject }) => matches(filter, subject));
      const compare = orderComparator('experiments', orderBy);
      found.sort((a, b) => compare(a.subject, b.subject));
      const page = paginate(
        found,
        { entity: 'experiments', filter, orderBy, scope: request.view_type },
        { maxResults: request.max_results, pageToken: request.page_token },
      );
      // Experiments `mlops run start` made get their id recorded once MLflow's client may ask for them by it.
      await Promise.all(
        page.items
          .filter(({ experiment }) => !experiment.idRecorded)
          .map(({ experiment }) => store.recordExperimentId(experiment.name, experiment.experimentId)),
      );
      return {
        ...(page.items.length > 0 ? { experiments: page.items.map(({ experiment }) => renderExperiment(experiment, locations)) } : {}),
        ...(page.nextToken ? { next_page_token: page.nextToken } : {}),
      };
    },

    async updateExperiment({ experiment_id, new_name }: z.output<typeof UpdateExperiment>) {
      const experiment = await experimentById(context, experiment_id);
      if (experiment.name === new_name) return {};
      throw MlflowError.invalid(
        `experiments cannot be renamed on this platform: runs are filed under their experiment's name (${experiment.name}); create an experiment named ${new_name} for new runs`,
      );
    },

    async deleteExperiment({ experiment_id }: z.output<typeof ExperimentLifecycle>) {
      if (experiment_id === DEFAULT_EXPERIMENT.id) {
        throw MlflowError.invalid(`Cannot delete the default experiment '0'. This is an internally reserved experiment.`);
      }
      await setLifecycle(experiment_id, 'deleted');
      return {};
    },

    async restoreExperiment({ experiment_id }: z.output<typeof ExperimentLifecycle>) {
      await setLifecycle(experiment_id, 'active');
      return {};
    },

    async setExperimentTag({ experiment_id, key, value }: z.output<typeof SetExperimentTag>) {
      await change(experiment_id, (experiment) => {
        requireActiveExperiment(experiment);
        return { tags: { ...experiment.tags, [key]: value } };
      });
      return {};
    },

    async deleteExperimentTag({ experiment_id, key }: z.output<typeof DeleteExperimentTag>) {
      await change(experiment_id, (experiment) => {
        requireActiveExperiment(experiment);
        if (!Object.hasOwn(experiment.tags, key)) throw MlflowError.notFound(`No tag with name: ${key} in experiment with id ${experiment_id}`);
        const tags = { ...experiment.tags };
        delete tags[key];
        return { tags };
      });
      return {};
    },
  };
}

const experimentSubjectOf = (experiment: ExperimentView) => ({ experiment, subject: experimentSubject(experiment) });
