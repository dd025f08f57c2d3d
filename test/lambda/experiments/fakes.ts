import { endRun } from '../../../lambda/experiments/core/end-run';
import { logMetrics } from '../../../lambda/experiments/core/log-metrics';
import type { ExperimentRecord, MetricSeries, RunRecord, RunStatus, StoredPoint } from '../../../lambda/experiments/core/model';
import type {
  AppendBatchOutcome,
  BatchReceipt,
  ExperimentStore,
  MetricPublisher,
  RunBatch,
  RunEnding,
  SilentRun,
} from '../../../lambda/experiments/core/ports';
import { queryRuns } from '../../../lambda/experiments/core/query-runs';
import { EndRunRequest, LogMetricsRequest, QueryRunsRequest, StartRunRequest } from '../../../lambda/experiments/core/schemas';
import { startRun } from '../../../lambda/experiments/core/start-run';
import { sweepRuns } from '../../../lambda/experiments/core/sweep-runs';
import { ValidationError } from '../../../lambda/shared/errors';
import type { Page, PageRequest } from '../../../lambda/shared/page';
import { decodePageToken, encodePageToken, type PageScope } from '../../../lambda/shared/page-token';
import { parseRequest } from '../../../lambda/shared/validation';
import { FakeClock } from '../shared/fake-clock';

/**
 * In-memory fakes of the experiments core's ports. The store keeps the port's contract the way
 * `DynamoExperimentStore` does:
 * - run numbers come from an atomic per-experiment counter; the experiment is created by its first
 *   reservation, its `lastRunAt` moved by every one;
 * - a run is created only if its id is free; it is stored as the document client writes it
 *   (undefined attributes dropped) and handed out as a copy;
 * - `appendBatch` is all or nothing: a receipt already there wins (`already-applied`), then the
 *   run's revision must be the expected one (`stale`); a `RUNNING` batch revives a crashed run (end
 *   time and reason removed) and puts it back in the running index under its new heartbeat, any
 *   other leaves the run's end as it is;
 * - `endRun` is a compare-and-set on the revision; it keeps the old reason when given none, and takes
 *   the run out of the running index;
 * - history is one item per metric and batch, keyed by the revision the batch produced, read in key
 *   order and paged by (item, offset) cursors;
 * - index queries read `limit` items and filter after (a `listRuns` page filtered by status can be
 *   short or empty), return a token whenever they read `limit` items (the last page can be empty),
 *   and resume after the key they stopped at, so items that leave the index meanwhile shift nothing;
 * - every token is bound to its query: another query's token, or a forged one, is a
 *   `ValidationError` on `nextToken`;
 * - `getRuns` answers in no particular order (here: reversed) and refuses duplicate ids, as
 *   BatchGetItem does.
 * Races are scripted with `interleaveBefore`: another caller's whole request runs just before the
 * next call of an operation reads or checks anything.
 */

type Interleaved = () => Promise<unknown>;

/** Store operations a scripted race can precede. */
export type InterleavedOperation = 'getRun' | 'createRun' | 'appendBatch' | 'endRun' | 'findSilentRuns';

interface StoredRun {
  record: RunRecord;
  readonly fingerprint: string;
  /** The running index's sort key (`gsi2sk`): the heartbeat, while the run is in the index. */
  runningIndexKey?: string;
}

interface HistoryItem {
  readonly sk: string;
  readonly steps: readonly number[];
  readonly values: readonly number[];
  readonly timestamps: readonly number[];
}

/** An index entry: its position (the sort key, unique) and the record it projects. */
interface IndexEntry<T> {
  readonly position: string;
  readonly record: T;
}

const pad = (n: number) => String(n).padStart(10, '0');
const historyPrefix = (metric: string) => `M#${metric}#`;
const historyKey = (metric: string, revision: number) => `${historyPrefix(metric)}${pad(revision)}`;

/** A copy as DynamoDB would give it back: no undefined attributes, nothing shared with the caller. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const refusedToken = () => ValidationError.of('nextToken', 'is not a token returned by this query');

/**
 * One page of an index query, as DynamoDB answers it: resume after the token's position (in the
 * index's direction, whether or not that entry is still there), read `limit` entries, filter them,
 * and hand out the last position read when `limit` were read.
 */
