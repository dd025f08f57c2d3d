import type { Clock } from '../../shared/clock';
import { DEFAULT_EXPERIMENT, experimentIdOf } from './experiment-ids';
import { MlflowError } from './mlflow-error';
import type { ExperimentView } from './model';
import type { MlflowTrackingStore } from './ports';
import type { ArtifactLocations } from './render';

/** What MLflow's tracking operations share: the store, the clock, where artifacts go. */
export interface TrackingContext {
  readonly store: MlflowTrackingStore;
  readonly clock: Clock;
  readonly locations: ArtifactLocations;
}

/**
 * The experiment with this MLflow id. The default experiment ("0") exists from the start, as on
 * MLflow's server: it is created on first reference, since MLflow's client runs in it without asking.
 */
export async function experimentById({ store, clock }: TrackingContext, experimentId: string): Promise<ExperimentView> {
  if (experimentId === DEFAULT_EXPERIMENT.id) return ensureDefaultExperiment(store, clock.now().toISOString());
  const name = await store.experimentNameOf(experimentId);
  const experiment = name === undefined ? undefined : await store.getExperiment(name);
  if (!experiment) throw MlflowError.notFound(`No Experiment with id=${experimentId} exists`);
  return experiment;
}

/** The default experiment, created if nothing referred to it yet (it exists from the start on MLflow's server). */
export function defaultExperiment({ store, clock }: TrackingContext): Promise<ExperimentView> {
  return ensureDefaultExperiment(store, clock.now().toISOString());
}

async function ensureDefaultExperiment(store: MlflowTrackingStore, at: string): Promise<ExperimentView> {
  const existing = await store.getExperiment(DEFAULT_EXPERIMENT.name);
  if (existing) return existing;
  const created: ExperimentView = {
    experimentId: DEFAULT_EXPERIMENT.id,
    name: DEFAULT_EXPERIMENT.name,
    lifecycleStage: 'active',
    createdAt: at,
    updatedAt: at,
    tags: {},
    idRecorded: true,
  };
  // A concurrent first reference may create it first: either way it exists now.
  await store.createExperiment(created);
  return (await store.getExperiment(DEFAULT_EXPERIMENT.name)) ?? created;
}

/**
 * An experiment found by name, with its id made resolvable: experiments `mlops run start` created
 * have never had their id recorded, and MLflow's client asks for them by id next.
 */
export async function experimentByName({ store, clock }: TrackingContext, name: string): Promise<ExperimentView | undefined> {
  if (name === DEFAULT_EXPERIMENT.name) return ensureDefaultExperiment(store, clock.now().toISOString());
  const experiment = await store.getExperiment(name);
  if (experiment && !experiment.idRecorded) await store.recordExperimentId(name, experimentIdOf(name));
  return experiment;
}

export function requireActiveExperiment(experiment: ExperimentView): void {
  if (experiment.lifecycleStage !== 'active') {
    throw MlflowError.invalid(`The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`);
  }
}
