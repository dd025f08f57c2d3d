import * as z from 'zod/mini';
import { Actor, boundedRecord, Identifier, KeyName, LongText, MetricValue, Page, TagKey, TagValue, Text } from '../../shared/schema-fields';

/**
 * The request contracts of the experiment-tracking functions: each validates a handler's payload,
 * types the TypeScript client, and is published as JSON Schema for other languages.
 */

/**
 * Experiment names as MLflow takes them: 1 to 500 characters of one line (MLflow's clients name
 * experiments "Iris classification" or "/Users/alice/churn"), without surrounding spaces.
 */
export const ExperimentName = Text(500).check(
  z.minLength(1),
  z.refine((name: string) => name.trim() === name, 'must not start or end with spaces'),
);

/** Run ids are 32 lowercase hex digits, as MLflow's. */
export const RUN_ID_PATTERN = /^[0-9a-f]{32}$/;
export const RunId = z.string().check(z.regex(RUN_ID_PATTERN, 'must be a run id: 32 lowercase hex digits'));

/** Points in one `LogMetrics` call, as in MLflow's `log_batch`. */
export const MAX_POINTS_PER_BATCH = 1000;
/**
 * Distinct metric names in one batch: a batch is one DynamoDB transaction (at most 100 items) holding
 * one history item per metric plus the run and the batch receipt.
 */
export const MAX_METRICS_PER_BATCH = 98;
/** Distinct metrics, params and tags a run may hold: its summary item stays well under DynamoDB's 400 KB. */
export const MAX_METRICS_PER_RUN = 500;
export const MAX_PARAMS_PER_RUN = 100;
export const MAX_TAGS_PER_RUN = 100;

/** Metric timestamps, in epoch milliseconds, from 2000 to 2200. */
const EpochMillis = z.int().check(z.gte(946_684_800_000), z.lte(7_258_118_400_000));

export const MetricPoint = z.strictObject({
  name: KeyName,
  value: MetricValue,
  /** The training step; points of a metric are charted by it. */
  step: z._default(z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)), 0),
  /** When the value was measured (epoch milliseconds); the time of the call when absent. */
  timestamp: z.optional(EpochMillis),
});

const ParamValue = Text(1000);

export const StartRunRequest = z.strictObject({
  experiment: ExperimentName,
  /** A readable name; `<experiment>-<run number>` when absent. */
  runName: z.optional(Text(250).check(z.minLength(1))),
  description: z.optional(LongText(5000)),
  params: boundedRecord(KeyName, ParamValue, MAX_PARAMS_PER_RUN),
  tags: boundedRecord(TagKey, TagValue, MAX_TAGS_PER_RUN),
  /** The commit the code ran from; `mlops run exec` records it. */
  gitCommit: z.optional(z.string().check(z.regex(/^[0-9a-f]{7,64}$/, 'must be a git commit id (7 to 64 hex digits)'))),
  /** The command line that runs the training. */
  command: z.optional(LongText(4096)),
  /** The same token retried returns the same run and starts no other. */
  clientToken: z.optional(Identifier),
  actor: z.optional(Actor),
});
export type StartRunRequest = z.input<typeof StartRunRequest>;
export type StartRunCommand = z.output<typeof StartRunRequest>;

export const LogMetricsRequest = z.strictObject({
  runId: RunId,
  /** Makes the call safe to retry: a batch id already applied to the run is not applied again. */
  batchId: z.optional(Identifier),
  metrics: z._default(
    z.array(MetricPoint).check(
      z.maxLength(MAX_POINTS_PER_BATCH, `must hold at most ${MAX_POINTS_PER_BATCH} points; split the batch`),
      z.refine(
        (points: readonly { name: string }[]) => new Set(points.map((point) => point.name)).size <= MAX_METRICS_PER_BATCH,
        `must name at most ${MAX_METRICS_PER_BATCH} distinct metrics; split the batch`,
      ),
    ),
    [],
  ),
  /** Params are write-once: a different value for a param the run has is a conflict. */
  params: boundedRecord(KeyName, ParamValue, MAX_PARAMS_PER_RUN),
  tags: boundedRecord(TagKey, TagValue, MAX_TAGS_PER_RUN),
});
export type LogMetricsRequest = z.input<typeof LogMetricsRequest>;
export type LogMetricsCommand = z.output<typeof LogMetricsRequest>;

/** How a run can be ended by its owner; `CRASHED` is only set by the heartbeat sweep. */
export const EndStatus = z.enum(['COMPLETED', 'FAILED', 'KILLED']);

export const EndRunRequest = z.strictObject({
  runId: RunId,
  status: EndStatus,
  /** Why it failed or was killed: an exit code, an exception message. */
  reason: z.optional(LongText(4096)),
});
export type EndRunRequest = z.input<typeof EndRunRequest>;
export type EndRunCommand = z.output<typeof EndRunRequest>;

export const RunStatus = z.enum(['RUNNING', 'COMPLETED', 'FAILED', 'KILLED', 'CRASHED']);

/** Points per page of metric history: a page stays far below Lambda's 6 MB response limit. */
export const MAX_HISTORY_PAGE = 10_000;

export const QueryRunsRequest = z.discriminatedUnion('query', [
  z.strictObject({ query: z.literal('getRun'), runId: RunId }),
  /** Several runs at once, for comparisons. */
  z.strictObject({ query: z.literal('getRuns'), runIds: z.array(RunId).check(z.minLength(1), z.maxLength(100)) }),
  /** An experiment's runs, newest first. */
  z.strictObject({ query: z.literal('listRuns'), experiment: ExperimentName, status: z.optional(RunStatus), ...Page }),
  z.strictObject({ query: z.literal('listExperiments'), ...Page }),
  /** One metric's full history, in the order it was logged. */
  z.strictObject({
    query: z.literal('metricHistory'),
    runId: RunId,
    metric: KeyName,
    limit: z._default(z.int().check(z.gte(1), z.lte(MAX_HISTORY_PAGE)), 5000),
    nextToken: Page.nextToken,
  }),
]);
export type QueryRunsRequest = z.input<typeof QueryRunsRequest>;
export type QueryRunsCommand = z.output<typeof QueryRunsRequest>;

/** The sweep takes any event: EventBridge's scheduled event, or `{}` from a manual trigger. */
export const SweepRunsRequest = z.looseObject({});

/** Every request schema by the function that takes it, for the published JSON Schemas. */
export const experimentRequestSchemas = {
  StartRun: StartRunRequest,
  LogMetrics: LogMetricsRequest,
  EndRun: EndRunRequest,
  QueryRuns: QueryRunsRequest,
} as const;