function queryIndex<T>(
  scope: PageScope,
  request: PageRequest,
  entries: readonly IndexEntry<T>[],
  { descending = false, filter = () => true }: { readonly descending?: boolean; readonly filter?: (record: T) => boolean } = {},
): Page<T> {
  const cursor = decodePageToken(scope, request.nextToken);
  if (cursor && typeof cursor.position !== 'string') throw refusedToken();
  const sorted = [...entries].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  if (descending) sorted.reverse();
  const resumeAfter = cursor?.position as string | undefined;
  const remaining = resumeAfter === undefined ? sorted : sorted.filter((entry) => (descending ? entry.position < resumeAfter : entry.position > resumeAfter));
  const read = remaining.slice(0, request.limit);
  const lastRead = read.length === request.limit ? read[read.length - 1] : undefined;
  return {
    items: read
      .map((entry) => entry.record)
      .filter(filter)
      .map(stored),
    nextToken: encodePageToken(scope, lastRead && { position: lastRead.position }),
  };
}

export class InMemoryExperimentStore implements ExperimentStore {
  readonly experiments = new Map<string, ExperimentRecord>();
  readonly runs = new Map<string, StoredRun>();
  /** Receipts by `<runId>#<batchId>`. */
  readonly receipts = new Map<string, BatchReceipt>();
  /** History items by run, then by sort key. */
  readonly history = new Map<string, Map<string, HistoryItem>>();
  /** Every run number handed out, in order. */
  readonly reservations: Array<{ readonly experiment: string; readonly runNumber: number }> = [];
  /** Every `appendBatch` outcome, in order (a call that throws has none). */
  readonly appendOutcomes: AppendBatchOutcome[] = [];
  /** Every `endRun` call and whether it ended the run. */
  readonly endings: Array<RunEnding & { readonly ended: boolean }> = [];

  private readonly interleaved = new Map<InterleavedOperation, Interleaved[]>();
  private appendAlwaysStale = false;

  /** Runs `concurrent` (another caller's whole request) just before the next `operation` reads or checks anything. */
  interleaveBefore(operation: InterleavedOperation, concurrent: Interleaved): this {
    this.interleaved.set(operation, [...(this.interleaved.get(operation) ?? []), concurrent]);
    return this;
  }

  /** Every `appendBatch` reports `stale`: the run is under contention that never ends. */
  reportAppendStaleForever(): this {
    this.appendAlwaysStale = true;
    return this;
  }

  /** All points stored for a run's metric, in key order (what paging `metricHistory` must add up to). */
  allPoints(runId: string, metric: string): StoredPoint[] {
    return this.historyItems(runId, metric).flatMap((item) =>
      item.steps.map((step, index) => ({ step, value: item.values[index], timestamp: item.timestamps[index] })),
    );
  }

  async reserveRunNumber(experiment: string, at: string): Promise<number> {
    // No await between the read and the write: as atomic as DynamoDB's ADD.
    const existing = this.experiments.get(experiment);
    const record: ExperimentRecord = { name: experiment, createdAt: existing?.createdAt ?? at, lastRunAt: at, runCount: (existing?.runCount ?? 0) + 1 };
    this.experiments.set(experiment, record);
    this.reservations.push({ experiment, runNumber: record.runCount });
    return record.runCount;
  }

  async createRun(run: RunRecord, fingerprint: string): Promise<boolean> {
    await this.runInterleaved('createRun');
    if (this.runs.has(run.runId)) return false;
    this.runs.set(run.runId, { record: stored(run), fingerprint, runningIndexKey: run.heartbeatAt });
    return true;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    await this.runInterleaved('getRun');
    const run = this.runs.get(runId);
    return run && stored(run.record);
  }

  async getRunFingerprint(runId: string): Promise<string | undefined> {
    return this.runs.get(runId)?.fingerprint;
  }

  async getRuns(runIds: readonly string[]): Promise<readonly RunRecord[]> {
    if (new Set(runIds).size !== runIds.length) throw new Error('ValidationException: Provided list of item keys contains duplicates');
    return runIds.flatMap((runId) => (this.runs.has(runId) ? [stored(this.runs.get(runId)!.record)] : [])).reverse();
  }

