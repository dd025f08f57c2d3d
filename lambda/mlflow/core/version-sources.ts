import { isLive, type ModelVersionRecord } from '../../registry/core/model';
import type { ArtifactStore } from '../../registry/core/ports';
import type { RegisterModelCommand } from '../../registry/core/schemas';
import { MlflowError } from './mlflow-error';
import type { MlflowTrackingStore } from './ports';
import { versionMlflowSees } from './registry-lookups';
import type { MlflowRegistryStore } from './registry-ports';
import type { ArtifactLocations } from './render';

/** Where MLflow's fields of a version live among the registry's version properties. */
export const PROPERTY = { source: 'mlflow.source', modelId: 'mlflow.modelId', runLink: 'mlflow.runLink' } as const;

/** What a new version registers: its artifact as the registry pins it, and the run and logged model it came from. */
export interface VersionStorage {
  readonly artifact: RegisterModelCommand['artifact'];
  readonly runId?: string;
  readonly modelId?: string;
}

export interface VersionSourceDependencies {
  readonly store: Pick<MlflowRegistryStore, 'getVersion' | 'getAlias'>;
  readonly tracking: Pick<MlflowTrackingStore, 'getLoggedModel' | 'getRun' | 'listLoggedModels'>;
  readonly locations: ArtifactLocations;
  readonly artifacts: Pick<ArtifactStore, 'list'>;
}

/** Every MLflow model is a directory, pinned file by file. */
const directory = (uri: string): RegisterModelCommand['artifact'] => ({ kind: 'directory', uri });

/** Resolves MLflow's `source` of a new model version (and its `run_id` and `model_id`) to what the registry pins. */
export function versionSources({ store, tracking, locations, artifacts }: VersionSourceDependencies) {
  /** Whether any object is under the `s3://` directory (of the artifact bucket). */
  async function holdsFiles(uri: string): Promise<boolean> {
    const { bucket, key } = locations.locate(uri);
    return (await artifacts.list(bucket, `${key}/`, 1)).length > 0;
  }

  /**
   * What a version's files are, from MLflow's `source`: a logged model (`models:/<model id>`), another
   * registered version (`models:/<name>/<version>` or `models:/<name>@<alias>`, as `copy_model_version`
   * sends), a run's artifacts (`runs:/<run id>/<path>`) or an `s3://` prefix of the artifact bucket.
   */
  async function storageOf(source: string, runId: string | undefined, modelId: string | undefined): Promise<VersionStorage> {
    const loggedModelId = /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source)?.[1];
    const registered = loggedModelId ? undefined : /^models:\/([^/@]+)(?:\/(\d+)|@([^/]+))\/?$/.exec(source);
    if (registered) return copiedFrom(await sourceVersion(registered[1], registered[2], registered[3]), runId, modelId);
    const modelSource = loggedModelId ?? (modelId && source.startsWith('models:/') ? modelId : undefined);
    if (modelSource) {
      const model = await tracking.getLoggedModel(modelSource);
      if (!model || model.lifecycleStage === 'deleted') throw MlflowError.notFound(`Logged model with ID '${modelSource}' not found.`);
      return { artifact: directory(locations.loggedModel(model.experiment, model.modelId)), runId: runId || model.sourceRunId, modelId: model.modelId };
    }
    const runSource = /^runs:\/([^/]+)\/(.+)$/.exec(source);
    if (runSource) {
      const run = await tracking.getRun(runSource[1]);
      if (!run) throw MlflowError.notFound(`Run with id=${runSource[1]} not found`);
      const path = runSource[2].replace(/\/+$/, '');
      const runDirectory = `${locations.run(run.experiment, run.runId)}/${path}`;
      // MLflow 3 logs a model (`log_model(name="model")`) as a logged model of the run, not among its artifacts, and
      // its client reads `runs:/<run>/model` as that model's files: so does this, when the run has none of its own there.
      if (!(await holdsFiles(runDirectory))) {
        const [name, ...rest] = path.split('/');
        const logged = (await tracking.listLoggedModels(run.experiment)).find(
          (model) => model.name === name && model.sourceRunId === run.runId && model.lifecycleStage !== 'deleted',
        );
        if (logged) {
          const uri = [locations.loggedModel(logged.experiment, logged.modelId), ...rest].join('/');
          return { artifact: directory(uri), runId: runId || run.runId, modelId: modelId || logged.modelId };
        }
      }
      return { artifact: directory(runDirectory), runId: runId || run.runId, modelId };
    }
    // MLflow's writers may upload under mlflow/ only: a version from elsewhere in the bucket (other grants' uploads) is not theirs to register.
    if (locations.holds(source) && !source.split('/').includes('..')) return { artifact: directory(source.replace(/\/+$/, '')), runId, modelId };
    throw MlflowError.invalid(
      `Invalid model version source: '${source}'. Give a logged model (models:/<model id>), a registered version (models:/<name>/<version> or models:/<name>@<alias>), a run's artifacts (runs:/<run id>/<path>) or an s3:// location under the MLflow artifacts of the platform's artifact bucket (${locations.experiment('<experiment id>').replace('/<experiment id>', '/')}).`,
    );
  }

  /** The version a `models:/<name>/<version>` or `models:/<name>@<alias>` source names. */
  async function sourceVersion(name: string, version: string | undefined, alias: string | undefined): Promise<ModelVersionRecord> {
    if (version !== undefined) return versionMlflowSees(store, name, Number(version));
    const found = await store.getAlias(name, alias!);
    if (!isLive(found)) throw MlflowError.invalid(`Registered model alias ${alias} not found.`);
    return versionMlflowSees(store, name, found.version);
  }

  /**
   * A copy holds exactly what its source version holds: the same files, with the source's digest claimed,
   * so files changed since the source was registered are refused rather than pinned anew.
   */
  function copiedFrom(source: ModelVersionRecord, runId: string | undefined, modelId: string | undefined): VersionStorage {
    const { artifact } = source;
    const pinned: RegisterModelCommand['artifact'] =
      artifact.kind === 'directory'
        ? { kind: 'directory', uri: artifact.uri, sha256: artifact.sha256 }
        : { kind: 'object', uri: artifact.uri, sha256: artifact.sha256, ...(artifact.s3VersionId ? { versionId: artifact.s3VersionId } : {}) };
    const sourceModelId = modelId || source.properties[PROPERTY.modelId];
    return { artifact: pinned, runId: runId || source.sourceRunId, ...(sourceModelId ? { modelId: sourceModelId } : {}) };
  }

  return storageOf;
}
