import { ConfigurationError, MlopsError, UnreachableError } from '../client/shared/errors';
import { LOCAL_ENV, localDescriptorFile } from './local-descriptor-file';

/** Where the failed command was pointed, to say how to start or name a platform. */
export interface Target {
  /** `--local` was given (`MLOPS_LOCAL`, in `env`, asks for the local platform too). */
  readonly localFlag: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const START_LOCAL = `start one with \`npm run local\` in the mlops-platform folder, or point ${LOCAL_ENV} at its platform.json`;
const REACH_A_PLATFORM =
  'to reach a platform, deploy one with `npx cdk deploy`, name its stack with --stack or MLOPS_STACK, or use --local for the one `npm run local` started';

/** Discovery's refusal when the stack is not deployed (client/shared/discovery.ts). */
const STACK_MISSING = /^stack "[^"]*" does not exist\b/;

const isLocal = (target: Target) => target.localFlag || Boolean(target.env[LOCAL_ENV]);

function descriptorOf(target: Target): string {
  try {
    return localDescriptorFile(target.env, target.cwd);
  } catch {
    return 'none found';
  }
}

/** A failure as one line: its type, what happened, and, when no platform could be reached, how to get one. */
export function errorMessage(error: unknown, target: Target): string {
  if (error instanceof UnreachableError && isLocal(target)) {
    return `error (${error.errorType}): no local platform answers at ${error.endpoint} (descriptor ${descriptorOf(target)}): ${START_LOCAL}`;
  }
  if (error instanceof ConfigurationError && STACK_MISSING.test(error.message)) return `error (${error.errorType}): ${error.message}; ${REACH_A_PLATFORM}`;
  if (error instanceof MlopsError) return `error (${error.errorType}): ${error.message}`;
  // Duck-typed: errors from Node's internals and the SDK may come from another realm (as under jest).
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message !== 'string') return `error: ${String(error)}`;
  // The SDK found no credentials in its chain (environment, profiles, SSO, instance roles).
  if (name === 'CredentialsProviderError') return `error (${name}): no AWS credentials found (${message}); ${REACH_A_PLATFORM}`;
  return typeof name === 'string' && name !== 'Error' && name !== '' ? `error (${name}): ${message}` : `error: ${message}`;
}
