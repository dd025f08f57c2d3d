import type { DeploymentConfig, ProductionVariant } from '@aws-sdk/client-sagemaker';
import { validation } from './sagemaker-validation-error';

/** SageMaker's rules for a blue/green update (`DeploymentConfig.BlueGreenUpdatePolicy`), as the local hosting runs it. */

/** SageMaker's bounds on `BlueGreenUpdatePolicy` (the SDK's API reference). */
const MAX_WAIT_SECONDS = 3600;
export const EXECUTION_SECONDS = { min: 600, max: 28_800 };

/** The bounds SageMaker checks on a blue/green update before it starts one. */
export function checkDeploymentConfig(config: DeploymentConfig): void {
  if (config.RollingUpdatePolicy) throw validation('The local SageMaker stand-in runs blue/green updates only, not RollingUpdatePolicy.');
  const policy = config.BlueGreenUpdatePolicy;
  const routing = policy?.TrafficRoutingConfiguration;
  if (!policy || !routing)
    throw validation(
      "1 validation error detected: Value null at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration' failed to satisfy constraint: Member must not be null",
    );
  const bound = (value: number | undefined, field: string, min: number, max: number) => {
    if (value !== undefined && (value < min || value > max)) {
      throw validation(
        `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
      );
    }
  };
  bound(routing.WaitIntervalInSeconds, 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds', 0, MAX_WAIT_SECONDS);
  bound(policy.TerminationWaitInSeconds, 'deploymentConfig.blueGreenUpdatePolicy.terminationWaitInSeconds', 0, MAX_WAIT_SECONDS);
  bound(
    policy.MaximumExecutionTimeoutInSeconds,
    'deploymentConfig.blueGreenUpdatePolicy.maximumExecutionTimeoutInSeconds',
    EXECUTION_SECONDS.min,
    EXECUTION_SECONDS.max,
  );
  if (routing.Type === 'CANARY' && !routing.CanarySize) throw validation('CanarySize must be specified for CANARY traffic routing.');
  if (routing.Type === 'LINEAR' && !routing.LinearStepSize) throw validation('LinearStepSize must be specified for LINEAR traffic routing.');
  if (routing.CanarySize?.Type === 'CAPACITY_PERCENT') bound(routing.CanarySize.Value, 'canarySize.value', 1, 50);
  if (routing.LinearStepSize?.Type === 'CAPACITY_PERCENT') bound(routing.LinearStepSize.Value, 'linearStepSize.value', 10, 50);
}

/** The new fleet's share of traffic at each step of a blue/green update: a canary then all, linear steps, or all at once. */
export function trafficSteps(
  routing: NonNullable<DeploymentConfig['BlueGreenUpdatePolicy']>['TrafficRoutingConfiguration'],
  variants: readonly ProductionVariant[],
): number[] {
  const capacity = variants.reduce((sum, { InitialInstanceCount }) => sum + (InitialInstanceCount ?? 1), 0);
  const shareOf = (size: { Type?: string; Value?: number } | undefined) =>
    Math.min(1, size?.Type === 'INSTANCE_COUNT' ? (size.Value ?? 1) / capacity : (size?.Value ?? 100) / 100);
  if (routing?.Type === 'CANARY') return [shareOf(routing.CanarySize), 1];
  if (routing?.Type === 'LINEAR') {
    const step = shareOf(routing.LinearStepSize);
    const steps = Array.from({ length: Math.ceil(1 / step - 1e-9) }, (_, index) => Math.min(1, Math.round((index + 1) * step * 1e6) / 1e6));
    steps[steps.length - 1] = 1;
    return steps;
  }
  return [1];
}
