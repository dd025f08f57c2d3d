import * as z from 'zod/mini';
import { ImageName, ImageVersionNumber } from '../../images/core/schemas';
import { AliasName, ModelName } from '../../registry/core/schemas';
import { Actor, Identifier, Page } from '../../shared/schema-fields';
import { HOSTING_INSTANCE_TYPES } from './hosting-instance-types';

/**
 * The request contracts of the deployment functions: handler validation, the TypeScript client's types and the
 * published JSON Schema all come from here.
 */

/**
 * Deployment names become SageMaker names (`mlops-<name>` for the endpoint, `mlops-<name>-<revision>` for its
 * configs and models): lowercase, because SageMaker's ARNs lowercase names and IAM matches them as written, and
 * short enough for SageMaker's 63 characters with the prefix and a revision.
 */
export const DeploymentName = z
  .string()
  .check(z.minLength(1), z.maxLength(40), z.regex(/^[a-z0-9](-?[a-z0-9])*$/, 'must hold only lowercase letters, digits and single "-" between them'));

/** Serverless memory sizes SageMaker takes: 1 to 6 GB, in whole GB. */
export const SERVERLESS_MEMORY_SIZES_MB = [1024, 2048, 3072, 4096, 5120, 6144] as const;

/** Nothing runs, and nothing is billed, while no request comes: SageMaker starts containers on demand. */
export const ServerlessCompute = z.strictObject({
  kind: z.literal('serverless'),
  memoryMb: z._default(
    z.number().check(
      z.refine((size: number) => (SERVERLESS_MEMORY_SIZES_MB as readonly number[]).includes(size), {
        message: `must be one of ${SERVERLESS_MEMORY_SIZES_MB.join(', ')}`,
      }),
      // What JSON Schema does not say from the check above, for callers in other languages.
      z.describe(`Memory in MB: one of ${SERVERLESS_MEMORY_SIZES_MB.join(', ')}.`),
    ),
    2048,
  ),
  maxConcurrency: z._default(z.int().check(z.gte(1), z.lte(200)), 5),
});

/** Instances run, and are billed by the hour, whether requests come or not. */
export const InstanceCompute = z.strictObject({
  kind: z.literal('instances'),
  instanceType: z.string().check(
    z.refine((type: string) => HOSTING_INSTANCE_TYPES.includes(type), { message: 'is not an instance type SageMaker hosts endpoints on' }),
    z.describe("A SageMaker hosting instance type (ml.m5.large, ml.g5.xlarge, ...): one of the SageMaker API's ProductionVariantInstanceType values."),
  ),
  count: z._default(z.int().check(z.gte(1), z.lte(10)), 1),
});

export const Compute = z.discriminatedUnion('kind', [ServerlessCompute, InstanceCompute]);

/** How long traffic is watched before the next step, and before the old version goes. */
const BakeMinutes = z.int().check(z.gte(0), z.lte(60));

/**
 * How an update reaches the new version: all at once, a canary share first, or in equal steps; each step is
 * watched for `bakeMinutes` (`intervalMinutes` for linear steps), and an alarm rolls it back.
 */
export const Strategy = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all-at-once'), bakeMinutes: z._default(BakeMinutes, 10) }),
  z.strictObject({ kind: z.literal('canary'), percent: z._default(z.int().check(z.gte(1), z.lte(50)), 10), bakeMinutes: z._default(BakeMinutes, 10) }),
  z.strictObject({
    kind: z.literal('linear'),
    stepPercent: z._default(z.int().check(z.gte(10), z.lte(50)), 20),
    intervalMinutes: z._default(BakeMinutes, 5),
  }),
]);

/** The alarms that roll an update back: the new version's 5xx share and its p99 model latency, per minute. */
export const RollbackAlarms = z.strictObject({
  // At least one request in 10,000: smaller shares are noise, and DynamoDB stores no number under 1e-130.
  errorRatePercent: z._default(z.number().check(z.gte(0.01), z.lte(100)), 5),
  latencyP99Ms: z._default(z.int().check(z.gte(1), z.lte(3_600_000)), 1000),
});

