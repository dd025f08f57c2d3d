/**
 * The platform's catalogue: every capability, each operation its functions serve and each resource
 * it publishes, described once. The stack publishes its outputs and SSM parameters from it, discovery
 * reads them back by it, the CLI builds its flags and environment variables from it, and the local
 * platform names its descriptor's entries after it. No imports, so `lib/`, `client/`, `cli/` and
 * `local/` can all use it.
 *
 * An operation's key is its name everywhere else: the construct's `functions` field, the client's
 * function names, the local descriptor's `functions` key.
 */

/** The stack name the CLI looks for when none is given. */
export const DEFAULT_STACK_NAME = 'MlopsPlatform';

/** Each capability, with what its clients need besides their functions (discovered with them). */
export const CAPABILITIES = {
  registry: { title: 'the model registry', resources: ['artifactBucket'] },
  experiments: { title: 'experiment tracking', resources: [] },
  monitoring: { title: 'model monitoring', resources: ['monitoringBucket', 'artifactBucket'] },
  images: { title: 'inference images', resources: ['artifactBucket', 'imageRepositoryUri'] },
  deployments: { title: 'deployments', resources: [] },
} as const satisfies Record<string, { title: string; resources: readonly string[] }>;

interface OperationEntry {
  readonly capability: keyof typeof CAPABILITIES;
  /** The function's construct id under its capability's construct, also its Powertools service name. */
  readonly functionId: string;
  /** Under the stack's parameter prefix; the ARN's parameter adds `-arn`. */
  readonly parameter: string;
  /** The CLI's global option naming the function; commander's camelCase of it is the option key. */
  readonly flag: string;
  readonly env: string;
  /** Whether the stack publishes the function's ARN besides its name. @default true */
  readonly arnOutput?: false;
}

/**
 * The operations callers invoke. The stack publishes `<functionId>FunctionName` and
 * `<functionId>FunctionArn` for each, under SSM `<prefix>/<parameter>` (and `...-arn`).
 */
export const OPERATIONS = {
  registerModel: {
    capability: 'registry',
    functionId: 'RegisterModel',
    parameter: 'registry/register-model-function',
    flag: '--register-function',
    env: 'MLOPS_REGISTER_FUNCTION',
  },
  setModelAlias: {
    capability: 'registry',
    functionId: 'SetModelAlias',
    parameter: 'registry/set-model-alias-function',
    flag: '--alias-function',
    env: 'MLOPS_ALIAS_FUNCTION',
  },
  queryRegistry: {
    capability: 'registry',
    functionId: 'QueryRegistry',
    parameter: 'registry/query-registry-function',
    flag: '--query-function',
    env: 'MLOPS_QUERY_FUNCTION',
  },
  startRun: {
    capability: 'experiments',
    functionId: 'StartRun',
    parameter: 'experiments/start-run-function',
    flag: '--start-run-function',
    env: 'MLOPS_START_RUN_FUNCTION',
  },
  logMetrics: {
    capability: 'experiments',
    functionId: 'LogMetrics',
    parameter: 'experiments/log-metrics-function',
    flag: '--log-metrics-function',
    env: 'MLOPS_LOG_METRICS_FUNCTION',
  },
  endRun: {
    capability: 'experiments',
    functionId: 'EndRun',
    parameter: 'experiments/end-run-function',
    flag: '--end-run-function',
    env: 'MLOPS_END_RUN_FUNCTION',
  },
  queryRuns: {
    capability: 'experiments',
    functionId: 'QueryRuns',
    parameter: 'experiments/query-runs-function',
    flag: '--query-runs-function',
    env: 'MLOPS_QUERY_RUNS_FUNCTION',
  },
  // No ARN output: it is invoked by hand only to sweep now.
  sweepRuns: {
    capability: 'experiments',
    functionId: 'SweepRuns',
    parameter: 'experiments/sweep-runs-function',
    flag: '--sweep-runs-function',
    env: 'MLOPS_SWEEP_RUNS_FUNCTION',
    arnOutput: false,
  },
  collectData: {
    capability: 'monitoring',
    functionId: 'CollectData',
    parameter: 'monitoring/collect-data-function',
    flag: '--collect-data-function',
    env: 'MLOPS_COLLECT_DATA_FUNCTION',
  },
  registerBaseline: {
    capability: 'monitoring',
    functionId: 'RegisterBaseline',
    parameter: 'monitoring/register-baseline-function',
    flag: '--register-baseline-function',
    env: 'MLOPS_REGISTER_BASELINE_FUNCTION',
  },
  queryMonitoring: {
    capability: 'monitoring',
    functionId: 'QueryMonitoring',
    parameter: 'monitoring/query-monitoring-function',
    flag: '--query-monitoring-function',
    env: 'MLOPS_QUERY_MONITORING_FUNCTION',
  },
  createMonitor: {
    capability: 'monitoring',
    functionId: 'CreateMonitor',
    parameter: 'monitoring/create-monitor-function',
    flag: '--create-monitor-function',
    env: 'MLOPS_CREATE_MONITOR_FUNCTION',
  },
  deleteMonitor: {
    capability: 'monitoring',
    functionId: 'DeleteMonitor',
    parameter: 'monitoring/delete-monitor-function',
    flag: '--delete-monitor-function',
    env: 'MLOPS_DELETE_MONITOR_FUNCTION',
  },
  registerImage: {
    capability: 'images',
    functionId: 'RegisterImage',
    parameter: 'images/register-image-function',
    flag: '--register-image-function',
    env: 'MLOPS_REGISTER_IMAGE_FUNCTION',
  },
  queryImages: {
    capability: 'images',
    functionId: 'QueryImages',
    parameter: 'images/query-images-function',
    flag: '--query-images-function',
    env: 'MLOPS_QUERY_IMAGES_FUNCTION',
  },
  createDeployment: {
    capability: 'deployments',
    functionId: 'CreateDeployment',
    parameter: 'deployments/create-deployment-function',
    flag: '--create-deployment-function',
    env: 'MLOPS_CREATE_DEPLOYMENT_FUNCTION',
  },
  updateDeployment: {
    capability: 'deployments',
    functionId: 'UpdateDeployment',
    parameter: 'deployments/update-deployment-function',
    flag: '--update-deployment-function',
    env: 'MLOPS_UPDATE_DEPLOYMENT_FUNCTION',
  },
  rollbackDeployment: {
    capability: 'deployments',
    functionId: 'RollbackDeployment',
    parameter: 'deployments/rollback-deployment-function',
    flag: '--rollback-deployment-function',
    env: 'MLOPS_ROLLBACK_DEPLOYMENT_FUNCTION',
  },
  deleteDeployment: {
    capability: 'deployments',
    functionId: 'DeleteDeployment',
    parameter: 'deployments/delete-deployment-function',
    flag: '--delete-deployment-function',
    env: 'MLOPS_DELETE_DEPLOYMENT_FUNCTION',
  },
  queryDeployments: {
    capability: 'deployments',
    functionId: 'QueryDeployments',
    parameter: 'deployments/query-deployments-function',
    flag: '--query-deployments-function',
    env: 'MLOPS_QUERY_DEPLOYMENTS_FUNCTION',
  },
} as const satisfies Record<string, OperationEntry>;

