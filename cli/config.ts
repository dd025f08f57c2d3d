import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { DeploymentsClient } from '../client/deployments/deployments-client';
import type { TrackingClient } from '../client/experiments/experiments-client';
import type { ImagesClient } from '../client/images/images-client';
import type { MonitoringClient } from '../client/monitoring/monitoring-client';
import type { RegistryClient } from '../client/registry/registry-client';
import {
  CAPABILITIES,
  type Capability,
  DEFAULT_STACK_NAME,
  type FlaggedResource,
  OPERATIONS,
  type Operation,
  type OperationOf,
  operationsOf,
  optionKey,
  RESOURCES,
  type ResourceOf,
} from '../client/shared/catalogue';
import { discover } from '../client/shared/discovery';
import { ConfigurationError } from '../client/shared/errors';
import { type LocalPlatformDescriptor, localAwsClients, localSageMakerRuntimeClient, readDescriptor } from '../client/shared/local-connection';
import type { CliContext } from './context';
import { processesOf } from './exec/node-process';
import { LOCAL_ENV, localDescriptorFile } from './local-descriptor-file';

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
/** What the CLI lets callers name: every operation's function, and the resources with a flag. */
type Named = Operation | FlaggedResource;
/** Commander's key of each catalogue flag (`--register-function` is `registerFunction`). */
type SettingOption = {
  [K in Named]: (K extends Operation ? (typeof OPERATIONS)[K] : (typeof RESOURCES)[K & FlaggedResource])['flag'] extends `--${infer Name}`
    ? Camel<Name>
    : never;
}[Named];

/** The global options, as commander hands them to every command: one per catalogue flag, and these. */
export interface GlobalOptions extends Readonly<Partial<Record<SettingOption, string>>> {
  readonly stack?: string;
  readonly region?: string;
  readonly local?: boolean;
  readonly json?: boolean;
}

/** One connection setting: its flag and its environment variable. */
export interface Setting {
  readonly flag: string;
  readonly env: string;
}

/** What a command of a capability may need named: its functions, and the flagged resources its client uses. */
export type Need<C extends Capability> = OperationOf<C> | Extract<ResourceOf<C>, FlaggedResource>;

const settingOf = (named: Named): Setting => (named in RESOURCES ? RESOURCES[named as FlaggedResource] : OPERATIONS[named as Operation]);

/** Every setting a capability's commands may need, in the catalogue's order. */
function needsOf<C extends Capability>(capability: C): Need<C>[] {
  const resources = (CAPABILITIES[capability].resources as readonly ResourceOf<C>[]).filter((resource) => 'flag' in RESOURCES[resource]);
  return [...operationsOf(capability), ...resources] as Need<C>[];
}

/** Every connection setting with its help text, capability by capability, each once. */
export function connectionSettings(): (Setting & { readonly help: string })[] {
  const needs = [...new Set((Object.keys(CAPABILITIES) as Capability[]).flatMap((capability) => needsOf(capability) as Named[]))];
  return needs.map((named) => {
    const { flag, env } = settingOf(named);
    const what =
      named in OPERATIONS ? `${OPERATIONS[named as Operation].functionId} function name or ARN` : RESOURCES[named as FlaggedResource].description.toLowerCase();
    return { flag, env, help: `${what} (env ${env})` };
  });
}

export const STACK_ENV = 'MLOPS_STACK';
export { LOCAL_ENV } from './local-descriptor-file';
export const ACTOR_ENV = 'MLOPS_ACTOR';

/** The local platform's descriptor when `--local` or `MLOPS_LOCAL` asks for it. */
function localDescriptor(context: CliContext, options: GlobalOptions): LocalPlatformDescriptor | undefined {
  if (!options.local && !context.env[LOCAL_ENV]) return undefined;
  return readDescriptor(localDescriptorFile(context.env, processesOf(context).cwd()));
}

/** What a capability's client is built from, wherever the names came from. */
interface Connection<C extends Capability> {
  readonly functions: Partial<Record<OperationOf<C>, string>>;
  readonly artifactBucket?: string;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly sageMakerRuntime: () => SageMakerRuntimeClient;
}

interface Clients {
  readonly registry: RegistryClient;
  readonly experiments: TrackingClient;
  readonly monitoring: MonitoringClient;
  readonly images: ImagesClient;
  readonly deployments: DeploymentsClient;
}

// Each client is required when a command connects, not imported: a call initializes one area's
// client and schemas, not all four (module initialization is most of the CLI's start-up).
const CLIENTS: { readonly [C in Capability]: (connection: Connection<C>) => Clients[C] } = {
  registry: (connection) =>
    new (require('../client/registry/registry-client') as typeof import('../client/registry/registry-client')).RegistryClient(connection),
  experiments: ({ functions, lambda }) =>
    new (require('../client/experiments/experiments-client') as typeof import('../client/experiments/experiments-client')).TrackingClient({
      functions,
      lambda,
    }),
  monitoring: (connection) =>
    new (require('../client/monitoring/monitoring-client') as typeof import('../client/monitoring/monitoring-client')).MonitoringClient(connection),
  images: (connection) => new (require('../client/images/images-client') as typeof import('../client/images/images-client')).ImagesClient(connection),
  deployments: ({ functions, lambda, sageMakerRuntime }) =>
    new (require('../client/deployments/deployments-client') as typeof import('../client/deployments/deployments-client')).DeploymentsClient({
      functions,
      lambda,
      sageMakerRuntime,
    }),
};

