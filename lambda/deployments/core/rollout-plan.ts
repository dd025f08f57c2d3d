import type * as z from 'zod/mini';
import { ValidationError } from '../../shared/errors';
import { type Compute, SERVERLESS_STRATEGY_REFUSAL, type Strategy } from './schemas';

/** SageMaker's `DeploymentConfig`, as UpdateEndpoint takes it (the core names its shape, not the SDK's type). */
export interface SageMakerDeploymentConfig {
  readonly BlueGreenUpdatePolicy: {
    readonly TrafficRoutingConfiguration: {
      readonly Type: 'ALL_AT_ONCE' | 'CANARY' | 'LINEAR';
      readonly WaitIntervalInSeconds: number;
      readonly CanarySize?: { readonly Type: 'CAPACITY_PERCENT'; readonly Value: number };
      readonly LinearStepSize?: { readonly Type: 'CAPACITY_PERCENT'; readonly Value: number };
    };
    readonly TerminationWaitInSeconds: number;
    readonly MaximumExecutionTimeoutInSeconds: number;
  };
  readonly AutoRollbackConfiguration: { readonly Alarms: readonly { readonly AlarmName: string }[] };
}

/**
 * Who runs an update's rollout. On instances, SageMaker's deployment guardrails do: blue/green with the traffic
 * shifted as the strategy says, each step baked, the old fleet kept until the end, and the deployment's alarms
 * rolling it back. A serverless endpoint has none of that (one variant, no guardrails): SageMaker swaps it all at
 * once, and the platform watches the alarms for `bakeMinutes` after, rolling back to the previous config on one.
 */
export type RolloutPlan =
  | { readonly runBy: 'sagemaker'; readonly deploymentConfig: SageMakerDeploymentConfig }
  | { readonly runBy: 'platform'; readonly bakeMinutes: number };

/** The rollback alarms fire after this many bad minutes running (one slow cold start does not roll back). */
export const ROLLBACK_ALARM_MINUTES = 2;
/**
 * The shortest canary bake or linear step the alarms can guard: their bad minutes are whole minutes, and the step
 * starts within one, so a broken version's alarm fires up to a minute after its two.
 */
export const MIN_GUARDED_STEP_MINUTES = ROLLBACK_ALARM_MINUTES + 1;

/** SageMaker's bounds on a blue/green update: each wait at most an hour, the whole update 10 minutes to 8 hours. */
const MAX_WAIT_SECONDS = 3600;
const MIN_EXECUTION_SECONDS = 600;
const MAX_EXECUTION_SECONDS = 28_800;
/** Time for the new fleet to come up and each shift to settle, beyond the waits. */
const PROVISIONING_ALLOWANCE_SECONDS = 1800;

export function rolloutPlan(compute: z.output<typeof Compute>, strategy: z.output<typeof Strategy>, alarmNames: readonly string[]): RolloutPlan {
  if (compute.kind === 'serverless') {
    if (strategy.kind !== 'all-at-once') throw ValidationError.of('strategy', SERVERLESS_STRATEGY_REFUSAL);
    return { runBy: 'platform', bakeMinutes: strategy.bakeMinutes };
  }
  const waitMinutes = strategy.kind === 'linear' ? strategy.intervalMinutes : strategy.bakeMinutes;
  if (strategy.kind !== 'all-at-once' && waitMinutes < MIN_GUARDED_STEP_MINUTES) {
    const field = strategy.kind === 'linear' ? 'strategy.intervalMinutes' : 'strategy.bakeMinutes';
    throw ValidationError.of(
      field,
      `must be at least ${MIN_GUARDED_STEP_MINUTES} minutes: the rollback alarms fire after ${ROLLBACK_ALARM_MINUTES} whole bad minutes, and a shorter step moves the rest of the traffic to a broken version before they can`,
    );
  }
  const waitSeconds = Math.min(MAX_WAIT_SECONDS, 60 * waitMinutes);
  const steps = strategy.kind === 'linear' ? Math.ceil(100 / strategy.stepPercent) : strategy.kind === 'canary' ? 2 : 1;
  const routing =
    strategy.kind === 'canary'
      ? { Type: 'CANARY' as const, WaitIntervalInSeconds: waitSeconds, CanarySize: { Type: 'CAPACITY_PERCENT' as const, Value: strategy.percent } }
      : strategy.kind === 'linear'
        ? { Type: 'LINEAR' as const, WaitIntervalInSeconds: waitSeconds, LinearStepSize: { Type: 'CAPACITY_PERCENT' as const, Value: strategy.stepPercent } }
        : { Type: 'ALL_AT_ONCE' as const, WaitIntervalInSeconds: waitSeconds };
  // The last step is baked too (the old fleet waits as long before it goes), so a late alarm still rolls back.
  const executionSeconds = steps * waitSeconds + waitSeconds + PROVISIONING_ALLOWANCE_SECONDS;
  if (executionSeconds > MAX_EXECUTION_SECONDS) {
    throw ValidationError.of(
      'strategy',
      `would take about ${Math.ceil(executionSeconds / 60)} minutes (${steps} steps of ${waitSeconds / 60} minutes, a final bake and time to provision), over the 8 hours SageMaker gives an update: take fewer or shorter steps`,
    );
  }
  return {
    runBy: 'sagemaker',
    deploymentConfig: {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: routing,
        TerminationWaitInSeconds: waitSeconds,
        MaximumExecutionTimeoutInSeconds: Math.max(MIN_EXECUTION_SECONDS, executionSeconds),
      },
      AutoRollbackConfiguration: { Alarms: alarmNames.map((AlarmName) => ({ AlarmName })) },
    },
  };
}
