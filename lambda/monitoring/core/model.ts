import type { DriftMethod } from './drift/drift-policy';
import type { FeatureStatus } from './drift/feature-drift';

/** A check's outcome: `insufficient_data` when the window held fewer records than the monitor's minimum. */
export type CheckStatus = 'drift' | 'no_drift' | 'insufficient_data';

/** What the table keeps of a check: enough for `mlops monitor status` and the event, not the report. */
export interface CheckRecord {
  readonly monitor: string;
  readonly checkId: string;
  readonly model: string;
  readonly version: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly checkedAt: string;
  readonly status: CheckStatus;
  readonly records: number;
  readonly driftShare: number;
  readonly driftedFeatures: readonly string[];
  readonly features: readonly { readonly feature: string; readonly method: DriftMethod; readonly score: number | null; readonly status: FeatureStatus }[];
  readonly reportUri: string;
  readonly htmlReportUri: string;
}

/** A baseline registered for a model version. */
export interface BaselineRecord {
  readonly model: string;
  readonly version: number;
  readonly uri: string;
  readonly createdAt: string;
  readonly rows: number;
  readonly features: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical' }[];
  readonly source?: string;
}
