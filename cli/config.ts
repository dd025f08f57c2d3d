import { join } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { TrackingClient } from '../client/experiments/experiments-client';
import { ImagesClient } from '../client/images/images-client';
import { MonitoringClient } from '../client/monitoring/monitoring-client';
import { RegistryClient } from '../client/registry/registry-client';
import { discoverFunctions, discoverImages, discoverMonitoring, readStackOutputs } from '../client/shared/discovery';
import { ConfigurationError } from '../client/shared/errors';
import {
  DEFAULT_DATA_DIRECTORY,
  DESCRIPTOR_FILE,
  type LocalPlatformDescriptor,
  localAwsClients,
  localImagesClient,
  localRegistryClient,
  localTrackingClient,
  readDescriptor,
} from '../client/shared/local-connection';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../client/shared/stack-outputs';
import type { AwsClients, CliContext } from './context';

/** The global options, as commander hands them to every command. */
export interface GlobalOptions {
  readonly stack?: string;
  readonly registerFunction?: string;
  readonly aliasFunction?: string;
  readonly queryFunction?: string;
  readonly artifactBucket?: string;
  readonly startRunFunction?: string;
  readonly logMetricsFunction?: string;
  readonly endRunFunction?: string;
  readonly queryRunsFunction?: string;
  readonly sweepRunsFunction?: string;
  readonly collectDataFunction?: string;
  readonly registerBaselineFunction?: string;
  readonly queryMonitoringFunction?: string;
  readonly registerImageFunction?: string;
  readonly queryImagesFunction?: string;
  readonly region?: string;
  readonly local?: boolean;
  readonly json?: boolean;
}

/** One connection setting: its flag, its environment variable, and its option key. */
interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly option: keyof GlobalOptions;
}

/** Each registry setting: its flag, its environment variable, and where it goes in the client. */
export const SETTINGS = {
  registerModel: { flag: '--register-function', env: 'MLOPS_REGISTER_FUNCTION', option: 'registerFunction' },
  setModelAlias: { flag: '--alias-function', env: 'MLOPS_ALIAS_FUNCTION', option: 'aliasFunction' },
  queryRegistry: { flag: '--query-function', env: 'MLOPS_QUERY_FUNCTION', option: 'queryFunction' },
  artifactBucket: { flag: '--artifact-bucket', env: 'MLOPS_ARTIFACT_BUCKET', option: 'artifactBucket' },
} as const satisfies Record<string, Setting>;

/** Each experiment-tracking function, with the stack output that names it. */
export const TRACKING_SETTINGS = {
  startRun: { flag: '--start-run-function', env: 'MLOPS_START_RUN_FUNCTION', option: 'startRunFunction', output: STACK_OUTPUTS.startRunFunctionName },
  logMetrics: { flag: '--log-metrics-function', env: 'MLOPS_LOG_METRICS_FUNCTION', option: 'logMetricsFunction', output: STACK_OUTPUTS.logMetricsFunctionName },
  endRun: { flag: '--end-run-function', env: 'MLOPS_END_RUN_FUNCTION', option: 'endRunFunction', output: STACK_OUTPUTS.endRunFunctionName },
  queryRuns: { flag: '--query-runs-function', env: 'MLOPS_QUERY_RUNS_FUNCTION', option: 'queryRunsFunction', output: STACK_OUTPUTS.queryRunsFunctionName },
  sweepRuns: { flag: '--sweep-runs-function', env: 'MLOPS_SWEEP_RUNS_FUNCTION', option: 'sweepRunsFunction', output: STACK_OUTPUTS.sweepRunsFunctionName },
} as const satisfies Record<string, Setting & { output: string }>;

/** Each monitoring setting; the artifact bucket (where `--remote` baselines upload training data) is the registry's. */
export const MONITORING_SETTINGS = {
  collectData: { flag: '--collect-data-function', env: 'MLOPS_COLLECT_DATA_FUNCTION', option: 'collectDataFunction' },
  registerBaseline: { flag: '--register-baseline-function', env: 'MLOPS_REGISTER_BASELINE_FUNCTION', option: 'registerBaselineFunction' },
  queryMonitoring: { flag: '--query-monitoring-function', env: 'MLOPS_QUERY_MONITORING_FUNCTION', option: 'queryMonitoringFunction' },
  artifactBucket: SETTINGS.artifactBucket,
} as const satisfies Record<string, Setting>;

