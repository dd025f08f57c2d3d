import { rolloutPlan } from '../../../../lambda/deployments/core/rollout-plan';
import { ValidationError } from '../../../../lambda/shared/errors';

const instances = { kind: 'instances' as const, instanceType: 'ml.m5.large', count: 2 };
const serverless = { kind: 'serverless' as const, memoryMb: 2048, maxConcurrency: 5 };
const ALARMS = ['mlops-churn-api-5xx', 'mlops-churn-api-latency'];

describe('rolloutPlan', () => {
  it("gives a canary on instances to SageMaker's blue/green: the canary share baked, the rest shifted, the old fleet kept a bake longer, rolled back by the alarms", () => {
    expect(rolloutPlan(instances, { kind: 'canary', percent: 10, bakeMinutes: 10 }, ALARMS)).toEqual({
      runBy: 'sagemaker',
      deploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } },
          TerminationWaitInSeconds: 600,
          MaximumExecutionTimeoutInSeconds: 2 * 600 + 600 + 1800,
        },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: ALARMS[0] }, { AlarmName: ALARMS[1] }] },
      },
    });
  });

  it('steps a linear rollout by its share, each step waiting its interval', () => {
    const plan = rolloutPlan(instances, { kind: 'linear', stepPercent: 25, intervalMinutes: 5 }, ALARMS);

    expect(plan.runBy === 'sagemaker' && plan.deploymentConfig.BlueGreenUpdatePolicy).toEqual({
      TrafficRoutingConfiguration: { Type: 'LINEAR', WaitIntervalInSeconds: 300, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 } },
      TerminationWaitInSeconds: 300,
      MaximumExecutionTimeoutInSeconds: 4 * 300 + 300 + 1800,
    });
  });

  it('gives SageMaker at least its 10-minute minimum for an update that bakes no time', () => {
    const plan = rolloutPlan(instances, { kind: 'all-at-once', bakeMinutes: 0 }, ALARMS);

    expect(plan.runBy === 'sagemaker' && plan.deploymentConfig.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds).toBe(1800);
  });

  it('refuses at strategy a rollout longer than the 8 hours SageMaker gives an update', () => {
    expect(() => rolloutPlan(instances, { kind: 'linear', stepPercent: 10, intervalMinutes: 60 }, ALARMS)).toThrow(ValidationError);
    expect(() => rolloutPlan(instances, { kind: 'linear', stepPercent: 10, intervalMinutes: 60 }, ALARMS)).toThrow(/^strategy: would take about 690 minutes/);
  });

  it('runs a serverless update itself: SageMaker swaps it all at once, the platform bakes and rolls back', () => {
    expect(rolloutPlan(serverless, { kind: 'all-at-once', bakeMinutes: 15 }, ALARMS)).toEqual({ runBy: 'platform', bakeMinutes: 15 });
  });

  it('refuses a canary on serverless at strategy, as the request schema does', () => {
    expect(() => rolloutPlan(serverless, { kind: 'canary', percent: 10, bakeMinutes: 10 }, ALARMS)).toThrow(/^strategy: canary and linear split traffic/);
  });

  it('refuses a canary bake or a linear step shorter than the rollback alarms need (two whole bad minutes, and the minute it starts in), naming it', () => {
    expect(() => rolloutPlan(instances, { kind: 'canary', percent: 10, bakeMinutes: 2 }, ALARMS)).toThrow(/^strategy\.bakeMinutes: must be at least 3 minutes/);
    expect(() => rolloutPlan(instances, { kind: 'linear', stepPercent: 20, intervalMinutes: 0 }, ALARMS)).toThrow(
      /^strategy\.intervalMinutes: must be at least 3 minutes/,
    );
    expect(rolloutPlan(instances, { kind: 'canary', percent: 10, bakeMinutes: 3 }, ALARMS).runBy).toBe('sagemaker');
    expect(rolloutPlan(instances, { kind: 'all-at-once', bakeMinutes: 0 }, ALARMS).runBy).toBe('sagemaker');
  });
});
