/**
 * The SDK mocks every handler test runs against, and the environment the handlers read at module
 * load. Import this module before loading a handler (the `invoke` helper does it lazily), so the
 * handlers' clients are the mocked ones.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { SEARCH_INDEX, SEARCH_PROJECTION } from '../../../lambda/experiments/adapters/run-search-index';
import { FakeCloudWatchAlarms } from './fake-cloudwatch-alarms';
import { FakeCodeBuild } from './fake-codebuild';
import { FakeDynamoDB, type FakeTable, type TableSchema } from './fake-dynamodb';
import { FakeEcr } from './fake-ecr';
import { FakeS3 } from './fake-s3';
import { FakeSageMaker } from './fake-sagemaker';
import { FakeStepFunctions } from './fake-step-functions';

export { FakeCloudWatchAlarms } from './fake-cloudwatch-alarms';
export { FakeCodeBuild } from './fake-codebuild';
export { FakeDynamoDB, FakeTable, transactionCanceled, validationException } from './fake-dynamodb';
export { digestOf, FakeEcr } from './fake-ecr';
export { FakeS3 } from './fake-s3';
export { FakeSageMaker } from './fake-sagemaker';

/** The account and region the handlers run in, as the test stack and the Lambda context name them. */
export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'eu-west-1';

/**
 * What the constructs put in the functions' environments, with test values. Names of resources are
 * told apart by the variable that carries them, here and in the IAM coverage test.
 */
export const FUNCTION_ENVIRONMENT = {
  REGISTRY_TABLE_NAME: 'registry-table',
  ARTIFACT_BUCKET_NAME: 'artifact-bucket',
  EVENT_BUS_NAME: 'platform-bus',
  EXPERIMENTS_TABLE_NAME: 'experiments-table',
  // Not the deployed default, so a handler that hard-codes the namespace fails its tests.
  RUN_METRICS_NAMESPACE: 'Test/RunMetrics',
  CRASH_AFTER_SECONDS: '600',
  MONITORING_TABLE_NAME: 'monitoring-table',
  MONITORING_BUCKET_NAME: 'monitoring-bucket',
  MONITORING_METRICS_NAMESPACE: 'Test/Monitoring',
  // 64 KiB: a window of a few hundred records is checked at once, one of a thousand fans out.
  INLINE_WINDOW_BYTES: '65536',
  IMAGES_TABLE_NAME: 'images-table',
  BUILD_PROJECT_NAME: 'image-build',
  REPOSITORY_NAME: 'platform-images',
  REPOSITORY_URI: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-images',
  APPROVAL_ALIAS: 'production',
  BASE_IMAGE_REGISTRIES: 'public.ecr.aws,123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  PACKAGE_INDEXES: 'https://pypi.org/simple',
  IMAGE_REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  // The repositories the deployer named for images built elsewhere (InferenceImagesProps.externalImageRepositories).
  EXTERNAL_IMAGE_REPOSITORIES: 'team/*',
  DEPLOYMENTS_TABLE_NAME: 'deployments-table',
  // The role SageMaker runs deployments' containers with (ModelDeployments makes it).
  EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/mlops-deployments-execution',
  DRIFT_CHECK_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:DriftCheck',
} as const;

export type EnvironmentVariable = keyof typeof FUNCTION_ENVIRONMENT;

export const REQUEST_ID = '8f0d2c1e-5b7a-4c3d-9e21-0123456789ab';

Object.assign(process.env, FUNCTION_ENVIRONMENT);
process.env.AWS_REGION ??= TEST_REGION;
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_SERVICE_NAME ??= 'handler-tests';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'MlopsPlatform';