/** Each inference image setting; entry scripts and requirements upload to the registry's artifact bucket. */
export const IMAGES_SETTINGS = {
  registerImage: { flag: '--register-image-function', env: 'MLOPS_REGISTER_IMAGE_FUNCTION', option: 'registerImageFunction' },
  queryImages: { flag: '--query-images-function', env: 'MLOPS_QUERY_IMAGES_FUNCTION', option: 'queryImagesFunction' },
  artifactBucket: SETTINGS.artifactBucket,
} as const satisfies Record<string, Setting>;

export const STACK_ENV = 'MLOPS_STACK';
/** Set to a descriptor path (or `1`) to use the platform `npm run local` started. */
export const LOCAL_ENV = 'MLOPS_LOCAL';
export const ACTOR_ENV = 'MLOPS_ACTOR';

export type Need = keyof typeof SETTINGS;
export type TrackingNeed = keyof typeof TRACKING_SETTINGS;
export type MonitoringNeed = keyof typeof MONITORING_SETTINGS;
export type ImagesNeed = keyof typeof IMAGES_SETTINGS;

/** The local platform's descriptor when `--local` or `MLOPS_LOCAL` asks for it. */
function localDescriptor(context: CliContext, options: GlobalOptions): LocalPlatformDescriptor | undefined {
  const localSetting = context.env[LOCAL_ENV];
  if (!options.local && !localSetting) return undefined;
  const namesFile = localSetting && !['1', 'true'].includes(localSetting);
  return readDescriptor(namesFile ? localSetting : join(DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE));
}

interface ResolvedSettings<N extends string> {
  readonly value: (need: N) => string | undefined;
  readonly clients: AwsClients;
}

/**
 * Each setting from its flag, else its environment variable, else the stack's outputs. The stack
 * is read only when a setting the command needs was given neither way, so a command run with
 * explicit names makes no CloudFormation call; a needed setting found nowhere is an error.
 */
async function resolveSettings<N extends string>(
  context: CliContext,
  options: GlobalOptions,
  settings: Readonly<Record<N, Setting>>,
  needs: readonly N[],
  discover: (stackName: string, cloudFormation: CloudFormationClient) => Promise<Partial<Record<N, string>>>,
): Promise<ResolvedSettings<N>> {
  const entries = Object.entries(settings) as [N, Setting][];
  const explicit = Object.fromEntries(entries.map(([need, setting]) => [need, options[setting.option] || context.env[setting.env] || undefined])) as Record<
    N,
    string | undefined
  >;
  const clients = context.awsClients(options.region);
  let discovered: Partial<Record<N, string>> = {};
  if (needs.some((need) => !explicit[need])) {
    const stackName = options.stack ?? context.env[STACK_ENV] ?? DEFAULT_STACK_NAME;
    discovered = await discover(stackName, clients.cloudFormation);
  }
  const value = (need: N) => explicit[need] ?? discovered[need];
  for (const need of needs) {
    const { flag, env } = settings[need];
    if (!value(need)) throw new ConfigurationError(`no ${need} given: pass ${flag}, set ${env}, or name the stack with --stack`);
  }
  return { value, clients };
}

/**
 * Builds a registry client for the local platform (`--local`), or from flags, then environment
 * variables, then the stack's outputs.
 */
export async function connect(context: CliContext, options: GlobalOptions, needs: readonly Need[]): Promise<RegistryClient> {
  const descriptor = localDescriptor(context, options);
  if (descriptor) return localRegistryClient(descriptor);
  const { value, clients } = await resolveSettings(context, options, SETTINGS, needs, async (stackName, cloudFormation) => {
    const stack = await discoverFunctions({ stackName, cloudFormation });
    return { ...stack.functions, artifactBucket: stack.artifactBucket };
  });
  return new RegistryClient({
    functions: { registerModel: value('registerModel'), setModelAlias: value('setModelAlias'), queryRegistry: value('queryRegistry') },
    artifactBucket: value('artifactBucket'),
    lambda: clients.lambda,
    s3: clients.s3,
  });
}

