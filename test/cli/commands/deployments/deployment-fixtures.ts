import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange } from '../../../../lambda/deployments/core/model';

/** Deployment records as QueryDeployments answers them, for the client's and the CLI's tests. */

const digest = (version: number) => `sha256:${String(version).padStart(64, '0')}`;

export function revision(number: number, imageVersion: number, overrides: Partial<DeploymentRevision> = {}): DeploymentRevision {
  return {
    revision: number,
    image: {
      name: 'churn-scorer',
      version: imageVersion,
      imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-images@${digest(imageVersion)}`,
      modelDataUrl: `s3://artifacts/images/churn-scorer/${imageVersion}/model.tar.gz`,
      models: [{ name: 'churn', version: imageVersion + 1 }],
    },
    endpointConfig: `mlops-churn-live-${number}`,
    model: `mlops-churn-live-${number}`,
    rollout: { runBy: 'platform', bakeMinutes: 10 },
    startedAt: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}

export function deployment(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    name: 'churn-live',
    endpoint: 'mlops-churn-live',
    compute: { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 },
    strategy: { kind: 'all-at-once', bakeMinutes: 10 },
    alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
    status: 'IN_SERVICE',
    lastRevision: 1,
    current: revision(1, 4),
    createdAt: '2026-12-01T10:00:00.000Z',
    createdBy: 'ana@laptop',
    updatedAt: '2026-12-01T10:06:00.000Z',
    ...overrides,
  };
}

export const creatingDeployment = () => deployment({ status: 'CREATING', current: undefined, pending: revision(1, 4), updatedAt: '2026-12-01T10:00:00.000Z' });

export function change(overrides: Partial<DeploymentStateChange> = {}): DeploymentStateChange {
  return {
    name: 'churn-live',
    revision: 1,
    to: 'CREATING',
    reason: 'created',
    image: { name: 'churn-scorer', version: 4 },
    at: '2026-12-01T10:00:00.000Z',
    by: 'ana@laptop',
    ...overrides,
  };
}
