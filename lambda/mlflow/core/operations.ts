import type { MetricPublisher } from '../../experiments/core/ports';
import type { ArtifactStore, EventPublisher } from '../../registry/core/ports';
import type { registerModel } from '../../registry/core/register-model';
import type { setModelAlias } from '../../registry/core/set-model-alias';
import type { Clock } from '../../shared/clock';
import { experimentsApi } from './experiments-api';
import { type MlflowOperation, operation } from './http-dispatch';
import * as loggedModelRequests from './logged-model-requests';
import { loggedModelsApi } from './logged-models-api';
import type { MlflowTrackingStore } from './ports';
import { registryApi } from './registry-api';
import type { MlflowRegistryStore } from './registry-ports';
import * as registryRequests from './registry-requests';
import { ArtifactLocations } from './render';
import { RunIndexCache } from './run-index-cache';
import { runsApi } from './runs-api';
import { searchRuns } from './search-runs';
import * as trackingRequests from './tracking-requests';

export interface MlflowApiDependencies {
  readonly tracking: MlflowTrackingStore;
  readonly registry: MlflowRegistryStore;
  readonly register: ReturnType<typeof registerModel>;
  readonly setAlias: ReturnType<typeof setModelAlias>;
  /** Where registry events go (alias removals; registrations and moves go through their use cases). */
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly artifactBucket: string;
  /** The artifact bucket's listing: where a `runs:/` source's files are. */
  readonly artifacts: Pick<ArtifactStore, 'list'>;
  readonly publisher?: MetricPublisher;
}

/** Every operation the platform serves of MLflow's API, by the name `MLFLOW_ROUTES` gives it. */
export function mlflowOperations(deps: MlflowApiDependencies): Readonly<Record<string, MlflowOperation>> {
  const locations = new ArtifactLocations(deps.artifactBucket);
  const context = { store: deps.tracking, clock: deps.clock, locations };
  const experiments = experimentsApi(context);
  const loggedModels = loggedModelsApi(context);
  const runs = runsApi({ ...context, publisher: deps.publisher, linkModelMetrics: loggedModels.linkModelMetrics });
  const registry = registryApi({
    store: deps.registry,
    tracking: deps.tracking,
    register: deps.register,
    setAlias: deps.setAlias,
    events: deps.events,
    locations,
    artifacts: deps.artifacts,
    clock: deps.clock,
  });
  const t = trackingRequests;
  const l = loggedModelRequests;
  const r = registryRequests;
  return {
    createExperiment: operation(t.CreateExperiment, experiments.createExperiment),
    getExperiment: operation(t.GetExperiment, experiments.getExperiment),
    getExperimentByName: operation(t.GetExperimentByName, experiments.getExperimentByName),
    searchExperiments: operation(t.SearchExperiments, experiments.searchExperiments),
    updateExperiment: operation(t.UpdateExperiment, experiments.updateExperiment),
    deleteExperiment: operation(t.ExperimentLifecycle, experiments.deleteExperiment),
    restoreExperiment: operation(t.ExperimentLifecycle, experiments.restoreExperiment),
    setExperimentTag: operation(t.SetExperimentTag, experiments.setExperimentTag),
    deleteExperimentTag: operation(t.DeleteExperimentTag, experiments.deleteExperimentTag),

    createRun: operation(t.CreateRun, runs.createRun),
    getRun: operation(t.RunReference, runs.getRun),
    updateRun: operation(t.UpdateRun, runs.updateRun),
    deleteRun: operation(t.RunReference, runs.deleteRun),
    restoreRun: operation(t.RunReference, runs.restoreRun),
    searchRuns: operation(t.SearchRuns, searchRuns(context, new RunIndexCache(deps.tracking, deps.clock))),
    logBatch: operation(t.LogBatch, runs.logBatch),
    logMetric: operation(t.LogMetric, runs.logMetric),
    logParam: operation(t.LogParam, runs.logParam),
    setTag: operation(t.SetTag, runs.setTag),
    deleteTag: operation(t.DeleteTag, runs.deleteTag),
    logInputs: operation(t.LogInputs, runs.logInputs),
    logOutputs: operation(t.LogOutputs, runs.logOutputs),
    logModel: operation(t.LogModel, runs.logModel),
    getMetricHistory: operation(t.GetMetricHistory, runs.getMetricHistory),
    getMetricHistoryBulkInterval: operation(t.GetMetricHistoryBulkInterval, runs.getMetricHistoryBulkInterval),

    createLoggedModel: operation(l.CreateLoggedModel, loggedModels.createLoggedModel),
    getLoggedModel: operation(l.GetLoggedModel, loggedModels.getLoggedModel),
    finalizeLoggedModel: operation(l.FinalizeLoggedModel, loggedModels.finalizeLoggedModel),
    deleteLoggedModel: operation(l.LoggedModelReference, loggedModels.deleteLoggedModel),
    searchLoggedModels: operation(l.SearchLoggedModels, loggedModels.searchLoggedModels),
    setLoggedModelTags: operation(l.SetLoggedModelTags, loggedModels.setLoggedModelTags),
    deleteLoggedModelTag: operation(l.DeleteLoggedModelTag, loggedModels.deleteLoggedModelTag),
    logLoggedModelParams: operation(l.LogLoggedModelParams, loggedModels.logLoggedModelParams),

    createRegisteredModel: operation(r.CreateRegisteredModel, registry.createRegisteredModel),
    getRegisteredModel: operation(r.RegisteredModelName, registry.getRegisteredModel),
    searchRegisteredModels: operation(r.SearchRegisteredModels, registry.searchRegisteredModels),
    updateRegisteredModel: operation(r.UpdateRegisteredModel, registry.updateRegisteredModel),
    renameRegisteredModel: operation(r.RenameRegisteredModel, registry.renameRegisteredModel),
    setRegisteredModelTag: operation(r.SetRegisteredModelTag, registry.setRegisteredModelTag),
    deleteRegisteredModelTag: operation(r.DeleteRegisteredModelTag, registry.deleteRegisteredModelTag),
    setRegisteredModelAlias: operation(r.SetRegisteredModelAlias, registry.setRegisteredModelAlias),
    getModelVersionByAlias: operation(r.AliasReference, registry.getModelVersionByAlias),
    deleteRegisteredModelAlias: operation(r.AliasReference, registry.deleteRegisteredModelAlias),
    deleteModelVersion: operation(r.ModelVersionReference, registry.deleteModelVersion),
    deleteRegisteredModel: operation(r.RegisteredModelName, registry.deleteRegisteredModel),
    getLatestVersions: operation(r.GetLatestVersions, registry.getLatestVersions),
    createModelVersion: operation(r.CreateModelVersion, registry.createModelVersion),
    getModelVersion: operation(r.ModelVersionReference, registry.getModelVersion),
    searchModelVersions: operation(r.SearchModelVersions, registry.searchModelVersions),
    getModelVersionDownloadUri: operation(r.ModelVersionReference, registry.getModelVersionDownloadUri),
    updateModelVersion: operation(r.UpdateModelVersion, registry.updateModelVersion),
    setModelVersionTag: operation(r.SetModelVersionTag, registry.setModelVersionTag),
    deleteModelVersionTag: operation(r.DeleteModelVersionTag, registry.deleteModelVersionTag),
    transitionModelVersionStage: operation(r.TransitionModelVersionStage, registry.transitionModelVersionStage),
  };
}