const pick = <K extends string>(keys: readonly K[], from: Partial<Record<string, string>>) =>
  Object.fromEntries(keys.filter((key) => from[key] !== undefined).map((key) => [key, from[key]])) as Partial<Record<K, string>>;

/** The local platform's names; a descriptor written before it ran some functions names none of them. */
function localConnection<C extends Capability>(descriptor: LocalPlatformDescriptor, capability: C, needs: readonly Need<C>[]): Connection<C> {
  const local: Partial<Record<string, string>> = { ...descriptor.functions, artifactBucket: descriptor.artifactBucket };
  const missing = needs.filter((need) => !local[need]);
  if (missing.length > 0) throw new ConfigurationError(`the local platform's descriptor names no ${missing.join(', ')} function: restart npm run local`);
  return {
    functions: pick(operationsOf(capability), local),
    artifactBucket: descriptor.artifactBucket,
    ...localAwsClients(descriptor),
    sageMakerRuntime: () => localSageMakerRuntimeClient(descriptor),
  };
}

/**
 * Each setting from its flag, else its environment variable, else the stack's outputs. The stack
 * is read only when a setting the command needs was given neither way, so a command run with
 * explicit names makes no CloudFormation call; a needed setting found nowhere is an error.
 */
async function deployedConnection<C extends Capability>(
  context: CliContext,
  options: GlobalOptions,
  capability: C,
  needs: readonly Need<C>[],
): Promise<Connection<C>> {
  const explicit = new Map(
    needsOf(capability).map((need) => {
      const { flag, env } = settingOf(need);
      return [need, options[optionKey(flag) as SettingOption] || context.env[env] || undefined];
    }),
  );
  const clients = context.awsClients(options.region);
  let discovered: Partial<Record<string, string>> = {};
  if (needs.some((need) => !explicit.get(need))) {
    const stackName = options.stack ?? context.env[STACK_ENV] ?? DEFAULT_STACK_NAME;
    const stack = await discover(capability, { stackName, cloudFormation: clients.cloudFormation });
    discovered = { ...stack, ...stack.functions };
  }
  const value = (need: Need<C>) => explicit.get(need) ?? discovered[need];
  for (const need of needs) {
    const { flag, env } = settingOf(need);
    if (!value(need)) throw new ConfigurationError(`no ${need} given: pass ${flag}, set ${env}, or name the stack with --stack`);
  }
  const names = Object.fromEntries(needsOf(capability).map((need) => [need, value(need)]));
  return {
    functions: pick(operationsOf(capability), names),
    artifactBucket: names.artifactBucket,
    lambda: clients.lambda,
    s3: clients.s3,
    sageMakerRuntime: clients.sageMakerRuntime,
  };
}

/**
 * Builds a capability's client for the local platform (`--local`), or from flags, then
 * environment variables, then the stack's outputs.
 */
export async function connectTo<C extends Capability>(
  capability: C,
  context: CliContext,
  options: GlobalOptions,
  needs: readonly Need<C>[],
): Promise<Clients[C]> {
  const descriptor = localDescriptor(context, options);
  const connection = descriptor ? localConnection(descriptor, capability, needs) : await deployedConnection(context, options, capability, needs);
  return CLIENTS[capability](connection);
}

/** A registry client: `connectTo('registry', ...)`. */
export const connect = (context: CliContext, options: GlobalOptions, needs: readonly Need<'registry'>[]) => connectTo('registry', context, options, needs);
/** An experiment-tracking client: `connectTo('experiments', ...)`. */
export const connectTracking = (context: CliContext, options: GlobalOptions, needs: readonly Need<'experiments'>[]) =>
  connectTo('experiments', context, options, needs);
/** A monitoring client: `connectTo('monitoring', ...)`. */
export const connectMonitoring = (context: CliContext, options: GlobalOptions, needs: readonly Need<'monitoring'>[]) =>
  connectTo('monitoring', context, options, needs);
/** An inference images client: `connectTo('images', ...)`. */
export const connectImages = (context: CliContext, options: GlobalOptions, needs: readonly Need<'images'>[]) => connectTo('images', context, options, needs);
/** A deployments client: `connectTo('deployments', ...)`. */
export const connectDeployments = (context: CliContext, options: GlobalOptions, needs: readonly Need<'deployments'>[]) =>
  connectTo('deployments', context, options, needs);

/** Who the registry records as acting: `MLOPS_ACTOR`, else `<os user>@<hostname>`. */
export function actor(context: CliContext): string {
  return context.env[ACTOR_ENV] || context.defaultActor();
}
