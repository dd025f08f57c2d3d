import type { DatasetDrift } from '../../lambda/monitoring/core/drift/dataset-drift';
import { DEFAULT_THRESHOLDS } from '../../lambda/monitoring/core/drift/drift-policy';
import type { FeatureDrift } from '../../lambda/monitoring/core/drift/feature-drift';
import type { BaselineRecord, CheckRecord } from '../../lambda/monitoring/core/model';
import type { DriftCheckReport } from '../../lambda/monitoring/core/report/drift-check-report';

/** Records as the monitoring functions return them, for client and CLI tests. */

export const MONITORING_BUCKET = 'monitoring-bucket';

/** `2026-11-25T09:00:00.000Z` -> `20261125T090000Z`, as the drift job names checks. */
export const checkIdOf = (windowEnd: string) => windowEnd.replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** A check of monitor `fraud-live` whose window ends at `windowEnd`: no drift, unless `overrides` says otherwise. */
export function checkRecord(windowEnd = '2026-11-25T09:00:00.000Z', overrides: Partial<CheckRecord> = {}): CheckRecord {
  const monitor = overrides.monitor ?? 'fraud-live';
  const checkId = checkIdOf(windowEnd);
  const report = `s3://${MONITORING_BUCKET}/reports/${monitor}/${checkId}`;
  return {
    monitor,
    checkId,
    model: 'fraud-detector',
    version: 12,
    windowStart: new Date(Date.parse(windowEnd) - 3_600_000).toISOString(),
    windowEnd,
    checkedAt: new Date(Date.parse(windowEnd) + 65_000).toISOString(),
    status: 'no_drift',
    records: 1840,
    driftShare: 0,
    driftedFeatures: [],
    features: [],
    reportUri: `${report}.json`,
    htmlReportUri: `${report}.html`,
    ...overrides,
  };
}

export function baselineRecord(overrides: Partial<BaselineRecord> = {}): BaselineRecord {
  return {
    model: 'fraud-detector',
    version: 12,
    uri: `s3://${MONITORING_BUCKET}/baselines/fraud-detector/12/profile.json`,
    createdAt: '2026-11-25T09:30:00.000Z',
    rows: 10,
    features: [
      { name: 'age', kind: 'numeric' },
      { name: 'income', kind: 'numeric' },
      { name: 'plan', kind: 'categorical' },
    ],
    ...overrides,
  };
}

const DECILES = ['< 10', '[10, 20)', '[20, 30)', '>= 30'];

/**
 * A window's drift against the baseline: `age` stable, `income` and `plan` drifted, `region`
 * absent from the window (no data): 2 of 3 compared features, at or above the 50% drift share.
 */
export const windowDriftFixture: DatasetDrift = {
  features: [
    {
      feature: 'age',
      kind: 'numeric',
      status: 'stable',
      decidedBy: 'wasserstein',
      scores: [
        { method: 'ks', score: 0.4213, statistic: 0.02, threshold: 0.05, drifted: false },
        { method: 'psi', score: 0.0123, threshold: 0.1, drifted: false },
        { method: 'jensen_shannon', score: 0.0311, threshold: 0.1, drifted: false },
        { method: 'wasserstein', score: 0.0452, threshold: 0.1, drifted: false },
      ],
      referenceCount: 2000,
      currentCount: 1840,
      currentMissing: 0,
      bins: { labels: DECILES, reference: [0.25, 0.25, 0.25, 0.25], current: [0.24, 0.26, 0.25, 0.25] },
    },
    {
      feature: 'income',
      kind: 'numeric',
      status: 'drifted',
      decidedBy: 'wasserstein',
      scores: [
        { method: 'ks', score: 3.2e-45, statistic: 0.41, threshold: 0.05, drifted: true },
        { method: 'psi', score: 0.912, threshold: 0.1, drifted: true },
        { method: 'jensen_shannon', score: 0.3874, threshold: 0.1, drifted: true },
        { method: 'wasserstein', score: 1.02, threshold: 0.1, drifted: true },
      ],
      referenceCount: 2000,
      currentCount: 1830,
      currentMissing: 10,
      bins: { labels: DECILES, reference: [0.25, 0.25, 0.25, 0.25], current: [0.05, 0.1, 0.25, 0.6] },
    },
    {
      feature: 'plan',
      kind: 'categorical',
      status: 'drifted',
      decidedBy: 'jensen_shannon',
      scores: [
        { method: 'chi_square', score: 1.1e-30, threshold: 0.05, drifted: true },
        { method: 'psi', score: 0.4, threshold: 0.1, drifted: true },
        { method: 'jensen_shannon', score: 0.2269, threshold: 0.1, drifted: true },
      ],
      referenceCount: 2000,
      currentCount: 1840,
      currentMissing: 0,
      bins: { labels: ['basic', 'plus', 'pro', '(other)'], reference: [0.5, 0.3, 0.2, 0], current: [0.25, 0.27, 0.48, 0] },
    },
    {
      feature: 'region',
      kind: 'categorical',
      status: 'no_data',
      decidedBy: 'jensen_shannon',
      scores: [],
      referenceCount: 2000,
      currentCount: 0,
      currentMissing: 0,
      bins: { labels: [], reference: [], current: [] },
    },
  ] satisfies FeatureDrift[],
  driftedFeatures: ['income', 'plan'],
  driftShare: 2 / 3,
  datasetDrift: true,
  thresholds: DEFAULT_THRESHOLDS,
  referenceRows: 2000,
  currentRows: 1840,
};

/** The report of `check`, with the drift above. */
export function driftReport(check: CheckRecord, drift: DatasetDrift = windowDriftFixture): DriftCheckReport {
  return {
    monitor: check.monitor,
    checkId: check.checkId,
    model: { name: check.model, version: check.version },
    window: { start: check.windowStart, end: check.windowEnd },
    createdAt: check.checkedAt,
    capture: { records: check.records, outsideWindow: 3, unreadable: 0, objects: 12 },
    drift,
  };
}
