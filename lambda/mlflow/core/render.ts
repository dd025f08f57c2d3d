import type { RunRecord, RunStatus } from '../../experiments/core/model';
import { MLFLOW_ARTIFACTS_PREFIX } from '../../shared/artifact-prefixes';
import { experimentIdOf } from './experiment-ids';
import type { ExperimentView, LoggedModelRecord, RunIndexEntry } from './model';

/**
 * The platform's records as MLflow's server writes them (messages.md of the protocol notes): snake_case
 * fields, int64 as numbers, ids and versions as strings, unset fields and empty lists omitted.
 */

type Json = Record<string, unknown>;

/** Drops what MLflow's server leaves out: undefined fields and empty lists. */
export function compact(message: Json): Json {
  return Object.fromEntries(Object.entries(message).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0)));
}

const millis = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/** A double as protobuf JSON writes it: non-finite values as strings. */
export const double = (value: number): number | string => {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
};

export const keyValues = (record: Readonly<Record<string, string>> | undefined) => Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));

/** Where MLflow artifacts of the platform live: one place for every URI handed out. */
export class ArtifactLocations {
  constructor(private readonly bucket: string) {}

  /** Whether `uri` is under MLflow's artifacts (`s3://<bucket>/mlflow/`), the only place MLflow's clients write. */
  holds(uri: string): boolean {
    const root = `s3://${this.bucket}/${MLFLOW_ARTIFACTS_PREFIX}`;
    return uri.startsWith(root) && uri.length > root.length;
  }

  /** The bucket and key of one of its `s3://` URIs. */
  locate(uri: string): { bucket: string; key: string } {
    return { bucket: this.bucket, key: uri.slice(`s3://${this.bucket}/`.length) };
  }

  experiment(experimentId: string): string {
    return `s3://${this.bucket}/${MLFLOW_ARTIFACTS_PREFIX}${experimentId}`;
  }

  run(experiment: string, runId: string): string {
    return `${this.experiment(experimentIdOf(experiment))}/${runId}/artifacts`;
  }

  loggedModel(experiment: string, modelId: string): string {
    return `${this.experiment(experimentIdOf(experiment))}/models/${modelId}/artifacts`;
  }
}

export function renderExperiment(experiment: ExperimentView, locations: ArtifactLocations): Json {
  return compact({
    experiment_id: experiment.experimentId,
    name: experiment.name,
    artifact_location: locations.experiment(experiment.experimentId),
    lifecycle_stage: experiment.lifecycleStage,
    last_update_time: millis(experiment.updatedAt),
    creation_time: millis(experiment.createdAt),
    tags: keyValues(experiment.tags),
  });
}

/**
 * The platform's run statuses as MLflow names them. A run the sweep declared crashed is FAILED to
 * MLflow, with the reason in its `mlops.crashed` tag.
 */
export const MLFLOW_STATUS: Readonly<Record<RunStatus, string>> = {
  RUNNING: 'RUNNING',
  COMPLETED: 'FINISHED',
  FAILED: 'FAILED',
  KILLED: 'KILLED',
  CRASHED: 'FAILED',
};

export const CRASHED_TAG = 'mlops.crashed';

/** The tags MLflow's server keeps on every run besides the caller's: its name and user. */
function runTags(run: Pick<RunRecord, 'runName' | 'createdBy' | 'tags' | 'status' | 'reason'>): Record<string, string> {
  const tags: Record<string, string> = { ...run.tags, 'mlflow.runName': run.runName };
  if (run.createdBy !== undefined && !Object.hasOwn(run.tags, 'mlflow.user')) tags['mlflow.user'] = run.createdBy;
  if (run.status === 'CRASHED') tags[CRASHED_TAG] = run.reason ?? 'the run stopped sending heartbeats';
  return tags;
}