/** The tables as `lib/registry/model-registry.ts`, `lib/experiments/experiment-tracking.ts`, `lib/monitoring/model-monitoring.ts` and `lib/images/inference-images.ts` declare them. */
const TABLE_SCHEMAS: readonly TableSchema[] = [
  { name: FUNCTION_ENVIRONMENT.REGISTRY_TABLE_NAME, indexes: { gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' } } },
  {
    name: FUNCTION_ENVIRONMENT.EXPERIMENTS_TABLE_NAME,
    indexes: {
      gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
      gsi2: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
      [SEARCH_INDEX]: { partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: { include: SEARCH_PROJECTION } },
    },
  },
  { name: FUNCTION_ENVIRONMENT.MONITORING_TABLE_NAME, indexes: {} },
  { name: FUNCTION_ENVIRONMENT.IMAGES_TABLE_NAME, indexes: { gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' } } },
  { name: FUNCTION_ENVIRONMENT.DEPLOYMENTS_TABLE_NAME, indexes: { gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' } } },
];

/** One mock per client class: every instance the handlers create at module load sends through these. */
export const dynamoMock = mockClient(DynamoDBDocumentClient);
export const s3Mock = mockClient(S3Client);
export const eventsMock = mockClient(EventBridgeClient);
export const cloudWatchMock = mockClient(CloudWatchClient);
export const ecrMock = mockClient(ECRClient);
export const codeBuildMock = mockClient(CodeBuildClient);
export const sageMakerMock = mockClient(SageMakerClient);
export const stepFunctionsMock = mockClient(SFNClient);

/** The mocks with their client-specific types erased, for what is done to all of them. */
const allMocks = [dynamoMock, s3Mock, eventsMock, cloudWatchMock, ecrMock, codeBuildMock, sageMakerMock, stepFunctionsMock] as unknown as AwsStub<
  object,
  any,
  unknown
>[];

export type RegistryFunction = 'RegisterModel' | 'SetModelAlias' | 'QueryRegistry';
export type ExperimentFunction = 'StartRun' | 'LogMetrics' | 'EndRun' | 'QueryRuns' | 'SweepRuns';
export type MonitoringFunction =
  | 'CollectData'
  | 'RegisterBaseline'
  | 'CheckDrift'
  | 'SketchCaptureChunk'
  | 'RetrainGate'
  | 'QueryMonitoring'
  | 'CreateMonitor'
  | 'DeleteMonitor'
  | 'MonitorEvents';
export type ImagesFunction = 'RegisterImage' | 'ImageEvents' | 'QueryImages';
export type MlflowFunction = 'MlflowApi';
export type DeploymentsFunction =
  | 'CreateDeployment'
  | 'UpdateDeployment'
  | 'RollbackDeployment'
  | 'DeleteDeployment'
  | 'QueryDeployments'
  | 'DeploymentEvents'
  | 'AdvanceDeployments';
/** The platform's functions, by the construct id that is also their Powertools service name. */
export type PlatformFunctionName = RegistryFunction | ExperimentFunction | MonitoringFunction | ImagesFunction | MlflowFunction | DeploymentsFunction;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const handlerModules: Record<PlatformFunctionName, () => { handler: Handler }> = {
  RegisterModel: () => require('../../../lambda/registry/handlers/register-model'),
  SetModelAlias: () => require('../../../lambda/registry/handlers/set-model-alias'),
  QueryRegistry: () => require('../../../lambda/registry/handlers/query-registry'),
  StartRun: () => require('../../../lambda/experiments/handlers/start-run'),
  LogMetrics: () => require('../../../lambda/experiments/handlers/log-metrics'),
  EndRun: () => require('../../../lambda/experiments/handlers/end-run'),
  QueryRuns: () => require('../../../lambda/experiments/handlers/query-runs'),
  SweepRuns: () => require('../../../lambda/experiments/handlers/sweep-runs'),
  CollectData: () => require('../../../lambda/monitoring/handlers/collect-data'),
  RegisterBaseline: () => require('../../../lambda/monitoring/handlers/register-baseline'),
  CheckDrift: () => require('../../../lambda/monitoring/handlers/check-drift'),
  SketchCaptureChunk: () => require('../../../lambda/monitoring/handlers/sketch-capture-chunk'),
  RetrainGate: () => require('../../../lambda/monitoring/handlers/retrain-gate'),
  QueryMonitoring: () => require('../../../lambda/monitoring/handlers/query-monitoring'),
  CreateMonitor: () => require('../../../lambda/monitoring/handlers/create-monitor'),
  DeleteMonitor: () => require('../../../lambda/monitoring/handlers/delete-monitor'),
  MonitorEvents: () => require('../../../lambda/monitoring/handlers/monitor-events'),
  RegisterImage: () => require('../../../lambda/images/handlers/register-image'),
  ImageEvents: () => require('../../../lambda/images/handlers/image-events'),
  QueryImages: () => require('../../../lambda/images/handlers/query-images'),
  MlflowApi: () => require('../../../lambda/mlflow/handlers/mlflow-api'),
  CreateDeployment: () => require('../../../lambda/deployments/handlers/create-deployment'),
  UpdateDeployment: () => require('../../../lambda/deployments/handlers/update-deployment'),
  RollbackDeployment: () => require('../../../lambda/deployments/handlers/rollback-deployment'),
  DeleteDeployment: () => require('../../../lambda/deployments/handlers/delete-deployment'),
  QueryDeployments: () => require('../../../lambda/deployments/handlers/query-deployments'),
  DeploymentEvents: () => require('../../../lambda/deployments/handlers/deployment-events'),
  AdvanceDeployments: () => require('../../../lambda/deployments/handlers/advance-deployments'),
};

export function lambdaContext(functionName: string): Context {
  return {
    awsRequestId: REQUEST_ID,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/06/01/[$LATEST]abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes a function's handler as the Lambda runtime would: the event and a context. */
export function invoke(functionName: PlatformFunctionName, event: unknown): Promise<unknown> {
  return handlerModules[functionName]().handler(event, lambdaContext(functionName));
}

/** Runs `act` and returns what it threw; fails the test if it resolved. */
export async function thrownBy(act: Promise<unknown>): Promise<Error> {
  const outcome = await act.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome) return outcome.error as Error;
  throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
}

export interface SentCommand {
  readonly command: string;
  readonly input: Record<string, any>;
  /** The command object itself, for mapping by class. */
  readonly sent: object;
}

/** Every command sent through the mocks since their last reset, in the order sent. */
export function sentCommands(): SentCommand[] {
  // Sinon numbers every call to any spy, so callId orders calls across the clients.
  const calls = allMocks.flatMap((mock) => mock.calls() as unknown as { callId: number; args: unknown[] }[]).sort((a, b) => a.callId - b.callId);
  return calls.map((call) => {
    const sent = call.args[0] as { input: Record<string, any> };
    return { command: sent.constructor.name, input: sent.input, sent };
  });
}

export function inputsOf(command: string): Record<string, any>[] {
  return sentCommands()
    .filter((sent) => sent.command === command)
    .map((sent) => sent.input);
}

/** The platform's tables, buckets, repositories, build project and model registry, empty, as `resetSdkMocks` serves them. */
export interface PlatformFakes {
  readonly registry: FakeTable;
  readonly experiments: FakeTable;
  readonly monitoring: FakeTable;
  readonly images: FakeTable;
  readonly deployments: FakeTable;
  readonly s3: FakeS3;
  /** The account's ECR registry, holding the platform's (empty) image repository. */
  readonly ecr: FakeEcr;
  /** The image build project. */
  readonly codeBuild: FakeCodeBuild;
  readonly sageMaker: FakeSageMaker;
  /** The account's CloudWatch metric alarms. */
  readonly alarms: FakeCloudWatchAlarms;
  /** The executions started of the drift check state machine. */
  readonly stepFunctions: FakeStepFunctions;
}

/**
 * Resets the mocks (behaviour and history) to a state where any command nobody programmed fails
 * loudly, PutEvents and PutMetricData succeed, and the DynamoDB, S3, ECR, CodeBuild, SageMaker and
 * CloudWatch alarm calls go to new empty tables, buckets, repositories, build project, model
 * registry, hosting and alarms.
 */
export function resetSdkMocks(): PlatformFakes {
  for (const mock of allMocks) {
    mock.reset();
    mock.onAnyCommand().callsFake((input: unknown) => {
      throw new Error(`test did not program a response to a command with input ${JSON.stringify(input)}`);
    });
  }
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  cloudWatchMock.on(PutMetricDataCommand).resolves({});
  const db = new FakeDynamoDB(TABLE_SCHEMAS).serve(dynamoMock);
  return {
    registry: db.table(FUNCTION_ENVIRONMENT.REGISTRY_TABLE_NAME),
    experiments: db.table(FUNCTION_ENVIRONMENT.EXPERIMENTS_TABLE_NAME),
    monitoring: db.table(FUNCTION_ENVIRONMENT.MONITORING_TABLE_NAME),
    images: db.table(FUNCTION_ENVIRONMENT.IMAGES_TABLE_NAME),
    deployments: db.table(FUNCTION_ENVIRONMENT.DEPLOYMENTS_TABLE_NAME),
    s3: new FakeS3([FUNCTION_ENVIRONMENT.ARTIFACT_BUCKET_NAME, FUNCTION_ENVIRONMENT.MONITORING_BUCKET_NAME]).serve(s3Mock),
    ecr: new FakeEcr(TEST_ACCOUNT, [FUNCTION_ENVIRONMENT.REPOSITORY_NAME]).serve(ecrMock),
    codeBuild: new FakeCodeBuild(FUNCTION_ENVIRONMENT.BUILD_PROJECT_NAME, TEST_ACCOUNT, TEST_REGION).serve(codeBuildMock),
    sageMaker: new FakeSageMaker(TEST_ACCOUNT, TEST_REGION).serve(sageMakerMock),
    alarms: new FakeCloudWatchAlarms(TEST_ACCOUNT, TEST_REGION).serve(cloudWatchMock),
    stepFunctions: new FakeStepFunctions().serve(stepFunctionsMock),
  };
}

/** Forgets the commands sent so far, keeping the programmed behaviour. */
export function clearSentCommands(): void {
  for (const mock of allMocks) mock.resetHistory();
}
