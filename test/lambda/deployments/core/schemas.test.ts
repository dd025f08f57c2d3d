import { CreateDeploymentRequest, SERVERLESS_STRATEGY_REFUSAL } from '../../../../lambda/deployments/core/schemas';
import { parseRequest } from '../../../../lambda/shared/validation';
import { refusalIssues, refusedPaths } from '../../shared/refused-paths';

const request = (overrides: Record<string, unknown> = {}) => ({ name: 'churn-api', image: 'churn-scorer', version: 3, ...overrides });

describe('CreateDeploymentRequest', () => {
  it('fills a serverless, all-at-once deployment with its alarms by default', () => {
    expect(parseRequest(CreateDeploymentRequest, request())).toEqual({
      name: 'churn-api',
      image: 'churn-scorer',
      version: 3,
      compute: { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 },
      strategy: { kind: 'all-at-once', bakeMinutes: 10 },
      alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
    });
  });

  it('takes instances with a canary or linear rollout, and an alias to follow instead of a version', () => {
    const canary = parseRequest(
      CreateDeploymentRequest,
      request({ compute: { kind: 'instances', instanceType: 'ml.m5.large', count: 2 }, strategy: { kind: 'canary', percent: 20 } }),
    );
    const linear = parseRequest(
      CreateDeploymentRequest,
      request({
        version: undefined,
        follow: { model: 'churn', alias: 'production' },
        compute: { kind: 'instances', instanceType: 'ml.g5.xlarge' },
        strategy: { kind: 'linear' },
      }),
    );

    expect(canary).toMatchObject({ compute: { instanceType: 'ml.m5.large', count: 2 }, strategy: { kind: 'canary', percent: 20, bakeMinutes: 10 } });
    expect(linear).toMatchObject({ follow: { model: 'churn', alias: 'production' }, compute: { count: 1 }, strategy: { stepPercent: 20, intervalMinutes: 5 } });
  });

  it.each([
    ['an instance type SageMaker does not host on', { compute: { kind: 'instances', instanceType: 'ml.bogus.huge' } }, ['compute.instanceType']],
    ['a training-only instance type', { compute: { kind: 'instances', instanceType: 'ml.p3dn.24xlarge' } }, ['compute.instanceType']],
    ['a serverless memory size SageMaker does not take', { compute: { kind: 'serverless', memoryMb: 1500 } }, ['compute.memoryMb']],
    ['a serverless concurrency over 200', { compute: { kind: 'serverless', maxConcurrency: 201 } }, ['compute.maxConcurrency']],
    ['both a version and an alias', { follow: { model: 'churn', alias: 'production' } }, ['version']],
    ['neither a version nor an alias', { version: undefined }, ['version']],
    ['an uppercase name', { name: 'Churn-API' }, ['name']],
    ['a name too long for SageMaker with its prefix and revision', { name: 'a'.repeat(41) }, ['name']],
    [
      'a canary of more than half',
      { compute: { kind: 'instances', instanceType: 'ml.m5.large' }, strategy: { kind: 'canary', percent: 60 } },
      ['strategy.percent'],
    ],
    [
      'a linear step under 10%',
      { compute: { kind: 'instances', instanceType: 'ml.m5.large' }, strategy: { kind: 'linear', stepPercent: 5 } },
      ['strategy.stepPercent'],
    ],
    ['an unknown strategy', { strategy: { kind: 'shadow' } }, ['strategy.kind']],
    ['an error rate of 0', { alarms: { errorRatePercent: 0 } }, ['alarms.errorRatePercent']],
    // DynamoDB stores no number under 1e-130: a rate this small failed at the write, after the checks.
    ['an error rate too small to store', { alarms: { errorRatePercent: 5e-324 } }, ['alarms.errorRatePercent']],
    ['an error rate under one request in 10,000', { alarms: { errorRatePercent: 0.009 } }, ['alarms.errorRatePercent']],
  ])('refuses %s, naming the field', (_, overrides, paths) => {
    expect(refusedPaths(CreateDeploymentRequest, request(overrides))).toEqual(paths);
  });

  it.each(['canary', 'linear'])('refuses a %s rollout on serverless, saying why and what to do instead', (kind) => {
    expect(refusalIssues(CreateDeploymentRequest, request({ strategy: { kind } }))).toEqual([{ path: 'strategy', message: SERVERLESS_STRATEGY_REFUSAL }]);
    expect(SERVERLESS_STRATEGY_REFUSAL).toMatch(/deploy on instances, or update all at once/);
    // What the error contract's property test takes for a leaked stack frame.
    expect(SERVERLESS_STRATEGY_REFUSAL).not.toMatch(/at \w+ \(/);
  });
});
