import type { RunRecord } from '../../lambda/experiments/core/model';

/** A run as the tracking functions return it: running, nothing logged yet, unless `overrides` says otherwise. */
export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'a'.repeat(32),
    experiment: 'churn',
    runName: 'churn-1',
    runNumber: 1,
    status: 'RUNNING',
    startTime: '2026-03-01T12:00:00.000Z',
    heartbeatAt: '2026-03-01T12:00:00.000Z',
    params: {},
    tags: {},
    metrics: {},
    revision: 0,
    registeredVersions: [],
    ...overrides,
  };
}
