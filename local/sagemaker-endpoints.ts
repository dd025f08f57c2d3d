import type {
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateModelInput,
  DataCaptureConfig,
  DeploymentConfig,
  DescribeEndpointConfigOutput,
  DescribeEndpointOutput,
  DescribeModelOutput,
  EndpointStatus,
  ProductionVariant,
  ProductionVariantSummary,
  UpdateEndpointInput,
  VariantStatus,
} from '@aws-sdk/client-sagemaker';
import { HOSTING_INSTANCE_TYPES } from '../lambda/deployments/core/hosting-instance-types';
import { checkDeploymentConfig, EXECUTION_SECONDS, trafficSteps } from './blue-green-update';
import { LOCAL_ACCOUNT } from './provision-from-template';
import { validation } from './sagemaker-validation-error';

/**
 * SageMaker hosting as this machine runs it: models, endpoint configs and endpoints kept in memory, each endpoint
 * served by fleets (one serving-shim process per production variant) that `startFleet` starts. It behaves as
 * SageMaker does where the platform depends on it: an endpoint is `Creating` until its fleets answer (`Failed` with
 * a reason if they never do); `UpdateEndpoint` is a blue/green update (the new fleet starts, traffic shifts all at
 * once, by a canary or in linear steps, each step baked for `WaitIntervalInSeconds` while the
 * `AutoRollbackConfiguration` alarms are watched; one in ALARM, or the `MaximumExecutionTimeoutInSeconds` passing,
 * shifts all traffic back to the old fleet; `TerminationWaitInSeconds` later the old fleet stops); serverless
 * endpoints take no `DeploymentConfig` and are swapped at once; names are unique and refused as SageMaker refuses them.
 *
 * Time: SageMaker's seconds pass `minuteMs / 60_000` times as fast, so a test or the demo can run a ten-minute bake
 * in seconds. Not kept across restarts: the endpoints' fleets are processes of this one.
 */

export interface RunningFleet {
  /** Where the fleet's serving shim answers `GET /ping` and `POST /invocations`. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface StoredModel {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly definition: CreateModelInput;
}

/** Starts the fleet of one variant (its model's container), resolving once it answers health checks. */
export type FleetStarter = (model: StoredModel, variant: ProductionVariant, endpoint: string) => Promise<RunningFleet>;
/** Which of the named CloudWatch alarms are in ALARM now. */
export type FiringAlarms = (names: readonly string[]) => Promise<readonly string[]>;

export interface SageMakerEndpointsOptions {
  readonly startFleet: FleetStarter;
  readonly firingAlarms: FiringAlarms;
  /**
   * How long a SageMaker minute lasts here, in milliseconds: every wait of a rollout scales with it.
   * @default 60_000 (real time)
   */
  readonly minuteMs?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Progress lines (an endpoint in service, a rollout step, a rollback). @default - silent */
  readonly log?: (line: string) => void;
  /** Told what to keep across a restart (`restore`) each time it changes. @default - nothing kept */
  readonly onChange?: (snapshot: HostingSnapshot) => void;
}

/** What the hosting keeps across a restart: its models, configs and endpoints, each on the config it serves. */
export interface HostingSnapshot {
  readonly models: readonly { readonly name: string; readonly createdAt: string; readonly definition: CreateModelInput }[];
  readonly configs: readonly { readonly name: string; readonly createdAt: string; readonly definition: CreateEndpointConfigInput }[];
  readonly endpoints: readonly {
    readonly name: string;
    readonly createdAt: string;
    readonly config: string;
    readonly status: EndpointStatus;
    readonly failureReason?: string;
    readonly lastDeploymentConfig?: DeploymentConfig;
  }[];
}

/** Where an invocation goes: the fleet chosen by the traffic shares and the variants' weights. */
export interface InvocationTarget {
  readonly endpoint: string;
  readonly endpointConfig: string;
  readonly variant: string;
  readonly url: string;
  /** Where its capture goes, if the config captures (SageMaker's capture) or the model's shim would (serverless). */
  readonly capture?: CaptureSettings;
}

export interface CaptureSettings {
  /** `s3://bucket/prefix/<endpoint>/<variant>`: hour folders go under it. */
  readonly destination: string;
  readonly samplingPercentage: number;
  /** The platform's shim records the caller's custom attributes; SageMaker's own capture leaves them out. */
  readonly customAttributes: boolean;
}

interface StoredConfig {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly definition: CreateEndpointConfigInput;
}

/** The fleets serving one endpoint config, each with the model it was started from. */
interface Generation {
  readonly config: StoredConfig;
  readonly fleets: ReadonlyMap<string, { readonly fleet: RunningFleet; readonly model: StoredModel; readonly startedAt: Date }>;
}

interface Rollout {
  readonly config: StoredConfig;
  readonly startedAt: Date;
  generation?: Generation;
  /** The share of traffic the new fleet takes. */
  share: number;
  variantStatus: VariantStatus;
  statusSince: Date;
}

interface EndpointState {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  /** The config being created, then the one serving. */
  config: StoredConfig;
  lastModified: Date;
  status: EndpointStatus;
  failureReason?: string;
  current?: Generation;
  rollout?: Rollout;
  lastDeploymentConfig?: DeploymentConfig;
  readonly abort: AbortController;
  operation: Promise<void>;
}

const MINUTE_MS = 60_000;
/** How often the rollback alarms are read during a bake, in SageMaker seconds. */
const ALARM_POLL_SECONDS = 10;

export class SageMakerEndpoints {
  private readonly models = new Map<string, StoredModel>();
  private readonly configs = new Map<string, StoredConfig>();
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly scale: number;
  private readonly region: string;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SageMakerEndpointsOptions) {
    const minuteMs = options.minuteMs ?? MINUTE_MS;
    if (!(Number.isFinite(minuteMs) && minuteMs > 0)) throw new Error(`minuteMs is ${minuteMs}: use a positive number of milliseconds`);
    this.scale = minuteMs / MINUTE_MS;
    this.region = options.region ?? 'us-east-1';
    this.log = options.log ?? (() => undefined);
  }

