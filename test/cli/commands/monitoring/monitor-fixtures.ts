import { EXPLICIT_ENV } from '../../harness';

/** The monitoring functions named through the environment, beside the registry's (and its artifact bucket). */
export const MONITORING_ENV = {
  ...EXPLICIT_ENV,
  MLOPS_COLLECT_DATA_FUNCTION: 'collect-data-fn',
  MLOPS_REGISTER_BASELINE_FUNCTION: 'register-baseline-fn',
  MLOPS_QUERY_MONITORING_FUNCTION: 'query-monitoring-fn',
  MLOPS_CREATE_MONITOR_FUNCTION: 'create-monitor-fn',
  MLOPS_DELETE_MONITOR_FUNCTION: 'delete-monitor-fn',
};
