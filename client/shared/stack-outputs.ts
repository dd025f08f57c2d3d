/**
 * The contract between the platform's stack and its clients: the CloudFormation output keys the
 * stack emits and `discoverFunctions` reads. No imports, so `lib/` and `client/` can both use it.
 *
 * The key is the output's logical id: create each output directly under the stack with this id
 * (`new CfnOutput(stack, STACK_OUTPUTS.artifactBucketName, ...)`), or override its logical id,
 * or CloudFormation will report it under a path-and-hash name.
 */
export const STACK_OUTPUTS = {
  registerModelFunctionName: 'RegisterModelFunctionName',
  setModelAliasFunctionName: 'SetModelAliasFunctionName',
  queryRegistryFunctionName: 'QueryRegistryFunctionName',
  artifactBucketName: 'ArtifactBucketName',
  registerModelFunctionArn: 'RegisterModelFunctionArn',
  setModelAliasFunctionArn: 'SetModelAliasFunctionArn',
  queryRegistryFunctionArn: 'QueryRegistryFunctionArn',
  eventBusName: 'EventBusName',
  startRunFunctionName: 'StartRunFunctionName',
  logMetricsFunctionName: 'LogMetricsFunctionName',
  endRunFunctionName: 'EndRunFunctionName',
  queryRunsFunctionName: 'QueryRunsFunctionName',
  sweepRunsFunctionName: 'SweepRunsFunctionName',
  startRunFunctionArn: 'StartRunFunctionArn',
  logMetricsFunctionArn: 'LogMetricsFunctionArn',
  endRunFunctionArn: 'EndRunFunctionArn',
  queryRunsFunctionArn: 'QueryRunsFunctionArn',
  collectDataFunctionName: 'CollectDataFunctionName',
  registerBaselineFunctionName: 'RegisterBaselineFunctionName',
  queryMonitoringFunctionName: 'QueryMonitoringFunctionName',
  collectDataFunctionArn: 'CollectDataFunctionArn',
  registerBaselineFunctionArn: 'RegisterBaselineFunctionArn',
  queryMonitoringFunctionArn: 'QueryMonitoringFunctionArn',
  monitoringBucketName: 'MonitoringBucketName',
  registerImageFunctionName: 'RegisterImageFunctionName',
  queryImagesFunctionName: 'QueryImagesFunctionName',
  registerImageFunctionArn: 'RegisterImageFunctionArn',
  queryImagesFunctionArn: 'QueryImagesFunctionArn',
  imageRepositoryUri: 'ImageRepositoryUri',
} as const;

export type StackOutputKey = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];

/** The stack name the CLI looks for when none is given. */
export const DEFAULT_STACK_NAME = 'MlopsPlatform';