/** Areas of the platform no CLI capability stands for: the MLflow API, which MLflow's own clients call over HTTP. */
type HttpArea = 'mlflow';

/** Functions no caller invokes (events, workflows, schedules and API Gateway do): nothing is published for them. */
export const INTERNAL_FUNCTIONS = {
  imageEvents: { capability: 'images', functionId: 'ImageEvents' },
  checkDrift: { capability: 'monitoring', functionId: 'CheckDrift' },
  sketchCaptureChunk: { capability: 'monitoring', functionId: 'SketchCaptureChunk' },
  retrainGate: { capability: 'monitoring', functionId: 'RetrainGate' },
  monitorEvents: { capability: 'monitoring', functionId: 'MonitorEvents' },
  deploymentEvents: { capability: 'deployments', functionId: 'DeploymentEvents' },
  advanceDeployments: { capability: 'deployments', functionId: 'AdvanceDeployments' },
  // Published by its API's URL (`mlflowApiUrl`).
  mlflowApi: { capability: 'mlflow', functionId: 'MlflowApi' },
} as const satisfies Record<string, { readonly capability: OperationEntry['capability'] | HttpArea; readonly functionId: string }>;

interface ResourceEntry {
  /** The stack output's key (its logical id). */
  readonly output: string;
  readonly parameter: string;
  readonly description: string;
  /** The CLI's global option and environment variable, for resources the CLI lets callers name. */
  readonly flag?: string;
  readonly env?: string;
  /** Whether the local platform's descriptor names it (under the resource's key). */
  readonly local: boolean;
}

