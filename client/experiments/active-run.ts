import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { type EndStatus, type RunRecord, TERMINAL_STATUSES } from '../../lambda/experiments/core/model';
import { EndRunRequest, LogMetricsRequest, MAX_METRICS_PER_BATCH, MAX_POINTS_PER_BATCH, MetricPoint } from '../../lambda/experiments/core/schemas';
import { type FieldIssue, ValidationError as RefusedRequestError } from '../../lambda/shared/errors';
import { MetricValue } from '../../lambda/shared/schema-fields';
import { parseRequest } from '../../lambda/shared/validation';
import { ConfigurationError, ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { validate } from '../shared/validation';
import type { TrackingClient } from './experiments-client';

export interface ActiveRunOptions {
  /** Flush when this many points are buffered. @default 1000 */
  readonly flushPoints?: number;
  /** Flush buffered points at least this often: no point waits longer before it is sent. @default 5000 */
  readonly flushIntervalMs?: number;
  /** Send a heartbeat (an empty `LogMetrics`) when nothing was sent for this long. @default 30000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * Told when a background flush or heartbeat fails. After a transient failure the points stay
   * buffered and are sent again with the next flush; a batch the function refuses (validation,
   * conflict, missing run) is dropped, since sending it again cannot succeed.
   * @default - a process warning
   */
  readonly onError?: (error: Error) => void;
}

/** The calls an active run makes; `TrackingClient` provides them. */
export type RunTransport = Pick<TrackingClient, 'logMetrics' | 'endRun'>;

interface BufferedPoint {
  readonly name: string;
  readonly value: number;
  readonly step: number;
  readonly timestamp: number;
}

/** A `LogMetricsRequest` as sealed: never changed after, so a resend is the same batch. */
interface Batch {
  readonly runId: string;
  readonly batchId: string;
  readonly metrics: BufferedPoint[];
  readonly params?: Record<string, string>;
  readonly tags?: Record<string, string>;
}

function validationError(issues: readonly FieldIssue[]): ValidationError {
  const { message } = new RefusedRequestError(issues);
  return new ValidationError(message, issues);
}

/** The function's definite answers: sending the same batch again gets the same one. */
const isRefusal = (error: unknown) => error instanceof ValidationError || error instanceof NotFoundError || error instanceof ConflictError;

const isEmpty = (record: object) => Object.keys(record).length === 0;

function positiveWholeNumber(name: keyof ActiveRunOptions, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`${name} must be a positive whole number, got ${value}`);
  return value;
}

