import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CAPABILITIES, type Capability, type OperationOf, operationsOf, type ResourceOf, stackOutput } from './catalogue';
import { ConfigurationError } from './errors';

// Required at first use, not imported: a call against the local platform never reads a stack, and the
// CLI starts faster without initializing CloudFormation's client.
const cloudFormationModule = () => require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');

export interface DiscoverFunctionsOptions {
  readonly stackName: string;
  /** @default - a client for the default region */
  readonly cloudFormation?: CloudFormationClient;
}

/** A capability's functions by operation, and the resources its clients need, as a deployed stack names them. */
export type Discovered<C extends Capability> = { readonly functions: Readonly<Record<OperationOf<C>, string>> } & Readonly<Record<ResourceOf<C>, string>>;

export type DiscoveredRegistry = Discovered<'registry'>;
export type DiscoveredTracking = Discovered<'experiments'>;
/** The monitoring bucket holds baselines, collected records and drift reports; training data for baselines goes to the artifact bucket. */
export type DiscoveredMonitoring = Discovered<'monitoring'>;
/** Entry scripts and requirements upload to the artifact bucket; the platform pushes the images it builds to the repository. */
export type DiscoveredImages = Discovered<'images'>;

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
    const { Stacks = [] } = await cloudFormation.send(new (cloudFormationModule().DescribeStacksCommand)({ StackName: stackName }));
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

/** Reads a deployed stack's outputs to find a capability's functions and the resources its clients need. */
export async function discover<C extends Capability>(
  capability: C,
  { stackName, cloudFormation = new (cloudFormationModule().CloudFormationClient)({}) }: DiscoverFunctionsOptions,
): Promise<Discovered<C>> {
  const operations = operationsOf(capability);
  const resources: readonly ResourceOf<C>[] = CAPABILITIES[capability].resources;
  const required = [...operations, ...resources].map(stackOutput);
  const output = await readStackOutputs(stackName, cloudFormation, required, CAPABILITIES[capability].title);
  const functions = Object.fromEntries(operations.map((operation) => [operation, output(stackOutput(operation))]));
  return { functions, ...Object.fromEntries(resources.map((resource) => [resource, output(stackOutput(resource))])) } as Discovered<C>;
}

/** @deprecated use `discover('registry', options)` */
export const discoverFunctions = (options: DiscoverFunctionsOptions): Promise<DiscoveredRegistry> => discover('registry', options);
/** @deprecated use `discover('monitoring', options)` */
export const discoverMonitoring = (options: DiscoverFunctionsOptions): Promise<DiscoveredMonitoring> => discover('monitoring', options);
/** @deprecated use `discover('images', options)` */
export const discoverImages = (options: DiscoverFunctionsOptions): Promise<DiscoveredImages> => discover('images', options);
