import type { MetricSummary, RunRecord, StoredPoint } from '../../../../lambda/experiments/core/model';
import { runRecord as baseRunRecord } from '../../../support/run-record';
import { EXPLICIT_ENV } from '../../harness';

/** The tracking functions named through the environment, beside the registry's. */
export const TRACKING_ENV = {
  ...EXPLICIT_ENV,
  MLOPS_START_RUN_FUNCTION: 'start-run-fn',
  MLOPS_LOG_METRICS_FUNCTION: 'log-metrics-fn',
  MLOPS_END_RUN_FUNCTION: 'end-run-fn',
  MLOPS_QUERY_RUNS_FUNCTION: 'query-runs-fn',
  MLOPS_SWEEP_RUNS_FUNCTION: 'sweep-runs-fn',
};

export const RUN_A = 'a1'.repeat(16);
export const RUN_B = 'b2'.repeat(16);
export const RUN_C = 'c3'.repeat(16);

/** A metric summary from the values logged at steps 0, 1, 2, ... */
export function summaryOf(values: readonly number[], lastTimestamp = Date.parse('2026-11-24T10:30:00.000Z')): MetricSummary {
  return {
    last: values[values.length - 1],
    lastStep: values.length - 1,
    lastTimestamp,
    min: Math.min(...values),
    max: Math.max(...values),
    count: values.length,
  };
}

export const pointsOf = (values: readonly number[]): StoredPoint[] =>
  values.map((value, step) => ({ step, value, timestamp: Date.parse('2026-11-24T10:00:00.000Z') + step * 60_000 }));

export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return baseRunRecord({
    runId: RUN_A,
    experiment: 'fraud',
    runName: 'fraud-7',
    runNumber: 7,
    startTime: '2026-11-24T10:00:00.000Z',
    heartbeatAt: '2026-11-24T10:30:00.000Z',
    createdBy: 'ana@laptop',
    ...overrides,
  });
}
