import type { RunRecord } from '../../experiments/core/model';
import type { ExperimentStore } from '../../experiments/core/ports';
import type { ExperimentView, LoggedModelRecord, RunIndexEntry } from './model';

/** Fields of a run MLflow's API changes besides batches: a change is guarded by the run's revision. */
export type RunChange = Partial<Pick<RunRecord, 'runName' | 'status' | 'endTime' | 'reason' | 'lifecycleStage' | 'tags' | 'inputs' | 'outputs'>>;

export type ExperimentChange = Partial<Pick<ExperimentView, 'lifecycleStage' | 'tags'>>;

/**
 * What MLflow's tracking API stores beyond experiment tracking's own port, on the same table:
 * experiment ids, lifecycles and tags, run changes outside batches, the search index and logged models.
 */
export interface MlflowTrackingStore extends ExperimentStore {
  getExperiment(name: string): Promise<ExperimentView | undefined>;
  /** The name of the experiment with this MLflow id, if its id was ever handed out. */
  experimentNameOf(experimentId: string): Promise<string | undefined>;
  /** Creates an experiment and its id; `false` when one of that name exists (deleted or not). */
  createExperiment(experiment: ExperimentView): Promise<boolean>;
  /**
   * Takes the experiment's next run number and answers the experiment as it is then, in one write; `undefined`
   * when there is no experiment of that name (nothing written).
   */
  takeRunNumber(name: string, at: string): Promise<{ readonly experiment: ExperimentView; readonly runNumber: number } | undefined>;
  /** Records the id of an experiment made by the platform's own API (idempotent). */
  recordExperimentId(name: string, experimentId: string): Promise<void>;
  allExperiments(): Promise<readonly ExperimentView[]>;
  /** Changes an existing experiment; `false` when there is none of that name. */
  updateExperiment(name: string, change: ExperimentChange, at: string): Promise<boolean>;

  /** Applies `change` to the run at `expectedRevision`; `false` when it moved on meanwhile. */
  updateRun(run: RunRecord, change: RunChange, at: string): Promise<boolean>;
  /** The experiment's runs as the search index holds them; with `changedSince`, only those changed after it. */
  runIndex(experiment: string, changedSince?: string): Promise<readonly RunIndexEntry[]>;

  createLoggedModel(model: LoggedModelRecord): Promise<void>;
  getLoggedModel(modelId: string): Promise<LoggedModelRecord | undefined>;
  /** Replaces the model's mutable fields, provided it still has `expected.updatedAt`; `false` otherwise. */
  updateLoggedModel(model: LoggedModelRecord, expectedUpdatedAt: string): Promise<boolean>;
  listLoggedModels(experiment: string): Promise<readonly LoggedModelRecord[]>;
}
