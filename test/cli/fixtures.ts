import type { AliasChangeRecord, ModelRecord, ModelVersionRecord } from '../../lambda/registry/core/model';
import type { ModelDetails } from '../../lambda/registry/core/query-registry';

export const fraudModel: ModelRecord = {
  name: 'fraud-detector',
  createdAt: '2026-11-02T08:00:00.000Z',
  updatedAt: '2026-11-24T14:03:27.511Z',
  latestVersion: 12,
};

export const churnModel: ModelRecord = {
  name: 'churn',
  createdAt: '2026-10-01T09:30:00.000Z',
  updatedAt: '2026-10-20T17:45:10.000Z',
  latestVersion: 3,
};

export const fraudDetails: ModelDetails = { ...fraudModel, aliases: { prod: 11, staging: 12 } };

export function fraudVersion(version: number, overrides: Partial<ModelVersionRecord> = {}): ModelVersionRecord {
  return {
    name: 'fraud-detector',
    version,
    createdAt: `2026-11-${String(10 + version).padStart(2, '0')}T10:15:00.000Z`,
    createdBy: 'ana@laptop',
    framework: 'xgboost-2.1',
    artifact: {
      uri: `s3://artifacts-bucket/models/fraud-detector/v${version}/model.tar.gz`,
      bucket: 'artifacts-bucket',
      key: `models/fraud-detector/v${version}/model.tar.gz`,
      s3VersionId: `obj-${version}`,
      sizeBytes: 48_234_496 + version,
      etag: 'etag-1',
      sha256: `${String(version).padStart(2, '0')}${'ab'.repeat(31)}`,
      sha256Source: 'client',
    },
    metrics: { auc: 0.9132, f1: 0.8, rows: 120000 },
    parameters: { max_depth: '6', eta: '0.1' },
    tags: { stage: 'gold', team: 'risk' },
    properties: {},
    datasets: [{ uri: 's3://data/fraud/train.parquet', sha256: 'cd'.repeat(32), role: 'training' }],
    ...overrides,
  };
}

export const prodMoves: AliasChangeRecord[] = [
  {
    name: 'fraud-detector',
    alias: 'prod',
    revision: 2,
    fromVersion: 9,
    toVersion: 11,
    changedAt: '2026-11-22T16:40:00.000Z',
    changedBy: 'ana@laptop',
    reason: 'better AUC',
  },
  { name: 'fraud-detector', alias: 'prod', revision: 1, toVersion: 9, changedAt: '2026-11-19T09:00:00.000Z', changedBy: 'ci@pipeline' },
];