  createModel(input: CreateModelInput): { ModelArn: string } {
    const name = required(input.ModelName, 'modelName');
    const arn = this.arn('model', name);
    if (this.models.has(name)) throw validation(`Cannot create already existing model "${arn}".`);
    if (!input.PrimaryContainer && !input.Containers?.length) throw validation('No containers were specified.');
    this.models.set(name, { name, arn, createdAt: new Date(), definition: input });
    this.changed();
    return { ModelArn: arn };
  }

  describeModel(name: string | undefined): DescribeModelOutput {
    const model = this.model(required(name, 'modelName'));
    const { ModelName, PrimaryContainer, Containers, ExecutionRoleArn } = model.definition;
    return { ModelName, ModelArn: model.arn, PrimaryContainer, Containers, ExecutionRoleArn, CreationTime: model.createdAt };
  }

  deleteModel(name: string | undefined): void {
    this.model(required(name, 'modelName'));
    this.models.delete(name!);
    this.changed();
  }

  createEndpointConfig(input: CreateEndpointConfigInput): { EndpointConfigArn: string } {
    const name = required(input.EndpointConfigName, 'endpointConfigName');
    const arn = this.arn('endpoint-config', name);
    if (this.configs.has(name)) throw validation(`Cannot create already existing endpoint configuration "${arn}".`);
    const variants = input.ProductionVariants ?? [];
    if (variants.length === 0)
      throw validation(
        "1 validation error detected: Value '[]' at 'productionVariants' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    variants.forEach((variant, index) => {
      this.model(required(variant.ModelName, `productionVariants.${index + 1}.member.modelName`));
      if (!variant.ServerlessConfig && !HOSTING_INSTANCE_TYPES.includes(variant.InstanceType ?? '')) {
        throw validation(
          `1 validation error detected: Value '${variant.InstanceType}' at 'productionVariants.${index + 1}.member.instanceType' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      }
    });
    if (new Set(variants.map(({ VariantName }) => VariantName)).size !== variants.length)
      throw validation('The variant names in the endpoint configuration must be unique.');
    if (variants.some(({ ServerlessConfig }) => ServerlessConfig)) {
      // Serverless inference has neither several variants nor data capture (SageMaker's feature exclusions).
      if (variants.length > 1) throw validation('Serverless endpoints support only one production variant.');
      if (input.DataCaptureConfig) throw validation('DataCaptureConfig is not supported for serverless endpoints.');
    }
    this.configs.set(name, { name, arn, createdAt: new Date(), definition: input });
    this.changed();
    return { EndpointConfigArn: arn };
  }

  describeEndpointConfig(name: string | undefined): DescribeEndpointConfigOutput {
    const config = this.config(required(name, 'endpointConfigName'));
    const { ProductionVariants, DataCaptureConfig, KmsKeyId } = config.definition;
    return { EndpointConfigName: config.name, EndpointConfigArn: config.arn, ProductionVariants, DataCaptureConfig, KmsKeyId, CreationTime: config.createdAt };
  }

  deleteEndpointConfig(name: string | undefined): void {
    this.config(required(name, 'endpointConfigName'));
    this.configs.delete(name!);
    this.changed();
  }

  createEndpoint(input: CreateEndpointInput): { EndpointArn: string } {
    const name = required(input.EndpointName, 'endpointName');
    const arn = this.arn('endpoint', name);
    if (this.endpoints.has(name)) throw validation(`Cannot create already existing endpoint "${arn}".`);
    const config = this.config(required(input.EndpointConfigName, 'endpointConfigName'));
    this.launch(this.newEndpoint(name, config, new Date()));
    this.changed();
    return { EndpointArn: arn };
  }

  /**
   * Takes back what a snapshot kept (into a hosting that has nothing yet): the models and configs, and each endpoint
   * `Creating` again on the config it served until its fleets answer. An update under way when the snapshot was
   * taken is lost, as SageMaker's rollback would have left it: on the config it served, saying why.
   */
  restore(snapshot: HostingSnapshot): void {
    if (this.models.size + this.configs.size + this.endpoints.size > 0) throw new Error('restore into a SageMaker hosting that has nothing yet');
    for (const { name, createdAt, definition } of snapshot.models)
      this.models.set(name, { name, arn: this.arn('model', name), createdAt: new Date(createdAt), definition });
    for (const { name, createdAt, definition } of snapshot.configs) {
      this.configs.set(name, { name, arn: this.arn('endpoint-config', name), createdAt: new Date(createdAt), definition });
    }
    for (const kept of snapshot.endpoints) {
      const state = this.newEndpoint(kept.name, this.config(kept.config), new Date(kept.createdAt));
      state.lastDeploymentConfig = kept.lastDeploymentConfig;
      if (kept.status === 'Failed') this.settle(state, 'Failed', kept.failureReason);
      else if (kept.status === 'Creating' || kept.status === 'InService') this.launch(state, kept.failureReason);
      else this.launch(state, 'The local platform restarted during the update: the endpoint serves its config from before.');
    }
  }

  snapshot(): HostingSnapshot {
    return {
      models: [...this.models.values()].map(({ name, createdAt, definition }) => ({ name, createdAt: createdAt.toISOString(), definition })),
      configs: [...this.configs.values()].map(({ name, createdAt, definition }) => ({ name, createdAt: createdAt.toISOString(), definition })),
      endpoints: [...this.endpoints.values()]
        .filter(({ status }) => status !== 'Deleting')
        .map((state) => ({
          name: state.name,
          createdAt: state.createdAt.toISOString(),
          config: state.config.name,
          status: state.status,
          ...(state.failureReason ? { failureReason: state.failureReason } : {}),
          ...(state.lastDeploymentConfig ? { lastDeploymentConfig: state.lastDeploymentConfig } : {}),
        })),
    };
  }

  updateEndpoint(input: UpdateEndpointInput): { EndpointArn: string } {
    const state = this.endpoint(required(input.EndpointName, 'endpointName'));
    const config = this.config(required(input.EndpointConfigName, 'endpointConfigName'));
    if (state.status !== 'InService') throw validation(`Cannot update in-progress endpoint "${state.arn}".`);
    const deploymentConfig = input.RetainDeploymentConfig ? state.lastDeploymentConfig : input.DeploymentConfig;
    const serverless = [state.config, config].some(({ definition }) => definition.ProductionVariants?.some(({ ServerlessConfig }) => ServerlessConfig));
    if (deploymentConfig && serverless)
      throw validation('DeploymentConfig is not supported for serverless endpoints: serverless endpoints are updated all at once.');
    if (deploymentConfig) checkDeploymentConfig(deploymentConfig);
    const now = new Date();
    const rollout: Rollout = { config, startedAt: now, share: 0, variantStatus: 'Creating', statusSince: now };
    state.rollout = rollout;
    state.status = 'Updating';
    state.failureReason = undefined;
    state.lastModified = now;
    this.changed();
    this.run(state, (signal) => this.rollOut(state, rollout, deploymentConfig, signal));
    return { EndpointArn: state.arn };
  }

  describeEndpoint(name: string | undefined): DescribeEndpointOutput {
    const state = this.endpoint(required(name, 'endpointName'));
    const { rollout, current } = state;
    const capture = state.config.definition.DataCaptureConfig;
    return {
      EndpointName: state.name,
      EndpointArn: state.arn,
      EndpointConfigName: state.config.name,
      EndpointStatus: state.status,
      ...(state.failureReason ? { FailureReason: state.failureReason } : {}),
      CreationTime: state.createdAt,
      LastModifiedTime: state.lastModified,
      ProductionVariants: (state.config.definition.ProductionVariants ?? []).map((variant) =>
        variantSummary(variant, current?.fleets.get(variant.VariantName ?? '')?.startedAt, 1 - (rollout?.share ?? 0)),
      ),
      ...(capture
        ? {
            DataCaptureConfig: {
              EnableCapture: capture.EnableCapture !== false,
              CaptureStatus: capture.EnableCapture === false ? 'Stopped' : 'Started',
              CurrentSamplingPercentage: capture.InitialSamplingPercentage,
              DestinationS3Uri: capture.DestinationS3Uri,
              KmsKeyId: capture.KmsKeyId,
            },
          }
        : {}),
      ...(state.lastDeploymentConfig ? { LastDeploymentConfig: state.lastDeploymentConfig } : {}),
      ...(rollout
        ? {
            PendingDeploymentSummary: {
              EndpointConfigName: rollout.config.name,
              StartTime: rollout.startedAt,
              ProductionVariants: (rollout.config.definition.ProductionVariants ?? []).map((variant) => ({
                ...variantSummary(variant, rollout.generation?.fleets.get(variant.VariantName ?? '')?.startedAt, rollout.share),
                VariantStatus: [{ Status: rollout.variantStatus, StartTime: rollout.statusSince }],
              })),
            },
          }
        : {}),
    };
  }

  /** SageMaker accepts the delete at once and the endpoint is `Deleting` until its fleets are gone. */
  deleteEndpoint(name: string | undefined): void {
    const state = this.endpoint(required(name, 'endpointName'));
    if (state.status === 'Deleting') return;
    state.status = 'Deleting';
    state.lastModified = new Date();
    state.abort.abort();
    void state.operation.then(async () => {
      await Promise.all([state.current, state.rollout?.generation].map(stopGeneration));
      this.endpoints.delete(state.name);
      this.changed();
      this.log(`endpoint ${state.name} deleted`);
    });
  }

  /**
   * The fleet an invocation of `endpoint` goes to: the new fleet for its share of requests during a rollout, the
   * serving one otherwise; among a config's variants by their weights, or the one named. `undefined` when the
   * endpoint does not exist or nothing serves it.
   */
  route(endpoint: string, targetVariant?: string, random: () => number = Math.random): InvocationTarget | undefined {
    const state = this.endpoints.get(endpoint);
    if (!state?.current || state.status === 'Deleting') return undefined;
    const green = state.rollout?.generation;
    const generation = green && random() < state.rollout!.share ? green : state.current;
    const variants = generation.config.definition.ProductionVariants ?? [];
    const variant = targetVariant === undefined ? weightedChoice(variants, random()) : variants.find(({ VariantName }) => VariantName === targetVariant);
    const serving = variant && generation.fleets.get(variant.VariantName ?? '');
    if (!variant || !serving) return undefined;
    const capture = captureSettings(generation.config.definition.DataCaptureConfig, serving.model, endpoint, variant.VariantName!);
    return {
      endpoint,
      endpointConfig: generation.config.name,
      variant: variant.VariantName!,
      url: serving.fleet.url,
      ...(capture ? { capture } : {}),
    };
  }

  /** Stops every rollout and every fleet. */
  async stop(): Promise<void> {
    const states = [...this.endpoints.values()];
    for (const state of states) state.abort.abort();
    await Promise.all(
      states.map(async (state) => {
        await state.operation;
        await Promise.all([state.current, state.rollout?.generation].map(stopGeneration));
      }),
    );
    this.endpoints.clear();
  }

  private async rollOut(state: EndpointState, rollout: Rollout, deploymentConfig: DeploymentConfig | undefined, signal: AbortSignal): Promise<void> {
    try {
      rollout.generation = await this.startGeneration(rollout.config, state.name, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      // The old fleet never stopped serving: the endpoint stays on it, and says why the update failed.
      state.rollout = undefined;
      this.settle(state, 'InService', `Failed to update endpoint: ${(error as Error).message}`);
      this.log(`endpoint ${state.name}: update to ${rollout.config.name} failed: ${(error as Error).message}`);
      return;
    }
    const policy = deploymentConfig?.BlueGreenUpdatePolicy;
    const routing = policy?.TrafficRoutingConfiguration;
    const alarms = (deploymentConfig?.AutoRollbackConfiguration?.Alarms ?? []).flatMap(({ AlarmName }) => (AlarmName ? [AlarmName] : []));
    const deadline = rollout.startedAt.getTime() + this.ms(policy?.MaximumExecutionTimeoutInSeconds ?? EXECUTION_SECONDS.max);
    const baked = async (seconds: number) => {
      rollout.variantStatus = 'Baking';
      rollout.statusSince = new Date();
      return this.bake(this.ms(seconds), alarms, deadline, signal);
    };
    for (const share of trafficSteps(routing, rollout.config.definition.ProductionVariants ?? [])) {
      rollout.share = share;
      rollout.variantStatus = 'ActivatingTraffic';
      rollout.statusSince = new Date();
      state.lastModified = rollout.statusSince;
      this.log(`endpoint ${state.name}: ${Math.round(share * 100)}% of traffic on ${rollout.config.name}`);
      const fired = policy ? await baked(routing?.WaitIntervalInSeconds ?? 0) : undefined;
      if (fired) return this.rollBack(state, rollout, fired);
    }
    // The old fleet waits, idle, before it goes: an alarm until then still shifts traffic back to it.
    const fired = policy ? await baked(policy.TerminationWaitInSeconds ?? 0) : undefined;
    if (fired) return this.rollBack(state, rollout, fired);
    const blue = state.current;
    await stopGeneration(blue);
    state.current = rollout.generation;
    state.config = rollout.config;
    state.rollout = undefined;
    if (deploymentConfig) state.lastDeploymentConfig = deploymentConfig;
    this.settle(state, 'InService');
    this.log(`endpoint ${state.name} updated to ${rollout.config.name}`);
  }

  /** Waits `ms`, reading the alarms as it goes: the reason to roll back, if one fires or the update runs out of time. */
  private async bake(ms: number, alarms: readonly string[], deadline: number, signal: AbortSignal): Promise<string | undefined> {
    const end = Date.now() + ms;
    for (;;) {
      if (alarms.length > 0) {
        const firing = await this.options.firingAlarms(alarms);
        if (firing.length > 0) return `CloudWatch alarm(s) ${firing.join(', ')} in ALARM during the deployment: traffic was shifted back to the old fleet.`;
      }
      const now = Date.now();
      if (now >= deadline) return 'The deployment exceeded MaximumExecutionTimeoutInSeconds: traffic was shifted back to the old fleet.';
      if (now >= end) return undefined;
      await sleep(Math.min(end, deadline) - now, alarms.length > 0 ? this.ms(ALARM_POLL_SECONDS) : Number.POSITIVE_INFINITY, signal);
    }
  }

  private async rollBack(state: EndpointState, rollout: Rollout, reason: string): Promise<void> {
    state.status = 'RollingBack';
    state.failureReason = reason;
    rollout.share = 0;
    state.lastModified = new Date();
    this.log(`endpoint ${state.name}: rolling back from ${rollout.config.name}: ${reason}`);
    await stopGeneration(rollout.generation);
    state.rollout = undefined;
    this.settle(state, 'InService', reason);
  }

  private async startGeneration(config: StoredConfig, endpoint: string, signal: AbortSignal): Promise<Generation> {
    const variants = config.definition.ProductionVariants ?? [];
    const started = await Promise.allSettled(
      variants.map(async (variant) => {
        const model = this.model(variant.ModelName!);
        return [variant.VariantName!, { fleet: await this.options.startFleet(model, variant, endpoint), model, startedAt: new Date() }] as const;
      }),
    );
    const generation: Generation = {
      config,
      fleets: new Map(started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))),
    };
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed || signal.aborted) {
      await stopGeneration(generation);
      throw failed ? failed.reason : signal.reason;
    }
    return generation;
  }

  private run(state: EndpointState, operation: (signal: AbortSignal) => Promise<void>): void {
    state.operation = operation(state.abort.signal).catch((error: unknown) => {
      if (!state.abort.signal.aborted) this.log(`endpoint ${state.name}: ${(error as Error).message}`);
    });
  }

  private settle(state: EndpointState, status: EndpointStatus, failureReason?: string): void {
    state.status = status;
    state.failureReason = failureReason;
    state.lastModified = new Date();
    this.changed();
  }

  private newEndpoint(name: string, config: StoredConfig, createdAt: Date): EndpointState {
    const state: EndpointState = {
      name,
      arn: this.arn('endpoint', name),
      createdAt,
      config,
      lastModified: new Date(),
      status: 'Creating',
      abort: new AbortController(),
      operation: Promise.resolve(),
    };
    this.endpoints.set(name, state);
    return state;
  }

  /** Starts an endpoint's fleets on its config: InService once they answer (keeping `failureReason`), Failed if they do not. */
  private launch(state: EndpointState, failureReason?: string): void {
    this.run(state, async (signal) => {
      try {
        state.current = await this.startGeneration(state.config, state.name, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        this.settle(state, 'Failed', (error as Error).message);
        this.log(`endpoint ${state.name} failed: ${(error as Error).message}`);
        return;
      }
      this.settle(state, 'InService', failureReason);
      this.log(`endpoint ${state.name} in service on ${state.config.name}`);
    });
  }

  private changed(): void {
    this.options.onChange?.(this.snapshot());
  }

  private ms(seconds: number): number {
    return seconds * 1000 * this.scale;
  }

  private arn(type: string, name: string): string {
    // SageMaker's ARNs carry names in lowercase.
    return `arn:aws:sagemaker:${this.region}:${LOCAL_ACCOUNT}:${type}/${name.toLowerCase()}`;
  }

  private model(name: string): StoredModel {
    const model = this.models.get(name);
    if (!model) throw validation(`Could not find model "${this.arn('model', name)}".`);
    return model;
  }

  private config(name: string): StoredConfig {
    const config = this.configs.get(name);
    if (!config) throw validation(`Could not find endpoint configuration "${this.arn('endpoint-config', name)}".`);
    return config;
  }

  private endpoint(name: string): EndpointState {
    const state = this.endpoints.get(name);
    if (!state) throw validation(`Could not find endpoint "${this.arn('endpoint', name)}".`);
    return state;
  }
}

function required(value: string | undefined, field: string): string {
  if (!value) throw validation(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return value;
}

function variantSummary(variant: ProductionVariant, startedAt: Date | undefined, trafficShare: number): ProductionVariantSummary {
  const weight = (variant.InitialVariantWeight ?? 1) * trafficShare;
  const image = variant.ServerlessConfig
    ? { CurrentServerlessConfig: variant.ServerlessConfig, DesiredServerlessConfig: variant.ServerlessConfig }
    : {
        CurrentInstanceCount: startedAt ? variant.InitialInstanceCount : 0,
        DesiredInstanceCount: variant.InitialInstanceCount,
      };
  return { VariantName: variant.VariantName, CurrentWeight: weight, DesiredWeight: weight, ...image };
}

function weightedChoice(variants: readonly ProductionVariant[], draw: number): ProductionVariant | undefined {
  const weights = variants.map(({ InitialVariantWeight }) => InitialVariantWeight ?? 1);
  let remaining = draw * weights.reduce((sum, weight) => sum + weight, 0);
  return variants.find((_, index) => (remaining -= weights[index]) < 0) ?? variants.at(-1);
}

/**
 * Where SageMaker captures a variant's traffic (the config's `DataCaptureConfig`), or else where the platform's shim
 * would (`MLOPS_CAPTURE_S3_URI` in the model's environment, already under the endpoint and variant).
 */
function captureSettings(config: DataCaptureConfig | undefined, model: StoredModel, endpoint: string, variant: string): CaptureSettings | undefined {
  if (config && config.EnableCapture !== false && config.DestinationS3Uri) {
    return {
      destination: `${config.DestinationS3Uri.replace(/\/+$/, '')}/${endpoint}/${variant}`,
      samplingPercentage: config.InitialSamplingPercentage ?? 100,
      customAttributes: false,
    };
  }
  const shimCapture = model.definition.PrimaryContainer?.Environment?.MLOPS_CAPTURE_S3_URI;
  return shimCapture ? { destination: shimCapture.replace(/\/+$/, ''), samplingPercentage: 100, customAttributes: true } : undefined;
}

async function stopGeneration(generation: Generation | undefined): Promise<void> {
  await Promise.all([...(generation?.fleets.values() ?? [])].map(({ fleet }) => fleet.stop()));
}

/** Sleeps until `ms` has passed or `stepMs` (whichever is first); rejects when `signal` aborts. */
function sleep(ms: number, stepMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', aborted);
        resolve();
      },
      Math.max(0, Math.min(ms, stepMs)),
    );
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', aborted, { once: true });
  });
}