export function renderRunInfo(
  run: Pick<RunRecord, 'runId' | 'runName' | 'experiment' | 'createdBy' | 'status' | 'startTime' | 'endTime' | 'lifecycleStage'>,
  locations: ArtifactLocations,
): Json {
  return compact({
    run_uuid: run.runId,
    experiment_id: experimentIdOf(run.experiment),
    user_id: run.createdBy ?? '',
    status: MLFLOW_STATUS[run.status],
    start_time: millis(run.startTime),
    end_time: millis(run.endTime),
    artifact_uri: locations.run(run.experiment, run.runId),
    lifecycle_stage: run.lifecycleStage ?? 'active',
    run_id: run.runId,
    run_name: run.runName,
  });
}

const renderMetric = (key: string, value: number, step: number, timestamp: number) => ({ key, value: double(value), timestamp, step });

export function renderRun(run: RunRecord, locations: ArtifactLocations): Json {
  const inputs = run.inputs;
  return {
    info: renderRunInfo(run, locations),
    data: compact({
      metrics: Object.entries(run.metrics).map(([key, summary]) => renderMetric(key, summary.last, summary.lastStep, summary.lastTimestamp)),
      params: keyValues(run.params),
      tags: keyValues(runTags(run)),
    }),
    inputs: compact({
      dataset_inputs: (inputs?.datasets ?? []).map(({ dataset, tags }) => compact({ tags: keyValues(tags), dataset: compact({ ...datasetFields(dataset) }) })),
      model_inputs: (inputs?.models ?? []).map(({ modelId }) => ({ model_id: modelId })),
    }),
    outputs: compact({ model_outputs: (run.outputs ?? []).map(({ modelId, step }) => ({ model_id: modelId, step })) }),
  };
}

const datasetFields = (dataset: NonNullable<RunRecord['inputs']>['datasets'][number]['dataset']) => ({
  name: dataset.name,
  digest: dataset.digest,
  source_type: dataset.sourceType,
  source: dataset.source,
  schema: dataset.schema,
  profile: dataset.profile,
});

/** A run of a search, from its index entry (search results carry no outputs, as MLflow's). */
export function renderIndexedRun(entry: RunIndexEntry, locations: ArtifactLocations): Json {
  return {
    info: renderRunInfo(entry, locations),
    data: compact({
      metrics: Object.entries(entry.metrics).map(([key, [value, step, timestamp]]) => renderMetric(key, value, step, timestamp)),
      params: keyValues(entry.params),
      tags: keyValues(runTags({ ...entry, reason: entry.tags[CRASHED_TAG] })),
    }),
    inputs: compact({
      dataset_inputs: entry.datasets.map(({ name, digest, context }) =>
        compact({ tags: context === undefined ? [] : [{ key: 'mlflow.data.context', value: context }], dataset: { name, digest } }),
      ),
    }),
  };
}

export const LOGGED_MODEL_STATUS = { PENDING: 'LOGGED_MODEL_PENDING', READY: 'LOGGED_MODEL_READY', FAILED: 'LOGGED_MODEL_UPLOAD_FAILED' } as const;

export function renderLoggedModel(model: LoggedModelRecord, locations: ArtifactLocations): Json {
  return {
    info: compact({
      model_id: model.modelId,
      experiment_id: experimentIdOf(model.experiment),
      name: model.name,
      creation_timestamp_ms: millis(model.createdAt),
      last_updated_timestamp_ms: millis(model.updatedAt),
      artifact_uri: locations.loggedModel(model.experiment, model.modelId),
      status: LOGGED_MODEL_STATUS[model.status],
      model_type: model.modelType,
      source_run_id: model.sourceRunId,
      status_message: model.statusMessage,
      tags: keyValues(model.tags),
    }),
    data: compact({
      params: keyValues(model.params),
      metrics: model.metrics.map((metric) =>
        compact({
          ...renderMetric(metric.key, metric.value, metric.step, metric.timestamp),
          model_id: model.modelId,
          run_id: metric.runId,
          dataset_name: metric.datasetName,
          dataset_digest: metric.datasetDigest,
        }),
      ),
    }),
  };
}
