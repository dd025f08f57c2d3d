/** Experiment tracking's records, as the use cases and callers see them (storage keys live in the adapter). */

export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'KILLED' | 'CRASHED';
export type EndStatus = 'COMPLETED' | 'FAILED' | 'KILLED';

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['COMPLETED', 'FAILED', 'KILLED']);

/** What a run's metric did, kept up to date with every batch so lists and comparisons read no history. */
export interface MetricSummary {
  readonly last: number;
  readonly lastStep: number;
  readonly lastTimestamp: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

export interface RunRecord {
  readonly runId: string;
  readonly experiment: string;
  readonly runName: string;
  /** The run's place in its experiment: 1, 2, 3, ... */
  readonly runNumber: number;
  readonly status: RunStatus;
  readonly startTime: string;
  readonly endTime?: string;
  /** The last sign of life: the start, a batch or a heartbeat. */
  readonly heartbeatAt: string;
  readonly createdBy?: string;
  readonly description?: string;
  readonly gitCommit?: string;
  readonly command?: string;
  /** Why the run failed, was killed or was declared crashed. */
  readonly reason?: string;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, MetricSummary>>;
  /** Counts the run's changes (batches, status moves); writes are conditioned on it. */
  readonly revision: number;
  /** Model versions registered from this run, as `name:version`. */
  readonly registeredVersions: readonly string[];
  /** `deleted` once deleted through MLflow's API (restorable); absent means active. */
  readonly lifecycleStage?: LifecycleStage;
  /** Set on runs created through MLflow's API: they send no heartbeat (see the sweep). */
  readonly origin?: 'mlflow';
  /** The data sets and logged models the run consumed (MLflow's `log-inputs`). */
  readonly inputs?: RunInputs;
  /** The logged models the run produced (MLflow's `log-outputs`), with the step each was logged at. */
  readonly outputs?: readonly { readonly modelId: string; readonly step: number }[];
}

export type LifecycleStage = 'active' | 'deleted';

/** A data set a run used, as MLflow describes one; `tags` says how (`mlflow.data.context`: training, eval, ...). */
export interface DatasetInput {
  readonly dataset: {
    readonly name: string;
    readonly digest: string;
    readonly sourceType: string;
    readonly source: string;
    readonly schema?: string;
    readonly profile?: string;
  };
  readonly tags: Readonly<Record<string, string>>;
}

export interface RunInputs {
  readonly datasets: readonly DatasetInput[];
  readonly models: readonly { readonly modelId: string }[];
}

export interface ExperimentRecord {
  readonly name: string;
  readonly createdAt: string;
  readonly lastRunAt: string;
  readonly runCount: number;
  /** `deleted` once deleted through MLflow's API (restorable); absent means active. */
  readonly lifecycleStage?: LifecycleStage;
  readonly tags?: Readonly<Record<string, string>>;
  /** The last change to the experiment itself (tags, lifecycle); its creation until then. */
  readonly updatedAt?: string;
}

/** One logged value, as stored and returned. */
export interface StoredPoint {
  readonly step: number;
  readonly value: number;
  readonly timestamp: number;
}

/** The points one batch logged for one metric, in the order given. */
export interface MetricSeries {
  readonly name: string;
  readonly points: readonly StoredPoint[];
}
