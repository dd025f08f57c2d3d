import type { DeploymentTraffic } from '../../../../lambda/deployments/core/deployment-traffic';
import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange } from '../../../../lambda/deployments/core/model';
import type { CheckRecord } from '../../../../lambda/monitoring/core/model';

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

/** Three hours of a deployment's traffic: 20, 80 and 200 requests, the last hour's errors and latency by CloudWatch. */
export function traffic(): DeploymentTraffic {
  return {
    name: 'churn-live',
    endpoint: 'mlops-churn-live',
    start: '2026-12-01T08:00:00.000Z',
    end: '2026-12-01T11:00:00.000Z',
    hours: [
      { hour: '2026-12-01T08:00:00.000Z', requests: 20, callers: 1, invocations: 20, errors5xx: 0 },
      { hour: '2026-12-01T09:00:00.000Z', requests: 80, callers: 2, invocations: 80, errors5xx: 0, latencyP50Ms: 8, latencyP99Ms: 30 },
      { hour: '2026-12-01T10:00:00.000Z', requests: 200, callers: 4, invocations: 200, errors5xx: 3, latencyP50Ms: 9, latencyP99Ms: 41.52 },
    ],
    callers: 4,
    anonymousRequests: 20,
    revisions: [
      { revision: 1, image: { name: 'churn-scorer', version: 4 }, models: [{ name: 'churn', version: 5 }], invocations: 10, errors5xx: 0 },
      { revision: 2, image: { name: 'churn-scorer', version: 5 }, models: [{ name: 'churn', version: 6 }], invocations: 290, errors5xx: 3, latencyP99Ms: 41 },
    ],
  };
}

/** The latest check of the deployment's monitor. */
export function checkOf(status: CheckRecord['status']): CheckRecord {
  return {
    monitor: 'churn-live',
    checkId: '20261201T100000Z',
    model: 'churn',
    version: 6,
    windowStart: '2026-12-01T09:00:00.000Z',
    windowEnd: '2026-12-01T10:00:00.000Z',
    checkedAt: '2026-12-01T10:01:00.000Z',
    status,
    records: 250,
    driftShare: 0.5,
    driftedFeatures: [],
    features: [],
    reportUri: 's3://monitoring-bucket/reports/churn-live/20261201T100000Z.json',
    htmlReportUri: 's3://monitoring-bucket/reports/churn-live/20261201T100000Z.html',
  };
}
