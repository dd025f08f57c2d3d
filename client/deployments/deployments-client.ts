import { randomUUID } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { DeploymentTraffic } from '../../lambda/deployments/core/deployment-traffic';
import type { DeploymentRecord, DeploymentStateChange, DeploymentStatus } from '../../lambda/deployments/core/model';
import {
  CreateDeploymentRequest,
  DeleteDeploymentRequest,
  QueryDeploymentsRequest,
  RollbackDeploymentRequest,
  UpdateDeploymentRequest,
} from '../../lambda/deployments/core/schemas';
import { type Clock, systemClock } from '../../lambda/shared/clock';
import type { Page } from '../../lambda/shared/page';
import type { FunctionNames } from '../shared/catalogue';
import { ConfigurationError, MlopsError } from '../shared/errors';
import { invokeFunction } from '../shared/function-invoker';
import { allItems } from '../shared/pagination';
import { type RetryOptions, retryTransient } from '../shared/retry';
import { validate } from '../shared/validation';
import { type EndpointAnswer, type EndpointRequest, invokeEndpoint } from './endpoint-invocation';

export type DeploymentsFunctionNames = FunctionNames<'deployments'>;

export interface DeploymentsClientOptions {
  readonly functions: DeploymentsFunctionNames;
  /** @default - a client for the default region */
  readonly lambda?: LambdaClient;
  /** Retries of reads, of creates (each carries a client token) and of deletes. @default - 4 attempts, jittered back-off */
  readonly retry?: RetryOptions;
  /** Makes the SageMaker Runtime client `invoke` sends through, at its first call. @default - a client for the default region */
  readonly sageMakerRuntime?: () => SageMakerRuntimeClient;
}

type QueryOf<Q extends QueryDeploymentsRequest['query']> = Omit<Extract<QueryDeploymentsRequest, { query: Q }>, 'query'>;
/** `limit` (1 to 100, default 25) and `nextToken`. */
export type DeploymentPageOptions = QueryOf<'listDeployments'>;

/** The states a deployment rests in: nothing is being created, rolled out, rolled back or deleted. */
export const SETTLED_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['IN_SERVICE', 'FAILED', 'DELETED']);

export interface WaitForDeploymentOptions {
  /** Called with the deployment as each poll reads it, the last included. */
  readonly onProgress?: (deployment: DeploymentRecord) => void;
  /** @default 10000 */
  readonly pollIntervalMs?: number;
  /** @default 3600000 (an hour: a canary with its bakes takes a while) */
  readonly timeoutMs?: number;
  /** @default - the system clock and timers */
  readonly clock?: Clock;
}

/** The deployment was still in transit when `waitForDeployment` gave up; `deployment` is the last record read. */
export class DeploymentWaitTimeoutError extends MlopsError {
  override readonly name = 'DeploymentWaitTimeoutError';
  constructor(
    readonly deployment: DeploymentRecord,
    waitedMs: number,
  ) {
    super(
      'Timeout',
      `deployment ${deployment.name} is still ${deployment.status} after ${Math.round(waitedMs / 1000)} s of waiting: wait again, or look at its history`,
    );
  }
}

const ITERATION_PAGE = 100;

/** Required at the first invoke only: most callers never send a prediction through this client. */
function defaultRuntime(): SageMakerRuntimeClient {
  const { SageMakerRuntimeClient } = require('@aws-sdk/client-sagemaker-runtime') as typeof import('@aws-sdk/client-sagemaker-runtime');
  return new SageMakerRuntimeClient({});
}
const DEFAULT_POLL_INTERVAL_MS = 10_000;
const DEFAULT_WAIT_TIMEOUT_MS = 60 * 60_000;

/**
 * Calls the deployment functions: creates, updates, rolls back and deletes deployments, reads them
 * and their history, and waits for a rollout to settle. Every request is checked before it is sent.
 */
export class DeploymentsClient {
  private readonly lambda: LambdaClient;
  private runtime?: SageMakerRuntimeClient;

  constructor(private readonly options: DeploymentsClientOptions) {
    this.lambda = options.lambda ?? new LambdaClient({});
  }

  /**
   * Serves an image version (or the one serving a model alias's version) on a new endpoint. A client token is
   * generated when none is given, so a retry after a lost answer returns the deployment the first call made.
   * It comes back `CREATING`: `waitForDeployment` follows it.
   */
  async create(request: CreateDeploymentRequest): Promise<DeploymentRecord> {
    const command = validate(CreateDeploymentRequest, { ...request, clientToken: request.clientToken ?? randomUUID() });
    return this.call('createDeployment', command, { retry: true });
  }