  async getBatchReceipt(runId: string, batchId: string): Promise<BatchReceipt | undefined> {
    const receipt = this.receipts.get(`${runId}#${batchId}`);
    return receipt && stored(receipt);
  }

  async appendBatch(batch: RunBatch): Promise<AppendBatchOutcome> {
    await this.runInterleaved('appendBatch');
    const outcome = this.tryAppend(batch);
    this.appendOutcomes.push(outcome);
    return outcome;
  }

  private tryAppend(batch: RunBatch): AppendBatchOutcome {
    const { runId, expectedRevision, receipt } = batch;
    if (this.appendAlwaysStale) return { kind: 'stale' };
    if (receipt && this.receipts.has(`${runId}#${receipt.batchId}`)) return { kind: 'already-applied' };
    const run = this.runs.get(runId);
    if (!run || run.record.revision !== expectedRevision) return { kind: 'stale' };

    const revision = expectedRevision + 1;
    // A running batch revives a crashed run; one on a finished run (MLflow's client logs to those) leaves it ended.
    const running = batch.status === 'RUNNING';
    const { endTime: _endTime, reason: _reason, ...kept } = run.record;
    run.record = stored({
      ...(running ? kept : run.record),
      status: batch.status,
      heartbeatAt: batch.heartbeatAt,
      params: batch.params,
      tags: batch.tags,
      metrics: batch.metrics,
      revision,
    });
    if (running) run.runningIndexKey = batch.heartbeatAt;
    if (receipt) this.receipts.set(`${runId}#${receipt.batchId}`, stored(receipt));
    const items = this.history.get(runId) ?? new Map<string, HistoryItem>();
    for (const { name, points } of batch.series) {
      const sk = historyKey(name, revision);
      items.set(sk, stored({ sk, steps: points.map((p) => p.step), values: points.map((p) => p.value), timestamps: points.map((p) => p.timestamp) }));
    }
    this.history.set(runId, items);
    return { kind: 'committed' };
  }

  async endRun(ending: RunEnding): Promise<boolean> {
    await this.runInterleaved('endRun');
    const run = this.runs.get(ending.runId);
    const ended = run !== undefined && run.record.revision === ending.expectedRevision;
    if (ended) {
      run.record = stored({
        ...run.record,
        status: ending.status,
        endTime: ending.endTime,
        revision: ending.expectedRevision + 1,
        ...(ending.reason === undefined ? {} : { reason: ending.reason }),
      });
      run.runningIndexKey = undefined;
    }
    this.endings.push({ ...ending, ended });
    return ended;
  }

  async listRuns(experiment: string, status: RunStatus | undefined, page: PageRequest): Promise<Page<RunRecord>> {
    const entries = [...this.runs.values()]
      .filter(({ record }) => record.experiment === experiment)
      .map(({ record }) => ({ position: `${record.startTime}#${record.runId}`, record }));
    // Newest first; the status is a filter, applied to the `limit` items read.
    return queryIndex(['runs', experiment, status ?? null], page, entries, {
      descending: true,
      filter: (run) => status === undefined || run.status === status,
    });
  }

  async listExperiments(page: PageRequest): Promise<Page<ExperimentRecord>> {
    const entries = [...this.experiments.values()].map((record) => ({ position: record.name, record }));
    return queryIndex(['experiments'], page, entries);
  }

  async metricHistory(runId: string, metric: string, page: PageRequest): Promise<Page<StoredPoint>> {
    const scope = ['history', runId, metric];
    const cursor = decodePageToken(scope, page.nextToken);
    const prefix = historyPrefix(metric);
    if (cursor && (typeof cursor.sk !== 'string' || !cursor.sk.startsWith(prefix) || !Number.isInteger(cursor.offset) || (cursor.offset as number) < 0)) {
      throw refusedToken();
    }
    const items = this.historyItems(runId, metric).filter((item) => cursor === undefined || item.sk >= (cursor.sk as string));
    const points: StoredPoint[] = [];
    let offset = (cursor?.offset as number | undefined) ?? 0;
    for (const [index, item] of items.entries()) {
      const take = Math.max(0, Math.min(item.steps.length - offset, page.limit - points.length));
      for (let at = offset; at < offset + take; at++) points.push({ step: item.steps[at], value: item.values[at], timestamp: item.timestamps[at] });
      if (points.length === page.limit) {
        const resume = offset + take;
        // A page that ends exactly at the end of the history has no next page.
        if (resume >= item.steps.length && index === items.length - 1) return { items: points };
        return { items: points, nextToken: encodePageToken(scope, { sk: item.sk, offset: resume }) };
      }
      offset = 0;
    }
    return { items: points };
  }