/** The tracking functions the stack names in its outputs; a stack without them is not (fully) the platform. */
async function discoverTracking(stackName: string, cloudFormation: CloudFormationClient): Promise<Partial<Record<TrackingNeed, string>>> {
  const entries = Object.entries(TRACKING_SETTINGS) as [TrackingNeed, (typeof TRACKING_SETTINGS)[TrackingNeed]][];
  const output = await readStackOutputs(
    stackName,
    cloudFormation,
    entries.map(([, setting]) => setting.output),
    'experiment tracking',
  );
  return Object.fromEntries(entries.map(([need, setting]) => [need, output(setting.output)]));
}

/** Builds an experiment-tracking client the way `connect` builds a registry client. */
export async function connectTracking(context: CliContext, options: GlobalOptions, needs: readonly TrackingNeed[]): Promise<TrackingClient> {
  const descriptor = localDescriptor(context, options);
  if (descriptor) return localTrackingClient(descriptor);
  const { value, clients } = await resolveSettings(context, options, TRACKING_SETTINGS, needs, discoverTracking);
  const functions = Object.fromEntries(Object.keys(TRACKING_SETTINGS).map((need) => [need, value(need as TrackingNeed)]));
  return new TrackingClient({ functions, lambda: clients.lambda });
}

/** Builds a monitoring client the way `connect` builds a registry client. */
export async function connectMonitoring(context: CliContext, options: GlobalOptions, needs: readonly MonitoringNeed[]): Promise<MonitoringClient> {
  const descriptor = localDescriptor(context, options);
  if (descriptor) {
    // A descriptor written before the local platform ran monitoring names none of its functions.
    const local: Partial<Record<MonitoringNeed, string>> = { ...descriptor.functions, artifactBucket: descriptor.artifactBucket };
    const missing = needs.filter((need) => !local[need]);
    if (missing.length > 0) throw new ConfigurationError(`the local platform's descriptor names no ${missing.join(', ')} function: restart npm run local`);
    return new MonitoringClient({ functions: local, artifactBucket: local.artifactBucket, ...localAwsClients(descriptor) });
  }
  const { value, clients } = await resolveSettings(context, options, MONITORING_SETTINGS, needs, async (stackName, cloudFormation) => {
    const stack = await discoverMonitoring({ stackName, cloudFormation });
    return { ...stack.functions, artifactBucket: stack.artifactBucket };
  });
  return new MonitoringClient({
    functions: { collectData: value('collectData'), registerBaseline: value('registerBaseline'), queryMonitoring: value('queryMonitoring') },
    artifactBucket: value('artifactBucket'),
    lambda: clients.lambda,
    s3: clients.s3,
  });
}

/** Builds an inference images client the way `connect` builds a registry client. */
export async function connectImages(context: CliContext, options: GlobalOptions, needs: readonly ImagesNeed[]): Promise<ImagesClient> {
  const descriptor = localDescriptor(context, options);
  if (descriptor) {
    // A descriptor written before the local platform ran the image functions names none of them.
    const local: Partial<Record<ImagesNeed, string>> = { ...descriptor.functions, artifactBucket: descriptor.artifactBucket };
    const missing = needs.filter((need) => !local[need]);
    if (missing.length > 0) throw new ConfigurationError(`the local platform's descriptor names no ${missing.join(', ')} function: restart npm run local`);
    return localImagesClient(descriptor);
  }
  const { value, clients } = await resolveSettings(context, options, IMAGES_SETTINGS, needs, async (stackName, cloudFormation) => {
    const stack = await discoverImages({ stackName, cloudFormation });
    return { ...stack.functions, artifactBucket: stack.artifactBucket };
  });
  return new ImagesClient({
    functions: { registerImage: value('registerImage'), queryImages: value('queryImages') },
    artifactBucket: value('artifactBucket'),
    lambda: clients.lambda,
    s3: clients.s3,
  });
}

/** Who the registry records as acting: `MLOPS_ACTOR`, else `<os user>@<hostname>`. */
export function actor(context: CliContext): string {
  return context.env[ACTOR_ENV] || context.defaultActor();
}