  /** Rolls out another image version (or, on a deployment following an alias, the one serving it now). */
  async update(request: UpdateDeploymentRequest): Promise<DeploymentRecord> {
    // Not retried: a second rollout after a lost answer would be refused as in transit, or start another.
    return this.call('updateDeployment', validate(UpdateDeploymentRequest, request), { retry: false });
  }

  /** Goes back to the previous version, in one call (or, during a rollout the platform runs, stops it). */
  async rollback(request: RollbackDeploymentRequest): Promise<DeploymentRecord> {
    // Not retried: a second rollback would go forward again.
    return this.call('rollbackDeployment', validate(RollbackDeploymentRequest, request), { retry: false });
  }

  /** Deletes the endpoint, its configs and models; the record and its history stay, `DELETING` then `DELETED`. */
  async delete(request: DeleteDeploymentRequest): Promise<DeploymentRecord> {
    return this.call('deleteDeployment', validate(DeleteDeploymentRequest, request), { retry: true });
  }

  async getDeployment(name: string): Promise<DeploymentRecord> {
    return this.query({ query: 'getDeployment', name });
  }

  /** One page of the deployments, by name (the deleted ones too). */
  async listDeployments(page: DeploymentPageOptions = {}): Promise<Page<DeploymentRecord>> {
    return this.query({ query: 'listDeployments', ...page });
  }

  /** One page of a deployment's state changes, newest first. */
  async deploymentHistory(name: string, page: DeploymentPageOptions = {}): Promise<Page<DeploymentStateChange>> {
    return this.query({ query: 'deploymentHistory', name, ...page });
  }

  /**
   * A deployment's traffic over the last `hours` (default 24, at most 168): requests and distinct callers per hour
   * from its capture, CloudWatch's invocations, 5xx and model latency per hour and per revision (image and model
   * version).
   */
  async deploymentTraffic(name: string, hours?: number): Promise<DeploymentTraffic> {
    return this.query({ query: 'deploymentTraffic', name, ...(hours === undefined ? {} : { hours }) });
  }

  iterateDeployments(options: Pick<DeploymentPageOptions, 'limit'> = {}): AsyncGenerator<DeploymentRecord> {
    return allItems((nextToken) => this.listDeployments({ limit: ITERATION_PAGE, ...options, nextToken }));
  }

  iterateHistory(name: string, options: Pick<DeploymentPageOptions, 'limit'> = {}): AsyncGenerator<DeploymentStateChange> {
    return allItems((nextToken) => this.deploymentHistory(name, { limit: ITERATION_PAGE, ...options, nextToken }));
  }

  /**
   * Polls a deployment until it settles (`IN_SERVICE`, `FAILED` or `DELETED`) and returns it: a failed or
   * rolled-back rollout is an answer, not an error. Fails with `DeploymentWaitTimeoutError` after `timeoutMs`.
   */
  async waitForDeployment(name: string, options: WaitForDeploymentOptions = {}): Promise<DeploymentRecord> {
    const { onProgress, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, clock = systemClock } = options;
    const start = clock.now().getTime();
    for (;;) {
      const deployment = await this.getDeployment(name);
      onProgress?.(deployment);
      if (SETTLED_STATUSES.has(deployment.status)) return deployment;
      const waited = clock.now().getTime() - start;
      if (waited >= timeoutMs) throw new DeploymentWaitTimeoutError(deployment, waited);
      await clock.sleep(Math.min(pollIntervalMs, timeoutMs - waited));
    }
  }

  /**
   * Sends one request to the deployment's endpoint, as SageMaker Runtime's InvokeEndpoint (the caller needs
   * `sagemaker:InvokeEndpoint` on it). Not retried: a prediction may have effects. An error the model's container
   * answered with is a `ModelInvocationError`.
   */
  async invoke(name: string, request: EndpointRequest): Promise<EndpointAnswer> {
    this.runtime ??= this.options.sageMakerRuntime?.() ?? defaultRuntime();
    return invokeEndpoint(this.runtime, name, request);
  }

  private async query<T>(request: QueryDeploymentsRequest): Promise<T> {
    return this.call('queryDeployments', validate(QueryDeploymentsRequest, request), { retry: true });
  }

  private async call<T>(role: keyof DeploymentsFunctionNames, command: unknown, { retry }: { readonly retry: boolean }): Promise<T> {
    const functionName = this.options.functions[role];
    if (!functionName) throw new ConfigurationError(`no ${role} function configured: pass functions.${role} (or discover them from the stack)`);
    const call = () => invokeFunction<T>(this.lambda, functionName, command);
    return retry ? retryTransient(call, this.options.retry) : call();
  }
}