  async findSilentRuns(before: string, page: PageRequest): Promise<Page<SilentRun>> {
    await this.runInterleaved('findSilentRuns');
    const entries = [...this.runs.values()]
      .filter((run): run is StoredRun & { runningIndexKey: string } => run.runningIndexKey !== undefined && run.runningIndexKey < before)
      .map((run) => ({ position: `${run.runningIndexKey}#${run.record.runId}`, record: { runId: run.record.runId, heartbeatAt: run.runningIndexKey } }));
    return queryIndex(['silent', before], page, entries);
  }

  async countRunning(): Promise<number> {
    return [...this.runs.values()].filter((run) => run.runningIndexKey !== undefined).length;
  }

  private historyItems(runId: string, metric: string): HistoryItem[] {
    const prefix = historyPrefix(metric);
    return [...(this.history.get(runId)?.values() ?? [])].filter((item) => item.sk.startsWith(prefix)).sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
  }

  private async runInterleaved(operation: InterleavedOperation): Promise<void> {
    const concurrent = this.interleaved.get(operation)?.shift();
    if (concurrent) await concurrent();
  }
}

/** Records what reaches CloudWatch; can be told to refuse, as CloudWatch does when throttling. */
export class RecordingMetricPublisher implements MetricPublisher {
  readonly published: Array<{ readonly run: Pick<RunRecord, 'runId' | 'experiment'>; readonly series: readonly MetricSeries[] }> = [];
  /** Every call, refused or not. */
  attempts = 0;
  private readonly failures: unknown[] = [];
  private failure: unknown;

  /** The next publish throws `error`. */
  failNext(error: unknown = new Error('injected failure: CloudWatch refused the data')): this {
    this.failures.push(error);
    return this;
  }

  /** Every publish throws `error` from now on. */
  failAlways(error: unknown = new Error('injected failure: CloudWatch is unavailable')): this {
    this.failure = error;
    return this;
  }

  async publish(run: Pick<RunRecord, 'runId' | 'experiment'>, series: readonly MetricSeries[]): Promise<void> {
    this.attempts++;
    const failure = this.failures.shift() ?? this.failure;
    if (failure !== undefined) throw failure;
    this.published.push({ run: { runId: run.runId, experiment: run.experiment }, series: stored(series) });
  }
}

/** The sweep's crash threshold in the fake wiring: 15 minutes. */
export const FAKE_CRASH_AFTER_MS = 15 * 60_000;

/**
 * Experiment tracking on the fakes: each use case takes a request as a handler gets it, parsed by
 * its schema (defaults filled), and runs on the in-memory store, the recording publisher and a
 * FakeClock (backoff takes no real time). CloudWatch refusals reported to the use case are kept in
 * `publishFailures`.
 */
export function fakeTracking(options: { readonly crashAfterMs?: number } = {}) {
  const store = new InMemoryExperimentStore();
  const publisher = new RecordingMetricPublisher();
  const clock = new FakeClock();
  const publishFailures: unknown[] = [];
  const crashAfterMs = options.crashAfterMs ?? FAKE_CRASH_AFTER_MS;
  const start = startRun({ store, clock });
  const log = logMetrics({ store, publisher, clock, onPublishFailure: (error) => publishFailures.push(error) });
  const end = endRun({ store, clock });
  const sweep = sweepRuns({ store, clock, crashAfterMs });
  const query = queryRuns(store);
  return {
    store,
    publisher,
    clock,
    publishFailures,
    crashAfterMs,
    startRun: (request: StartRunRequest) => start(parseRequest(StartRunRequest, request)),
    logMetrics: (request: LogMetricsRequest) => log(parseRequest(LogMetricsRequest, request)),
    endRun: (request: EndRunRequest) => end(parseRequest(EndRunRequest, request)),
    sweepRuns: () => sweep(),
    queryRuns: (request: QueryRunsRequest) => query(parseRequest(QueryRunsRequest, request)),
  };
}
