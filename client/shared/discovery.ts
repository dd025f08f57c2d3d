import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { ImagesFunctionNames } from '../images/images-client';
import type { MonitoringFunctionNames } from '../monitoring/monitoring-client';
import type { RegistryFunctionNames } from '../registry/registry-client';
import { ConfigurationError } from './errors';
import { STACK_OUTPUTS } from './stack-outputs';

export interface DiscoverFunctionsOptions {
  readonly stackName: string;
  /** @default - a client for the default region */
  readonly cloudFormation?: CloudFormationClient;
}

export interface DiscoveredRegistry {
  readonly functions: Required<RegistryFunctionNames>;
  readonly artifactBucket: string;
}

export interface DiscoveredMonitoring {
  readonly functions: Required<MonitoringFunctionNames>;
  /** Baselines, collected records and drift reports. */
  readonly monitoringBucket: string;
  /** Where training data for baselines profiled by the function goes. */
  readonly artifactBucket: string;
}

export interface DiscoveredImages {
  readonly functions: Required<ImagesFunctionNames>;
  /** Where entry scripts and requirements are uploaded for builds. */
  readonly artifactBucket: string;
  /** The ECR repository the platform pushes the images it builds to. */
  readonly imageRepositoryUri: string;
}

/** The outputs discovery needs; the stack publishes more (ARNs, the event bus) for other readers. */
const REQUIRED_OUTPUTS = [
  STACK_OUTPUTS.registerModelFunctionName,
  STACK_OUTPUTS.setModelAliasFunctionName,
  STACK_OUTPUTS.queryRegistryFunctionName,
  STACK_OUTPUTS.artifactBucketName,
] as const;

/**
 * The outputs of a deployed stack, by key; fails with a configuration error naming what is
 * missing when the stack does not exist or lacks one of `required` (`capability` says what they are).
 */
export async function readStackOutputs(
  stackName: string,
  cloudFormation: CloudFormationClient,
  required: readonly string[],
  capability: string,
): Promise<(key: string) => string> {
  let outputs: Map<string | undefined, string | undefined>;
  try {
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = new Map((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) {
      throw new ConfigurationError(`stack "${stackName}" does not exist in this account and region: deploy it, or name another stack`);
    }
    throw error;
  }
  const missing = required.filter((key) => !outputs.get(key));
  if (missing.length > 0) {
    throw new ConfigurationError(`stack "${stackName}" has no output ${missing.join(', ')}: does it include ${capability}, fully deployed?`);
  }
  return (key) => outputs.get(key) as string;
}

/** Reads the deployed stack's outputs to find the registry functions and the artifact bucket. */
export async function discoverFunctions({ stackName, cloudFormation = new CloudFormationClient({}) }: DiscoverFunctionsOptions): Promise<DiscoveredRegistry> {
  const output = await readStackOutputs(stackName, cloudFormation, REQUIRED_OUTPUTS, 'the model registry');
  return {
    functions: {
      registerModel: output(STACK_OUTPUTS.registerModelFunctionName),
      setModelAlias: output(STACK_OUTPUTS.setModelAliasFunctionName),
      queryRegistry: output(STACK_OUTPUTS.queryRegistryFunctionName),
    },
    artifactBucket: output(STACK_OUTPUTS.artifactBucketName),
  };
}

const MONITORING_OUTPUTS = [
  STACK_OUTPUTS.collectDataFunctionName,
  STACK_OUTPUTS.registerBaselineFunctionName,
  STACK_OUTPUTS.queryMonitoringFunctionName,
  STACK_OUTPUTS.monitoringBucketName,
  STACK_OUTPUTS.artifactBucketName,
] as const;

/** Reads the deployed stack's outputs to find the monitoring functions and buckets. */
export async function discoverMonitoring({
  stackName,
  cloudFormation = new CloudFormationClient({}),
}: DiscoverFunctionsOptions): Promise<DiscoveredMonitoring> {
  const output = await readStackOutputs(stackName, cloudFormation, MONITORING_OUTPUTS, 'model monitoring');
  return {
    functions: {
      collectData: output(STACK_OUTPUTS.collectDataFunctionName),
      registerBaseline: output(STACK_OUTPUTS.registerBaselineFunctionName),
      queryMonitoring: output(STACK_OUTPUTS.queryMonitoringFunctionName),
    },
    monitoringBucket: output(STACK_OUTPUTS.monitoringBucketName),
    artifactBucket: output(STACK_OUTPUTS.artifactBucketName),
  };
}

const IMAGES_OUTPUTS = [
  STACK_OUTPUTS.registerImageFunctionName,
  STACK_OUTPUTS.queryImagesFunctionName,
  STACK_OUTPUTS.artifactBucketName,
  STACK_OUTPUTS.imageRepositoryUri,
] as const;

/** Reads the deployed stack's outputs to find the inference image functions, the artifact bucket and the image repository. */
export async function discoverImages({ stackName, cloudFormation = new CloudFormationClient({}) }: DiscoverFunctionsOptions): Promise<DiscoveredImages> {
  const output = await readStackOutputs(stackName, cloudFormation, IMAGES_OUTPUTS, 'inference images');
  return {
    functions: {
      registerImage: output(STACK_OUTPUTS.registerImageFunctionName),
      queryImages: output(STACK_OUTPUTS.queryImagesFunctionName),
    },
    artifactBucket: output(STACK_OUTPUTS.artifactBucketName),
    imageRepositoryUri: output(STACK_OUTPUTS.imageRepositoryUri),
  };
}
