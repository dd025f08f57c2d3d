import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { deploymentKeys } from '../../../../lambda/deployments/adapters/table-keys';
import { metrics } from '../../../../lambda/shared/handler';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { inputsOf, sageMakerMock } from '../../handler-support/sdk-mocks';
import { advanceDeploymentsScenarios, freezeDate, INSTANCES_NAME, NOW, SERVERLESS_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(advanceDeploymentsScenarios, name);
const publishedDetails = () => inputsOf('PutEventsCommand').map((input) => JSON.parse(input.Entries[0].Detail));
type Fakes = Awaited<ReturnType<typeof runScenario>>['fakes'];
const stored = (fakes: Fakes, name: string) => fakes.deployments.get(deploymentKeys.deployment(name));

describe('AdvanceDeployments', () => {
  beforeEach(() => {
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('records a deployment IN_SERVICE once SageMaker serves its first revision, and announces it', async () => {
    const { result, fakes } = await runScenario('AdvanceDeployments', scenario('an endpoint SageMaker brought into service'));

    expect(result).toEqual({ watched: 1, changed: 1, failed: [] });
    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 } });
    expect(stored(fakes, SERVERLESS_NAME)).not.toHaveProperty('pending');
    expect(publishedDetails()).toEqual([expect.objectContaining({ from: 'CREATING', to: 'IN_SERVICE', reason: 'in service' })]);
  });

  it('counts the deployments whose step failed, so one that keeps failing alarms (DeploymentStepsFailed)', async () => {
    const added = jest.spyOn(metrics, 'addMetric');
    try {
      const { fakes } = await runScenario('AdvanceDeployments', {
        ...scenario('an endpoint SageMaker brought into service'),
        arrange: (arranged) => {
          scenario('an endpoint SageMaker brought into service').arrange?.(arranged);
          sageMakerMock.on(DescribeEndpointCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
        },
      });

      expect(added).toHaveBeenCalledWith('DeploymentStepsFailed', 'Count', 1);
      expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'CREATING' });
    } finally {
      added.mockRestore();
    }
  });

  it('leaves a deployment SageMaker is still creating as it is', async () => {
    const { result, fakes } = await runScenario('AdvanceDeployments', scenario('an endpoint still being created'));

    expect(result).toEqual({ watched: 1, changed: 0, failed: [] });
    expect(stored(fakes, SERVERLESS_NAME)?.status).toBe('CREATING');
  });

  it('starts the bake of a serverless update once SageMaker serves it: its alarms watched for the bake minutes', async () => {
    const { fakes } = await runScenario('AdvanceDeployments', scenario("a serverless update SageMaker swapped: the platform's bake starts"));

    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'UPDATING', pending: { revision: 2, bakeUntil: '2026-06-01T12:10:00.000Z' } });
  });

  it('completes a bake that passed without an alarm: the new revision current, the old one kept to roll back to, the one before retired', async () => {
    const { fakes } = await runScenario('AdvanceDeployments', scenario('a bake that passed without an alarm: rolled out, the revision before it retired'));

    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'IN_SERVICE', current: { revision: 2 }, previous: { revision: 1 } });
    expect(Object.keys(fakes.sageMaker.models).sort()).toEqual(['mlops-fraud-api-1', 'mlops-fraud-api-2']);
    expect(publishedDetails()).toEqual([expect.objectContaining({ to: 'IN_SERVICE', reason: 'baked without an alarm; rolled out' })]);
  });

  it('rolls back a bake whose alarm fires: ROLLING_BACK with the alarm named, the endpoint sent back to the current revision', async () => {
    const { fakes } = await runScenario('AdvanceDeployments', scenario('an alarm firing during the bake: rolled back to the current revision'));

    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({
      status: 'ROLLING_BACK',
      reason: 'alarm mlops-fraud-api-5xx-rate fired while the new revision baked',
    });
    expect(fakes.sageMaker.endpoints['mlops-fraud-api']).toMatchObject({ status: 'Updating', updatingTo: 'mlops-fraud-api-1' });
  });

  it("finishes the platform's rollback once SageMaker serves the current revision again, retiring the rolled-back one", async () => {
    const { fakes } = await runScenario('AdvanceDeployments', scenario("the platform's rollback in service: the rolled-back revision retired"));

    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 } });
    expect(Object.keys(fakes.sageMaker.models)).toEqual(['mlops-fraud-api-1']);
  });

  it('sends again a platform rollback SageMaker never took, recording nothing new', async () => {
    const { result, fakes } = await runScenario(
      'AdvanceDeployments',
      scenario("the platform's rollback SageMaker never took (its UpdateEndpoint failed): sent again"),
    );

    expect(result).toEqual({ watched: 1, changed: 0, failed: [] });
    expect(fakes.sageMaker.endpoints['mlops-fraud-api']).toMatchObject({ status: 'Updating', updatingTo: 'mlops-fraud-api-1' });
    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'ROLLING_BACK', updatedAt: '2026-06-01T11:00:00.000Z' });
    expect(inputsOf('PutEventsCommand')).toEqual([]);
  });

  it('records a canary SageMaker completed as rolled out', async () => {
    const { fakes } = await runScenario('AdvanceDeployments', scenario('a canary SageMaker finished: rolled out'));

    expect(stored(fakes, INSTANCES_NAME)).toMatchObject({ status: 'IN_SERVICE', current: { revision: 2 }, previous: { revision: 1 } });
  });

  it("follows SageMaker's rollback of a canary: ROLLING_BACK while it shifts back, then IN_SERVICE on the old revision with the new one retired", async () => {
    const rolling = await runScenario('AdvanceDeployments', scenario('a canary SageMaker is rolling back'));
    expect(stored(rolling.fakes, INSTANCES_NAME)).toMatchObject({ status: 'ROLLING_BACK' });

    const { fakes } = await runScenario('AdvanceDeployments', scenario('a canary SageMaker rolled back: the new revision retired'));
    expect(stored(fakes, INSTANCES_NAME)).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 }, reason: 'alarm mlops-fraud-fleet-5xx-rate fired' });
    expect(Object.keys(fakes.sageMaker.models)).toEqual(['mlops-fraud-fleet-1']);
  });

  it('records a deleted deployment DELETED once its endpoint is gone, and deletes every revision it kept', async () => {
    const { fakes } = await runScenario('AdvanceDeployments', scenario('a deleted endpoint gone: DELETED, every revision retired'));

    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'DELETED' });
    expect(fakes.sageMaker.models).toEqual({});
    expect(fakes.sageMaker.endpointConfigs).toEqual({});
  });

  it('looks at no deployment at rest', async () => {
    const { result } = await runScenario('AdvanceDeployments', scenario('nothing in transit'));

    expect(result).toEqual({ watched: 0, changed: 0, failed: [] });
  });
});
