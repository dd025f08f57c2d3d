import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { RegistryConfigurationError } from './errors';
import type { RegistryFunctionNames } from './registry-client';
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

/** The outputs discovery needs; the stack publishes more (ARNs, the event bus) for other readers. */
const REQUIRED_OUTPUTS = [
  STACK_OUTPUTS.registerModelFunctionName,
  STACK_OUTPUTS.setModelAliasFunctionName,
  STACK_OUTPUTS.queryRegistryFunctionName,
  STACK_OUTPUTS.artifactBucketName,
] as const;

/** Reads the deployed stack's outputs to find the registry functions and the artifact bucket. */
export async function discoverFunctions({ stackName, cloudFormation = new CloudFormationClient({}) }: DiscoverFunctionsOptions): Promise<DiscoveredRegistry> {
  let outputs: Map<string | undefined, string | undefined>;
  try {
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = new Map((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) {
      throw new RegistryConfigurationError(`stack "${stackName}" does not exist in this account and region: deploy it, or name another stack`);
    }
    throw error;
  }
  const missing = REQUIRED_OUTPUTS.filter((key) => !outputs.get(key));
  if (missing.length > 0) {
    throw new RegistryConfigurationError(`stack "${stackName}" has no output ${missing.join(', ')}: is it the MLOps platform stack, fully deployed?`);
  }
  const output = (key: string) => outputs.get(key) as string;
  return {
    functions: {
      registerModel: output(STACK_OUTPUTS.registerModelFunctionName),
      setModelAlias: output(STACK_OUTPUTS.setModelAliasFunctionName),
      queryRegistry: output(STACK_OUTPUTS.queryRegistryFunctionName),
    },
    artifactBucket: output(STACK_OUTPUTS.artifactBucketName),
  };
}
