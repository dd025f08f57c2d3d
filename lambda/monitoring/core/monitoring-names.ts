/**
 * Names the monitoring functions and the `ModelMonitoring` construct share: what the functions
 * write is what the construct's alarms, dashboards, rules and grants refer to.
 */

import { PLATFORM_METRICS_NAMESPACE } from '../../shared/platform-metrics';

/** The `source` of the monitoring events on the platform bus. */
export const MONITORING_EVENT_SOURCE = 'mlops-platform.monitoring';

export const MONITORING_EVENTS = {
  /** A check found the data set drifted (drift share at or above the monitor's threshold). */
  driftDetected: 'DriftDetected',
  /** The retrain gate let a drift alarm through: one per drift episode and cooldown. */
  retrainRequested: 'RetrainRequested',
} as const;

/** Key prefixes in the monitoring bucket. */
export const MONITORING_PREFIXES = {
  /** `baselines/<model>/<version>/profile.json` */
  baselines: 'baselines/',
  /** `collected/<monitor>/yyyy/mm/dd/hh/<id>.jsonl`: what `CollectData` writes, in SageMaker's capture format. */
  collected: 'collected/',
  /**
   * `captured/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`: what deployments capture (SageMaker on instances, the
   * serving shim on serverless endpoints). Granted to the checks at synth time, so a monitor stored at runtime reads it.
   */
  captured: 'captured/',
  /** `reports/<monitor>/<check id>.json|.html` */
  reports: 'reports/',
  /** `checks/<monitor>/<check id>/manifest.json` and `.../partials/<chunk>.json`: a fanned-out check's work. */
  checks: 'checks/',
} as const;

/** Metric names in the monitoring namespace, with the dimensions each carries. */
export const MONITORING_METRICS = {
  /** Share of compared features that drifted, per check. Dimensions: Monitor. */
  driftShare: 'DriftShare',
  /** Features drifted, per check. Dimensions: Monitor. */
  driftedFeatures: 'DriftedFeatures',
  /** Records a check sketched. Dimensions: Monitor. */
  recordsChecked: 'RecordsChecked',
  /** The deciding method's score of each feature, per check. Dimensions: Monitor, Feature, Method. */
  featureDriftScore: 'FeatureDriftScore',
  /** Records `CollectData` stored. Dimensions: Monitor. */
  recordsCollected: 'RecordsCollected',
} as const;

export const DEFAULT_MONITORING_NAMESPACE = `${PLATFORM_METRICS_NAMESPACE}/Monitoring`;
