import type { Page, PageRequest } from '../../shared/page';
import type { ExperimentRecord, MetricSeries, RunRecord, RunStatus, StoredPoint } from './model';

/** What a batch receipt remembers, so a retried batch returns what the first call did. */
export interface BatchReceipt {
  readonly batchId: string;
  readonly fingerprint: string;
  /** The run revision the batch produced. */
  readonly revision: number;
  readonly points: number;
}

/**
 * A run's change from one batch: its new params, tags and metric summaries (whole, so the write is
 * one short expression), guarded by the revision they were computed from, plus the history items
 * it appends and its receipt.
 */
export interface RunBatch {
  readonly runId: string;
  readonly experiment: string;
  readonly expectedRevision: number;
  readonly status: RunStatus;
  readonly heartbeatAt: string;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: RunRecord['metrics'];
  readonly series: readonly MetricSeries[];
  readonly receipt?: BatchReceipt;
}

export type AppendBatchOutcome =
  | { readonly kind: 'committed' }
  /** The run changed since it was read: read it again and recompute. */
  | { readonly kind: 'stale' }
  /** The batch id was applied before (by this call's earlier attempt or a concurrent one). */
  | { readonly kind: 'already-applied' };

export interface RunEnding {
  readonly runId: string;
  readonly experiment: string;
  readonly expectedRevision: number;
  readonly status: Exclude<RunStatus, 'RUNNING'>;
  readonly endTime: string;
  readonly reason?: string;
}

/** A running run whose last heartbeat is older than the sweep's cutoff. */
export interface SilentRun {
  readonly runId: string;
  readonly heartbeatAt: string;
}

/** Experiment tracking's storage. Implemented over DynamoDB; tests use an in-memory fake. */
export interface ExperimentStore {
  /** Takes the experiment's next run number from its atomic counter, creating the experiment on its first run. */
  reserveRunNumber(experiment: string, at: string): Promise<number>;
  /** Writes a new run; `false` when a run with its id exists (a client token reused). */
  createRun(run: RunRecord, fingerprint: string): Promise<boolean>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The fingerprint of the request that created the run, for client-token replays. */
  getRunFingerprint(runId: string): Promise<string | undefined>;
  getRuns(runIds: readonly string[]): Promise<readonly RunRecord[]>;
  getBatchReceipt(runId: string, batchId: string): Promise<BatchReceipt | undefined>;
  /** Applies a batch atomically: the run's new state, its history items and its receipt, or nothing. */
  appendBatch(batch: RunBatch): Promise<AppendBatchOutcome>;
  /** Ends a run, provided it is still at `expectedRevision`; `false` when it moved on. */
  endRun(ending: RunEnding): Promise<boolean>;
  listRuns(experiment: string, status: RunStatus | undefined, page: PageRequest): Promise<Page<RunRecord>>;
  listExperiments(page: PageRequest): Promise<Page<ExperimentRecord>>;
  metricHistory(runId: string, metric: string, page: PageRequest): Promise<Page<StoredPoint>>;
  /** Running runs whose heartbeat is older than `before`, oldest first. */
  findSilentRuns(before: string, page: PageRequest): Promise<Page<SilentRun>>;
  /** How many runs are running now. */
  countRunning(): Promise<number>;
}

/** Where a run's metrics go besides the store: CloudWatch, for dashboards and alarms. */
export interface MetricPublisher {
  publish(run: Pick<RunRecord, 'runId' | 'experiment'>, series: readonly MetricSeries[]): Promise<void>;
}