/** The shared resources the stack publishes. */
export const RESOURCES = {
  artifactBucket: {
    output: 'ArtifactBucketName',
    parameter: 'registry/artifact-bucket',
    description: 'Bucket for model artifacts',
    flag: '--artifact-bucket',
    env: 'MLOPS_ARTIFACT_BUCKET',
    local: true,
  },
  monitoringBucket: {
    output: 'MonitoringBucketName',
    parameter: 'monitoring/bucket',
    description: 'Bucket for baselines, collected data and drift reports',
    local: true,
  },
  imageRepositoryUri: { output: 'ImageRepositoryUri', parameter: 'images/repository-uri', description: 'ECR repository of the inference images', local: false },
  eventBus: { output: 'EventBusName', parameter: 'events/bus-name', description: 'Platform event bus name', local: true },
  // The local platform serves MLflow on an endpoint of its own (the descriptor's `endpoints.mlflow`).
  mlflowApiUrl: { output: 'MlflowApiUrl', parameter: 'mlflow/api-url', description: 'MLflow tracking URI (SigV4-signed requests only)', local: false },
} as const satisfies Record<string, ResourceEntry>;

export type Capability = keyof typeof CAPABILITIES;
export type Operation = keyof typeof OPERATIONS;
export type InternalFunction = keyof typeof INTERNAL_FUNCTIONS;
export type Resource = keyof typeof RESOURCES;
/** The operations of one capability. */
export type OperationOf<C extends Capability> = { [K in Operation]: (typeof OPERATIONS)[K]['capability'] extends C ? K : never }[Operation];
/** A capability's functions by name or ARN, as its client takes them: a client needs only those it calls. */
export type FunctionNames<C extends Capability> = { readonly [K in OperationOf<C>]?: string };
/** The resources a capability's clients need. */
export type ResourceOf<C extends Capability> = (typeof CAPABILITIES)[C]['resources'][number];
/** Resources the CLI lets callers name with a flag. */
export type FlaggedResource = { [K in Resource]: (typeof RESOURCES)[K] extends { flag: string } ? K : never }[Resource];
/** Resources the local platform's descriptor names. */
export type LocalResource = { [K in Resource]: (typeof RESOURCES)[K]['local'] extends true ? K : never }[Resource];

type FunctionIdOf<K extends Operation> = (typeof OPERATIONS)[K]['functionId'];
type ArnOperation = { [K in Operation]: (typeof OPERATIONS)[K] extends { arnOutput: false } ? never : K }[Operation];
/** Every stack output key the platform publishes. */
export type StackOutputKey = `${FunctionIdOf<Operation>}FunctionName` | `${FunctionIdOf<ArnOperation>}FunctionArn` | (typeof RESOURCES)[Resource]['output'];

/** One stack output with its SSM parameter, as the stack publishes it. */
export interface Publication {
  readonly output: StackOutputKey;
  /** Under the stack's parameter prefix. */
  readonly parameter: string;
  readonly description: string;
}

export const operationsOf = <C extends Capability>(capability: C): OperationOf<C>[] =>
  (Object.keys(OPERATIONS) as Operation[]).filter((operation) => OPERATIONS[operation].capability === capability) as OperationOf<C>[];

/** A value for every operation, from its catalogue entry. */
export const mapOperations = <V>(value: (entry: (typeof OPERATIONS)[Operation], operation: Operation) => V): Record<Operation, V> =>
  Object.fromEntries((Object.keys(OPERATIONS) as Operation[]).map((operation) => [operation, value(OPERATIONS[operation], operation)])) as Record<Operation, V>;

/** What the stack publishes for an operation's function: its name, and its ARN unless the catalogue says not. */
export function functionPublications(operation: Operation): { readonly name: Publication; readonly arn?: Publication } {
  const entry: OperationEntry = OPERATIONS[operation];
  const { functionId, parameter } = entry;
  const name = { output: `${functionId}FunctionName`, parameter, description: `${functionId} function name` } as Publication;
  if (entry.arnOutput === false) return { name };
  return { name, arn: { output: `${functionId}FunctionArn`, parameter: `${parameter}-arn`, description: `${functionId} function ARN` } as Publication };
}

/** Every output the stack publishes, in the catalogue's order: the functions', then the resources'. */
export function publications(): Publication[] {
  const functions = (Object.keys(OPERATIONS) as Operation[]).flatMap((operation) => {
    const { name, arn } = functionPublications(operation);
    return arn ? [name, arn] : [name];
  });
  return [...functions, ...Object.values(RESOURCES)];
}

/** The stack output naming an operation's function or a resource. */
export const stackOutput = (key: Operation | Resource): StackOutputKey =>
  key in RESOURCES ? RESOURCES[key as Resource].output : functionPublications(key as Operation).name.output;

/** Commander's option key for a flag: `--register-function` is `registerFunction`. */
export const optionKey = (flag: string): string => flag.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Every stack output key by its camelCase name (`STACK_OUTPUTS.artifactBucketName` is `ArtifactBucketName`). */
export const STACK_OUTPUTS = Object.fromEntries(publications().map(({ output }) => [output[0].toLowerCase() + output.slice(1), output])) as {
  readonly [K in StackOutputKey as Uncapitalize<K>]: K;
};