/** The image a deployment serves: one version of it, or the version serving whatever model version an alias names. */
const ImageTarget = {
  image: ImageName,
  /** The image version to serve. */
  version: z.optional(ImageVersionNumber),
  /** Serve the image version that serves this model alias's version, and follow the alias when it moves. */
  follow: z.optional(z.strictObject({ model: ModelName, alias: AliasName })),
};

/**
 * Canary and linear split traffic between two fleets, which a serverless endpoint does not have. (Worded without
 * "at <word> (", which reads as a stack frame to the checks that refusals never show internals.)
 */
export const SERVERLESS_STRATEGY_REFUSAL =
  'canary and linear split traffic between two fleets, which a serverless endpoint does not have (SageMaker runs one variant on it): deploy on instances, or update all at once, which the platform watches through a bake, rolling back on an alarm';

export const CreateDeploymentRequest = z
  .strictObject({
    name: DeploymentName,
    ...ImageTarget,
    compute: z._default(Compute, { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 }),
    strategy: z._default(Strategy, { kind: 'all-at-once', bakeMinutes: 10 }),
    alarms: z._default(RollbackAlarms, { errorRatePercent: 5, latencyP99Ms: 1000 }),
    /** Makes a retried create return the deployment it made. */
    clientToken: z.optional(Identifier),
    actor: z.optional(Actor),
  })
  .check(
    z.refine((request) => (request.version === undefined) !== (request.follow === undefined), {
      message: 'must give an image version or an alias to follow, not both',
      path: ['version'],
    }),
    z.refine((request) => request.compute.kind === 'instances' || request.strategy.kind === 'all-at-once', {
      message: SERVERLESS_STRATEGY_REFUSAL,
      path: ['strategy'],
    }),
  );
export type CreateDeploymentRequest = z.input<typeof CreateDeploymentRequest>;
export type CreateDeploymentCommand = z.output<typeof CreateDeploymentRequest>;

export const UpdateDeploymentRequest = z.strictObject({
  name: DeploymentName,
  /** The image version to roll out; absent on a deployment that follows an alias: the one serving its version now. */
  version: z.optional(ImageVersionNumber),
  /** This update's rollout, instead of the deployment's own. */
  strategy: z.optional(Strategy),
  actor: z.optional(Actor),
});
export type UpdateDeploymentRequest = z.input<typeof UpdateDeploymentRequest>;
export type UpdateDeploymentCommand = z.output<typeof UpdateDeploymentRequest>;

export const RollbackDeploymentRequest = z.strictObject({ name: DeploymentName, actor: z.optional(Actor) });

export const DeleteDeploymentRequest = RollbackDeploymentRequest;
export type DeleteDeploymentRequest = z.input<typeof DeleteDeploymentRequest>;
export type DeleteDeploymentCommand = z.output<typeof DeleteDeploymentRequest>;
export type RollbackDeploymentRequest = z.input<typeof RollbackDeploymentRequest>;
export type RollbackDeploymentCommand = z.output<typeof RollbackDeploymentRequest>;

export const QueryDeploymentsRequest = z.discriminatedUnion('query', [
  z.strictObject({ query: z.literal('getDeployment'), name: DeploymentName }),
  z.strictObject({ query: z.literal('listDeployments'), ...Page }),
  z.strictObject({ query: z.literal('deploymentHistory'), name: DeploymentName, ...Page }),
  /** Requests, callers, errors and latency per hour and per revision, over the last `hours`. */
  z.strictObject({ query: z.literal('deploymentTraffic'), name: DeploymentName, hours: z._default(z.int().check(z.gte(1), z.lte(168)), 24) }),
]);
export type QueryDeploymentsRequest = z.input<typeof QueryDeploymentsRequest>;
export type QueryDeploymentsCommand = z.output<typeof QueryDeploymentsRequest>;

/** Every request schema by the function that takes it, for the published JSON Schemas. */
export const deploymentsRequestSchemas = {
  CreateDeployment: CreateDeploymentRequest,
  UpdateDeployment: UpdateDeploymentRequest,
  RollbackDeployment: RollbackDeploymentRequest,
  DeleteDeployment: DeleteDeploymentRequest,
  QueryDeployments: QueryDeploymentsRequest,
} as const;
