import * as z from 'zod/mini';
import { Bool, Double, Int64, KeyValue, MlflowKey, optionalString, repeated, requiredString, ViewType } from './protocol';

/**
 * The requests of MLflow's tracking API (experiments, runs, metrics), one schema each, with the
 * field names and limits of MLflow's server. Unknown fields are ignored, as MLflow's server does.
 */

const ExperimentId = requiredString(64);
const RunIdField = z.optional(z.string().check(z.maxLength(64)));

/** MLflow names a run by `run_id` or, in older clients, `run_uuid`: both are sent and either is enough. */
const runReference = { run_id: RunIdField, run_uuid: RunIdField };

/** MLflow's limits on tags and params (mlflow/utils/validation.py). */
export const LIMITS = {
  key: 250,
  paramValue: 6000,
  runTagValue: 8000,
  experimentTagValue: 5000,
  experimentName: 500,
  runName: 250,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchEntities: 1000,
} as const;

const Tag = KeyValue(LIMITS.key, LIMITS.runTagValue);
const Param = KeyValue(LIMITS.key, LIMITS.paramValue);

export const MetricEntry = z.looseObject({
  key: MlflowKey(LIMITS.key),
  value: Double,
  timestamp: Int64.check(z.refine((millis: number) => millis >= 0, 'Timestamp must be a nonnegative long (64-bit integer)')),
  step: z._default(Int64, 0),
  model_id: optionalString(64),
  dataset_name: optionalString(500),
  dataset_digest: optionalString(64),
});
export type MetricEntry = z.output<typeof MetricEntry>;

export const CreateExperiment = z.looseObject({
  name: requiredString(LIMITS.experimentName),
  artifact_location: optionalString(2048),
  tags: repeated(KeyValue(LIMITS.key, LIMITS.experimentTagValue)),
});
export const GetExperiment = z.looseObject({ experiment_id: ExperimentId });
export const GetExperimentByName = z.looseObject({ experiment_name: requiredString(LIMITS.experimentName) });
export const SearchExperiments = z.looseObject({
  max_results: z._default(Int64, 1000),
  page_token: optionalString(4096),
  filter: optionalString(8000),
  order_by: repeated(z.string().check(z.maxLength(1000))),
  view_type: ViewType,
});
export const UpdateExperiment = z.looseObject({ experiment_id: ExperimentId, new_name: requiredString(LIMITS.experimentName) });
export const ExperimentLifecycle = z.looseObject({ experiment_id: ExperimentId });
export const SetExperimentTag = z.looseObject({
  experiment_id: ExperimentId,
  key: MlflowKey(LIMITS.key),
  value: z._default(z.string().check(z.maxLength(LIMITS.experimentTagValue)), ''),
});
export const DeleteExperimentTag = z.looseObject({ experiment_id: ExperimentId, key: MlflowKey(LIMITS.key) });

export const CreateRun = z.looseObject({
  experiment_id: z._default(z.string().check(z.maxLength(64)), '0'),
  user_id: optionalString(256),
  run_name: optionalString(LIMITS.runName),
  start_time: z.optional(Int64),
  tags: repeated(Tag),
});
export const RunReference = z.looseObject(runReference);
export const UpdateRun = z.looseObject({
  ...runReference,
  status: z.optional(z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'])),
  end_time: z.optional(Int64),
  run_name: optionalString(LIMITS.runName),
});
export const LogBatch = z.looseObject({
  ...runReference,
  metrics: repeated(MetricEntry),
  params: repeated(Param),
  tags: repeated(Tag),
});
export type LogBatch = z.output<typeof LogBatch>;
export const LogMetric = z.looseObject({ ...runReference, ...MetricEntry.shape });
export const LogParam = z.looseObject({ ...runReference, ...Param.shape });
export const SetTag = z.looseObject({ ...runReference, ...Tag.shape });
export const DeleteTag = z.looseObject({ ...runReference, key: MlflowKey(LIMITS.key) });
export const LogInputs = z.looseObject({
  ...runReference,
  datasets: repeated(
    z.looseObject({
      tags: repeated(Tag),
      dataset: z.looseObject({
        name: requiredString(500),
        digest: requiredString(36),
        source_type: requiredString(100),
        source: requiredString(65535),
        schema: optionalString(1_048_576),
        profile: optionalString(16_384),
      }),
    }),
  ),
  models: repeated(z.looseObject({ model_id: requiredString(64) })),
});
export const LogOutputs = z.looseObject({
  ...runReference,
  models: repeated(z.looseObject({ model_id: requiredString(64), step: z._default(Int64, 0) })),
});
export const LogModel = z.looseObject({ ...runReference, model_json: requiredString(1_000_000) });
export const SearchRuns = z.looseObject({
  experiment_ids: repeated(z.string().check(z.maxLength(64))),
  filter: optionalString(8000),
  run_view_type: ViewType,
  max_results: z._default(Int64, 1000),
  order_by: repeated(z.string().check(z.maxLength(1000))),
  page_token: optionalString(4096),
});
export const GetMetricHistory = z.looseObject({
  ...runReference,
  metric_key: requiredString(LIMITS.key),
  page_token: optionalString(4096),
  max_results: z.optional(Int64),
});
export const GetMetricHistoryBulkInterval = z.looseObject({
  run_ids: repeated(z.string().check(z.maxLength(64))),
  metric_key: requiredString(LIMITS.key),
  start_step: z.optional(Int64),
  end_step: z.optional(Int64),
  max_results: z.optional(Int64),
});

/** `allow_deleted` on a logged model's GET. */
export const AllowDeleted = z._default(Bool, false);
