export type { DeploymentTraffic, RevisionTraffic, TrafficHour } from '../lambda/deployments/core/deployment-traffic';
export type { DeploymentRecord, DeploymentRevision, DeploymentStateChange, DeploymentStatus, ServedImage } from '../lambda/deployments/core/model';
export type {
  CreateDeploymentRequest,
  DeleteDeploymentRequest,
  QueryDeploymentsRequest,
  RollbackDeploymentRequest,
  UpdateDeploymentRequest,
} from '../lambda/deployments/core/schemas';
export type { LogMetricsResult } from '../lambda/experiments/core/log-metrics';
export type { EndStatus, ExperimentRecord, MetricSummary, RunRecord, RunStatus, StoredPoint } from '../lambda/experiments/core/model';
export type { MetricHistoryPage } from '../lambda/experiments/core/query-runs';
export type { EndRunRequest, LogMetricsRequest, QueryRunsRequest, StartRunRequest } from '../lambda/experiments/core/schemas';
export type { SweepRunsResult } from '../lambda/experiments/core/sweep-runs';
export type { BuildRecord, ImageRecord, ImageStatus, ImageVersionRecord, ModelPackageRecord, ScanSummary, ServedModel } from '../lambda/images/core/model';
export type { ImageSummary } from '../lambda/images/core/query-images';
export type { QueryImagesRequest, RegisterImageRequest } from '../lambda/images/core/schemas';
export type { DatasetDrift } from '../lambda/monitoring/core/drift/dataset-drift';
export type { FeatureDrift, MethodScore } from '../lambda/monitoring/core/drift/feature-drift';
export type { BaselineRecord, CheckRecord, CheckStatus } from '../lambda/monitoring/core/model';
export type { DriftCheckReport } from '../lambda/monitoring/core/report/drift-check-report';
export type {
  CollectDataRequest,
  CreateMonitorRequest,
  DeleteMonitorRequest,
  QueryMonitoringRequest,
  RegisterBaselineRequest,
} from '../lambda/monitoring/core/schemas';
export type { StoredMonitor } from '../lambda/monitoring/core/stored-monitor';
export type {
  AliasChangeRecord,
  ArtifactRecord,
  DatasetRecord,
  DirectoryArtifactRecord,
  ModelRecord,
  ModelVersionRecord,
  ObjectArtifactRecord,
} from '../lambda/registry/core/model';
export type { ModelDetails } from '../lambda/registry/core/query-registry';
export type { RegisterModelResult } from '../lambda/registry/core/register-model';
export type { QueryRegistryRequest, RegisterModelRequest, SetModelAliasRequest } from '../lambda/registry/core/schemas';
export type { SetModelAliasResult } from '../lambda/registry/core/set-model-alias';
export type { Page } from '../lambda/shared/page';
export * from './deployments/deployments-client';
export { ActiveRun, type ActiveRunOptions } from './experiments/active-run';
export {
  type BestRun,
  type CompareMode,
  compareModelVersions,
  compareRuns,
  defaultMode,
  type ModelComparison,
  type ModelComparisonInput,
  type ModelVerdict,
  type RunComparison,
} from './experiments/compare-runs';
export * from './experiments/experiments-client';
export * from './images/images-client';
export * from './monitoring/monitoring-client';
export * from './registry/registry-client';
export * from './shared/artifact-upload';
export * from './shared/catalogue';
export * from './shared/discovery';
export * from './shared/errors';
export * from './shared/retry';
