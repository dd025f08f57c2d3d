import type { DeploymentRecord } from '../../deployments/core/model';
import type { Page, PageRequest } from '../../shared/page';
import type { Config } from './check-drift';
import type { BaselineRecord, CheckRecord } from './model';
import type { BaselineProfile } from './profile/baseline-profile';
import type { WindowWire } from './profile/window-wire';
import type { DriftCheckReport } from './report/drift-check-report';
import type { StoredMonitor } from './stored-monitor';

/** A capture file: an object of JSON Lines in SageMaker's data capture format. */
export interface CaptureObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
}

/** Reads capture files wherever the monitor's capture destination is. */
export interface CaptureStore {
  /** Capture files under `prefix` in the hour folders that overlap `[start, end)`; undefined when there is no such bucket. */
  list(location: { readonly bucket: string; readonly prefix: string }, start: number, end: number): Promise<CaptureObject[] | undefined>;
  /** A capture file's text; undefined when there is no such object (or bucket). */
  read(object: { readonly bucket: string; readonly key: string }): Promise<string | undefined>;
  /** Writes a capture file (`CollectData`) unless one is there already: false when it was. */
  create(key: string, body: string): Promise<boolean>;
}

/** What a fanned-out check writes between its steps. */
export interface CheckPlan {
  readonly version: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly objects: number;
  readonly bytes: number;
  readonly chunks: number;
}

export interface ChunkResult {
  readonly sketch: WindowWire;
  readonly tally: { readonly records: number; readonly outsideWindow: number; readonly unreadable: number };
}

/** The monitoring bucket: baselines, reports, and the work of fanned-out checks. */
export interface MonitoringObjects {
  getBaseline(model: string, version: number): Promise<BaselineProfile | undefined>;
  /** Stores the version's profile and returns its URI; undefined, storing nothing, when it has one and `replace` is false (decided by S3, atomically). */
  putBaseline(model: string, version: number, profile: BaselineProfile, replace: boolean): Promise<string | undefined>;
  putCheckPlan(monitor: string, checkId: string, plan: CheckPlan, chunks: readonly unknown[]): Promise<string>;
  getCheckPlan(monitor: string, checkId: string): Promise<CheckPlan | undefined>;
  putChunkResult(monitor: string, checkId: string, index: number, result: ChunkResult): Promise<void>;
  /** The sketches written of chunks `0` to `chunks - 1`; those an earlier run of the check left beyond them are not its own. */
  listChunkResults(monitor: string, checkId: string, chunks: number): Promise<ChunkResult[]>;
  putReport(report: DriftCheckReport, html: string): Promise<{ readonly json: string; readonly html: string }>;
  getReport(monitor: string, checkId: string): Promise<DriftCheckReport | undefined>;
}

/** The monitoring table: checks, each monitor's latest, baseline links and the retrain gate. */
export interface MonitoringStore {
  /** Stores a check and makes it its monitor's latest unless a later window's check is. */
  recordCheck(record: CheckRecord): Promise<void>;
  getCheck(monitor: string, checkId: string): Promise<CheckRecord | undefined>;
  latestCheck(monitor: string): Promise<CheckRecord | undefined>;
  listChecks(monitor: string, page: PageRequest): Promise<Page<CheckRecord>>;
  listMonitors(): Promise<readonly CheckRecord[]>;
  putBaseline(record: BaselineRecord): Promise<void>;
  getBaseline(model: string, version: number): Promise<BaselineRecord | undefined>;
  /** Opens the retrain gate unless it opened less than `cooldownMs` before `at` (at `at` itself, a retry, it opens again); true when it did. */
  openRetrainGate(monitor: string, at: string, cooldownMs: number): Promise<boolean>;
}

/** Which model version an alias points at (the registry). */
export interface ModelVersions {
  exists(model: string, version: number): Promise<boolean>;
  aliasVersion(model: string, alias: string): Promise<number | undefined>;
}

export interface DriftMetrics {
  publish(record: CheckRecord, report: DriftCheckReport | undefined): Promise<void>;
}

export interface MonitoringEvents {
  driftDetected(record: CheckRecord): Promise<void>;
  retrainRequested(detail: { readonly monitor: string; readonly model: string; readonly alarmTime: string }): Promise<void>;
}

/** The monitors the platform stores, each with its schedule. */
export interface StoredMonitors {
  getMonitor(name: string): Promise<StoredMonitor | undefined>;
  /** Stores it unless one of its name is stored and `replace` is false: false then, storing nothing. */
  putMonitor(monitor: StoredMonitor, replace: boolean): Promise<boolean>;
  /** Deletes it and returns what it held; undefined when there was none. */
  deleteMonitor(name: string): Promise<StoredMonitor | undefined>;
  listStoredMonitors(): Promise<readonly StoredMonitor[]>;
  /** Moves its next check from `expected` to `next`; false when another run moved it first. */
  advanceSchedule(name: string, expected: string, next: string): Promise<boolean>;
}

/** Starts a drift check of a window: the state machine that checks it, at most once per monitor and window end. */
export interface DriftCheckStarter {
  start(config: Config, windowEnd: string): Promise<void>;
}

/** The deployments table, read for the deployment a monitor checks. */
export interface DeploymentsView {
  getDeployment(name: string): Promise<DeploymentRecord | undefined>;
}