/** Splits points, in order, into groups within the batch limits: points per batch and distinct names per batch. */
function splitIntoBatches(points: readonly BufferedPoint[]): BufferedPoint[][] {
  const groups: BufferedPoint[][] = [];
  let current: BufferedPoint[] = [];
  let names = new Set<string>();
  for (const point of points) {
    if (current.length === MAX_POINTS_PER_BATCH || (!names.has(point.name) && names.size === MAX_METRICS_PER_BATCH)) {
      groups.push(current);
      current = [];
      names = new Set();
    }
    current.push(point);
    names.add(point.name);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * A run this process logs to. `log`, `logParams` and `setTags` only buffer, so a training loop
 * never waits on the network; batches go out in the background when enough points are buffered or
 * the flush interval passes, one at a time and in order. Each batch has its own batch id, kept when
 * it is sent again, so a retry never stores a point twice. While nothing is sent, a heartbeat every
 * `heartbeatIntervalMs` keeps the sweep from declaring the run crashed. The timers never keep the
 * process alive: call `end` (or `flush`) before exiting.
 */
export class ActiveRun {
  readonly runId: string;
  /** The run as started or attached; not updated as batches are applied. */
  readonly run: RunRecord;

  private readonly flushPoints: number;
  private readonly flushIntervalMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly onError: (error: Error) => void;
  private readonly batchPrefix = randomBytes(4).toString('hex');
  private batchSequence = 0;

  private points: BufferedPoint[] = [];
  private params: Record<string, string> = {};
  private tags: Record<string, string> = {};
  /** Sealed batches not yet stored, oldest first; a batch keeps its content and id until it is. */
  private readonly batches: Batch[] = [];
  /** Points logged per metric, the run's earlier points included: the default step. */
  private readonly pointCounts = new Map<string, number>();
  /** Params the run has or will have: they are write-once. */
  private readonly knownParams: Map<string, string>;

  /** Every call to LogMetrics goes through this chain: one in flight at a time. */
  private sendChain: Promise<void> = Promise.resolve();
  private sending = 0;
  private backgroundFlush?: Promise<void>;
  private flushTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private ended = false;

  /** Use `TrackingClient.startRun` or `TrackingClient.attachRun`. */
  constructor(
    private readonly transport: RunTransport,
    run: RunRecord,
    options: ActiveRunOptions = {},
  ) {
    if (TERMINAL_STATUSES.has(run.status)) throw new ConflictError(`run ${run.runId} is ${run.status}; it takes no more metrics`);
    this.run = run;
    this.runId = run.runId;
    this.flushPoints = positiveWholeNumber('flushPoints', options.flushPoints, MAX_POINTS_PER_BATCH);
    this.flushIntervalMs = positiveWholeNumber('flushIntervalMs', options.flushIntervalMs, 5000);
    this.heartbeatIntervalMs = positiveWholeNumber('heartbeatIntervalMs', options.heartbeatIntervalMs, 30_000);
    this.onError = options.onError ?? ((error) => process.emitWarning(`experiment tracking, run ${this.runId}: ${error.message}`, { code: 'MLOPS_TRACKING' }));
    for (const [name, summary] of Object.entries(run.metrics)) this.pointCounts.set(name, summary.count);
    this.knownParams = new Map(Object.entries(run.params));
    this.scheduleHeartbeat();
  }

  /**
   * Buffers one point per metric, all at `step` and `timestamp`. Without a step, each metric's point
   * takes the number of points logged for that metric so far (0, 1, 2, ...), so a loop that logs
   * once per iteration charts as expected. Without a timestamp, it is now. A value that is not a
   * finite number, or a bad name, step or timestamp, fails here and buffers nothing.
   */
  log(metrics: Record<string, number>, step?: number, timestamp?: number): void {
    this.requireOpen();
    const at = timestamp ?? Date.now();
    const points: BufferedPoint[] = [];
    const issues = new Map<string, FieldIssue>();
    for (const [name, value] of Object.entries(metrics)) {
      const point = { name, value, step: step ?? this.pointCounts.get(name) ?? 0, timestamp: at };
      for (const issue of pointIssues(point)) issues.set(`${issue.path}\n${issue.message}`, issue);
      points.push(point);
    }
    if (issues.size > 0) throw validationError([...issues.values()]);
    if (points.length === 0) return;
    for (const { name } of points) this.pointCounts.set(name, (this.pointCounts.get(name) ?? 0) + 1);
    this.points.push(...points);
    this.afterBuffered();
  }

  /** Buffers params for the next batch. Params are write-once: a different value for one the run has fails here. */
  logParams(params: Record<string, string>): void {
    this.requireOpen();
    const merged = { ...this.params, ...params };
    validate(LogMetricsRequest, { runId: this.runId, params: merged });
    const conflicts = Object.entries(params)
      .filter(([key, value]) => this.knownParams.has(key) && this.knownParams.get(key) !== value)
      .map(([key, value]) => `params.${key}: is "${this.knownParams.get(key)}" already, not "${value}" (params are write-once)`);
    if (conflicts.length > 0) throw new ConflictError(conflicts.join('; '));
    for (const [key, value] of Object.entries(params)) this.knownParams.set(key, value);
    this.params = merged;
    this.afterBuffered();
  }

  /** Buffers tags for the next batch; a tag set again takes the new value. */
  setTags(tags: Record<string, string>): void {
    this.requireOpen();
    const merged = { ...this.tags, ...tags };
    validate(LogMetricsRequest, { runId: this.runId, tags: merged });
    this.tags = merged;
    this.afterBuffered();
  }

  /**
   * Sends everything buffered, in batches within the function's limits, and resolves once all are
   * stored. On failure the unsent batches stay queued (a refused one is dropped) and the error is
   * thrown; the next flush sends them again with the same batch ids.
   */
  async flush(): Promise<void> {
    this.clearFlushTimer();
    this.seal();
    try {
      await this.serially(() => this.sendBatches());
    } finally {
      if (this.hasUnsent()) this.armFlushTimer();
    }
  }

  /**
   * Ends the run: stops the timers, sends what is buffered, then ends it with `status`. If the
   * final flush fails the run is not ended and the error is thrown: call `end` again to retry.
   */
  async end(status: EndStatus = 'COMPLETED', reason?: string): Promise<RunRecord> {
    const request = validate(EndRunRequest, { runId: this.runId, status, reason });
    this.ended = true;
    this.clearFlushTimer();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    await this.flush();
    return this.transport.endRun(request);
  }

  private requireOpen(): void {
    if (this.ended) throw new ConflictError(`run ${this.runId} was ended; it takes no more metrics, params or tags`);
  }

  private hasUnsent(): boolean {
    return this.batches.length > 0 || this.points.length > 0 || !isEmpty(this.params) || !isEmpty(this.tags);
  }

  private afterBuffered(): void {
    if (this.points.length >= this.flushPoints) this.startBackgroundFlush();
    else this.armFlushTimer();
  }

  /** Moves the buffer into batches; params and tags ride with the first. */
  private seal(): void {
    if (this.points.length === 0 && isEmpty(this.params) && isEmpty(this.tags)) return;
    const groups = splitIntoBatches(this.points);
    if (groups.length === 0) groups.push([]);
    groups.forEach((metrics, index) => {
      const first = index === 0;
      this.batches.push({
        runId: this.runId,
        batchId: `${this.batchPrefix}-${++this.batchSequence}`,
        metrics,
        ...(first && !isEmpty(this.params) ? { params: this.params } : {}),
        ...(first && !isEmpty(this.tags) ? { tags: this.tags } : {}),
      });
    });
    this.points = [];
    this.params = {};
    this.tags = {};
  }

  /** Runs `task` after every call to LogMetrics before it has settled. */
  private serially(task: () => Promise<void>): Promise<void> {
    const result = this.sendChain.then(async () => {
      this.sending++;
      try {
        await task();
      } finally {
        this.sending--;
      }
    });
    this.sendChain = result.catch(() => undefined);
    return result;
  }

  private async sendBatches(): Promise<void> {
    while (this.batches.length > 0) {
      try {
        await this.transport.logMetrics(this.batches[0]);
        this.batches.shift();
      } catch (error) {
        // A refusal would be repeated: drop the batch so it cannot hold back the ones after it.
        if (isRefusal(error)) this.batches.shift();
        throw error;
      } finally {
        this.scheduleHeartbeat();
      }
    }
  }

  private startBackgroundFlush(): void {
    if (this.backgroundFlush || this.ended) return;
    this.backgroundFlush = this.flush().then(
      () => {
        this.backgroundFlush = undefined;
        if (this.points.length >= this.flushPoints) this.startBackgroundFlush();
      },
      (error: unknown) => {
        this.backgroundFlush = undefined;
        this.report(error);
      },
    );
  }

  private armFlushTimer(): void {
    if (this.flushTimer || this.ended) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.startBackgroundFlush();
    }, this.flushIntervalMs);
    this.flushTimer.unref();
  }

  private clearFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** (Re)starts the wait for the next heartbeat: called at the start and after every call to LogMetrics. */
  private scheduleHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.ended) return;
    this.heartbeatTimer = setTimeout(() => this.beat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private beat(): void {
    this.heartbeatTimer = undefined;
    // A call under way reschedules the heartbeat when it settles.
    if (this.ended || this.sending > 0 || this.backgroundFlush) return;
    if (this.hasUnsent()) {
      this.startBackgroundFlush();
      return;
    }
    this.serially(async () => {
      await this.transport.logMetrics({ runId: this.runId });
      this.scheduleHeartbeat();
    }).catch((error: unknown) => {
      // A run ended elsewhere (or gone) refuses every heartbeat: say so once and stop beating.
      if (!isRefusal(error)) this.scheduleHeartbeat();
      this.report(error);
    });
  }

  private report(error: unknown): void {
    this.onError(error instanceof Error ? error : new Error(String(error)));
  }
}

/** What is wrong with a point, named as `metrics.<name>` (its name or value) or `step` / `timestamp`. */
function pointIssues(point: BufferedPoint): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const value: unknown = point.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.push({ path: `metrics.${point.name}`, message: `must be a finite number, got ${String(value)}` });
  } else {
    // The server's contract (a number DynamoDB stores unchanged): a point outside it would fail its whole batch there.
    const storable = z.safeParse(MetricValue, value).error?.issues[0];
    if (storable) issues.push({ path: `metrics.${point.name}`, message: `${storable.message}, got ${value}` });
  }
  try {
    parseRequest(MetricPoint, { ...point, value: 0 });
  } catch (error) {
    if (!(error instanceof RefusedRequestError)) throw error;
    for (const issue of error.issues) issues.push({ path: issue.path === 'name' ? `metrics.${point.name}` : issue.path, message: issue.message });
  }
  return issues;
}
