import { randomUUID } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { LogMetricsResult } from '../../lambda/experiments/core/log-metrics';
import type { ExperimentRecord, RunRecord, RunStatus, StoredPoint } from '../../lambda/experiments/core/model';
import type { MetricHistoryPage } from '../../lambda/experiments/core/query-runs';
import { EndRunRequest, LogMetricsRequest, MAX_HISTORY_PAGE, QueryRunsRequest, StartRunRequest, SweepRunsRequest } from '../../lambda/experiments/core/schemas';
import type { SweepRunsResult } from '../../lambda/experiments/core/sweep-runs';
import type { Page } from '../../lambda/shared/page';
import type { FunctionNames } from '../shared/catalogue';
import { ConfigurationError } from '../shared/errors';
import { invokeFunction } from '../shared/function-invoker';
import { allItems } from '../shared/pagination';
import { type RetryOptions, retryTransient } from '../shared/retry';
import { validate } from '../shared/validation';
import { ActiveRun, type ActiveRunOptions } from './active-run';

export type TrackingFunctionNames = FunctionNames<'experiments'>;

export interface TrackingClientOptions {
  readonly functions: TrackingFunctionNames;
  /** @default - a client for the default region */
  readonly lambda?: LambdaClient;
  /** Retries of reads, starts, ends and batches that carry a batch id. @default - 4 attempts, jittered back-off */
  readonly retry?: RetryOptions;
}

export interface ListRunsOptions {
  /** Only the runs in this status. @default - every status */
  readonly status?: RunStatus;
  /** Runs per page, 1 to 100. @default 25 */
  readonly limit?: number;
  readonly nextToken?: string;
}

export interface ListExperimentsOptions {
  /** Experiments per page, 1 to 100. @default 25 */
  readonly limit?: number;
  readonly nextToken?: string;
}

/** The most runs one `getRuns` query takes; longer lists are asked in chunks. */
const RUNS_PER_QUERY = 100;
/** Page size when iterating: the most a list query returns. */
const ITERATION_PAGE = 100;

/**
 * Calls the experiment-tracking functions: validates requests locally, invokes, and types the
 * answers and errors. `startRun` returns an `ActiveRun` that buffers metrics and sends them in
 * batches; the other methods are single calls.
 */
export class TrackingClient {
  private readonly lambda: LambdaClient;

  constructor(private readonly options: TrackingClientOptions) {
    this.lambda = options.lambda ?? new LambdaClient({});
  }

  /**
   * Starts a run and returns it ready to log. A client token is generated when none is given, so
   * retries after throttling or a lost answer return the same run instead of starting a second.
   */
  async startRun(request: StartRunRequest, options: ActiveRunOptions = {}): Promise<ActiveRun> {
    const command = validate(StartRunRequest, { ...request, clientToken: request.clientToken ?? randomUUID() });
    const functionName = this.functionName('startRun');
    const run = await retryTransient(() => invokeFunction<RunRecord>(this.lambda, functionName, command), this.options.retry);
    return new ActiveRun(this, run, options);
  }

  /** Wraps a run started elsewhere (`mlops run exec` passes its id as `MLOPS_RUN_ID`) to log to it. */
  attachRun(run: RunRecord, options: ActiveRunOptions = {}): ActiveRun {
    return new ActiveRun(this, run, options);
  }

  /**
   * Sends one batch as given. Retried after transient failures only when it has a batch id: the
   * function applies a batch id once, so a retry cannot store the points twice.
   */
  async logMetrics(request: LogMetricsRequest): Promise<LogMetricsResult> {
    const command = validate(LogMetricsRequest, request);
    const functionName = this.functionName('logMetrics');
    const invoke = () => invokeFunction<LogMetricsResult>(this.lambda, functionName, command);
    return command.batchId ? retryTransient(invoke, this.options.retry) : invoke();
  }

  /** Ends a run. Safe to retry: ending a run again with the same status returns it unchanged. */
  async endRun(request: EndRunRequest): Promise<RunRecord> {
    const command = validate(EndRunRequest, request);
    const functionName = this.functionName('endRun');
    return retryTransient(() => invokeFunction<RunRecord>(this.lambda, functionName, command), this.options.retry);
  }

  getRun(runId: string): Promise<RunRecord> {
    return this.query({ query: 'getRun', runId });
  }

  /** Several runs, in the order given (for side-by-side comparisons); fails if any is missing. */
  async getRuns(runIds: readonly string[]): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    for (let start = 0; start < runIds.length; start += RUNS_PER_QUERY) {
      const chunk = runIds.slice(start, start + RUNS_PER_QUERY);
      const answer = await this.query<{ runs: readonly RunRecord[] }>({ query: 'getRuns', runIds: chunk });
      runs.push(...answer.runs);
    }
    return runs;
  }

  /** One page of an experiment's runs, newest first. */
  listRuns(experiment: string, options: ListRunsOptions = {}): Promise<Page<RunRecord>> {
    return this.query({ query: 'listRuns', experiment, ...options });
  }

  /** Every run of an experiment, newest first, page after page. */
  runs(experiment: string, options: Pick<ListRunsOptions, 'status'> = {}): AsyncGenerator<RunRecord> {
    return allItems((nextToken) => this.listRuns(experiment, { ...options, limit: ITERATION_PAGE, nextToken }));
  }

  listExperiments(options: ListExperimentsOptions = {}): Promise<Page<ExperimentRecord>> {
    return this.query({ query: 'listExperiments', ...options });
  }

  /** A metric's whole history, in the order it was logged, read page after page. */
  async metricHistory(runId: string, metric: string): Promise<StoredPoint[]> {
    const points: StoredPoint[] = [];
    const pages = allItems((nextToken) => this.query<MetricHistoryPage>({ query: 'metricHistory', runId, metric, limit: MAX_HISTORY_PAGE, nextToken }));
    for await (const point of pages) points.push(point);
    return points;
  }

  /** Runs the heartbeat sweep now instead of waiting for its schedule. Safe to repeat. */
  async sweepRuns(): Promise<SweepRunsResult> {
    const command = validate(SweepRunsRequest, {});
    const functionName = this.functionName('sweepRuns');
    return retryTransient(() => invokeFunction<SweepRunsResult>(this.lambda, functionName, command), this.options.retry);
  }

  private async query<T>(request: QueryRunsRequest): Promise<T> {
    const command = validate(QueryRunsRequest, request);
    const functionName = this.functionName('queryRuns');
    return retryTransient(() => invokeFunction<T>(this.lambda, functionName, command), this.options.retry);
  }

  private functionName(role: keyof TrackingFunctionNames): string {
    const name = this.options.functions[role];
    if (!name) throw new ConfigurationError(`no ${role} function configured: pass functions.${role} (or discover them from the stack)`);
    return name;
  }
}
