import { join } from 'node:path';
import { discoverFunctions } from '../client/discovery';
import { RegistryConfigurationError } from '../client/errors';
import { RegistryClient } from '../client/registry-client';
import { DEFAULT_STACK_NAME } from '../client/stack-outputs';
import { DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE, localRegistryClient, readDescriptor } from '../local/connection';
import type { CliContext } from './context';

/** The global options, as commander hands them to every command. */
export interface GlobalOptions {
  readonly stack?: string;
  readonly registerFunction?: string;
  readonly aliasFunction?: string;
  readonly queryFunction?: string;
  readonly artifactBucket?: string;
  readonly region?: string;
  readonly local?: boolean;
  readonly json?: boolean;
}

/** Each setting: its flag, its environment variable, and where it goes in the client. */
export const SETTINGS = {
  registerModel: { flag: '--register-function', env: 'MLOPS_REGISTER_FUNCTION', option: 'registerFunction' },
  setModelAlias: { flag: '--alias-function', env: 'MLOPS_ALIAS_FUNCTION', option: 'aliasFunction' },
  queryRegistry: { flag: '--query-function', env: 'MLOPS_QUERY_FUNCTION', option: 'queryFunction' },
  artifactBucket: { flag: '--artifact-bucket', env: 'MLOPS_ARTIFACT_BUCKET', option: 'artifactBucket' },
} as const;
export const STACK_ENV = 'MLOPS_STACK';
/** Set to a descriptor path (or `1`) to use the platform `npm run local` started. */
export const LOCAL_ENV = 'MLOPS_LOCAL';
export const ACTOR_ENV = 'MLOPS_ACTOR';

export type Need = keyof typeof SETTINGS;

/**
 * Builds a registry client for the local platform (`--local`), or from flags, then environment
 * variables, then the stack's outputs.
 * The stack is read only when a setting the command needs was given neither way, so a
 * command run with explicit names makes no CloudFormation call.
 */
export async function connect(context: CliContext, options: GlobalOptions, needs: readonly Need[]): Promise<RegistryClient> {
  const localSetting = context.env[LOCAL_ENV];
  if (options.local || localSetting) {
    const namesFile = localSetting && !['1', 'true'].includes(localSetting);
    return localRegistryClient(readDescriptor(namesFile ? localSetting : join(DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE)));
  }
  const explicit = Object.fromEntries(
    Object.entries(SETTINGS).map(([need, setting]) => [need, options[setting.option] || context.env[setting.env] || undefined]),
  ) as Record<Need, string | undefined>;
  const clients = context.awsClients(options.region);
  let discovered: Partial<Record<Need, string>> = {};
  if (needs.some((need) => !explicit[need])) {
    const stackName = options.stack ?? context.env[STACK_ENV] ?? DEFAULT_STACK_NAME;
    const stack = await discoverFunctions({ stackName, cloudFormation: clients.cloudFormation });
    discovered = { ...stack.functions, artifactBucket: stack.artifactBucket };
  }
  const setting = (need: Need) => explicit[need] ?? discovered[need];
  for (const need of needs) {
    if (!setting(need)) throw new RegistryConfigurationError(`no ${need} given: pass ${SETTINGS[need].flag}, set ${SETTINGS[need].env}, or name the stack with --stack`);
  }
  return new RegistryClient({
    functions: { registerModel: setting('registerModel'), setModelAlias: setting('setModelAlias'), queryRegistry: setting('queryRegistry') },
    artifactBucket: setting('artifactBucket'),
    lambda: clients.lambda,
    s3: clients.s3,
  });
}

/** Who the registry records as acting: `MLOPS_ACTOR`, else `<os user>@<hostname>`. */
export function actor(context: CliContext): string {
  return context.env[ACTOR_ENV] || context.defaultActor();
}
