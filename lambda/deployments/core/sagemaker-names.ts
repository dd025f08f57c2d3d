/** What every SageMaker resource of a deployment is named after: IAM scopes the functions to `mlops-*`. */
export const SAGEMAKER_NAME_PREFIX = 'mlops-';

/** The CloudWatch alarms that roll a deployment's updates back: the new fleet's 5xx share and p99 model latency. */
export function rollbackAlarmNames(deployment: string): readonly string[] {
  return [`${SAGEMAKER_NAME_PREFIX}${deployment}-5xx-rate`, `${SAGEMAKER_NAME_PREFIX}${deployment}-latency-p99`];
}

/**
 * The SageMaker names of a deployment: one endpoint for its life, and a config and a model per revision (an update
 * makes new ones: SageMaker never changes a config in place). All lowercase, within SageMaker's 63 characters.
 */
export function sageMakerNames(deployment: string, revision: number) {
  return {
    endpoint: `${SAGEMAKER_NAME_PREFIX}${deployment}`,
    endpointConfig: `${SAGEMAKER_NAME_PREFIX}${deployment}-${revision}`,
    model: `${SAGEMAKER_NAME_PREFIX}${deployment}-${revision}`,
  };
}
