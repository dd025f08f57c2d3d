import type { LifecycleStage, RunStatus } from '../../experiments/core/model';

/** MLflow's view of the platform's records: what its API reads and writes beyond the capabilities' own. */

export interface ExperimentView {
  readonly experimentId: string;
  readonly name: string;
  readonly lifecycleStage: LifecycleStage;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Whether its id can be looked up (experiments made by `mlops run start` have it recorded on first sight). */
  readonly idRecorded: boolean;
}

/** A run as the search index holds it: enough to filter and order by, without reading the run. */
export interface RunIndexEntry {
  readonly runId: string;
  readonly experiment: string;
  readonly runName: string;
  readonly status: RunStatus;
  readonly startTime: string;
  readonly endTime?: string;
  readonly createdBy?: string;
  readonly lifecycleStage: LifecycleStage;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** Each metric's latest point: `[value, step, timestamp]`. */
  readonly metrics: Readonly<Record<string, readonly [number, number, number]>>;
  readonly datasets: readonly { readonly name: string; readonly digest: string; readonly context?: string }[];
  /** When the run last changed, as the index orders it. */
  readonly changedAt: string;
}

export type LoggedModelStatus = 'PENDING' | 'READY' | 'FAILED';

/** A metric linked to a logged model: its latest value per key (and data set), as logged by a run. */
export interface LoggedModelMetric {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  readonly timestamp: number;
  readonly runId?: string;
  readonly datasetName?: string;
  readonly datasetDigest?: string;
}

/** An MLflow 3 logged model: a model's artifacts and metadata, before and apart from any registration. */
export interface LoggedModelRecord {
  readonly modelId: string;
  readonly experiment: string;
  readonly name: string;
  readonly modelType?: string;
  readonly sourceRunId?: string;
  readonly status: LoggedModelStatus;
  readonly statusMessage?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy?: string;
  readonly lifecycleStage: LifecycleStage;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: readonly LoggedModelMetric[];
}
