import { deploymentKeys } from '../../../../lambda/deployments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { inputsOf } from '../../handler-support/sdk-mocks';
import { deleteDeploymentScenarios, freezeDate, NOW, SERVERLESS_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(deleteDeploymentScenarios, name);

describe('DeleteDeployment', () => {
  beforeEach(() => {
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('records DELETING and announces it, deletes the endpoint and the alarms; the models and configs stay until the endpoint is gone', async () => {
    const { result, fakes } = await runScenario('DeleteDeployment', scenario('a deployment in service deleted'));

    expect(result).toMatchObject({ status: 'DELETING', current: { revision: 1 } });
    expect(fakes.deployments.get(deploymentKeys.deployment(SERVERLESS_NAME))?.status).toBe('DELETING');
    expect(fakes.deployments.get(deploymentKeys.history(SERVERLESS_NAME, NOW, 1, 'DELETING'))).toMatchObject({
      from: 'IN_SERVICE',
      reason: 'deletion requested by ana',
    });
    expect(fakes.sageMaker.endpoints['mlops-fraud-api'].status).toBe('Deleting');
    expect(fakes.alarms.alarms).toEqual({});
    expect(Object.keys(fakes.sageMaker.models)).toEqual(['mlops-fraud-api-1']);
  });

  it('deletes a failed deployment whose endpoint SageMaker never made (its missing endpoint taken as deleted)', async () => {
    const { result, fakes } = await runScenario('DeleteDeployment', scenario('a failed deployment deleted (SageMaker has no endpoint)'));

    expect(result).toMatchObject({ status: 'DELETING' });
    expect(fakes.alarms.alarms).toEqual({});
  });

  it('changes nothing for a deployment being deleted', async () => {
    const { result } = await runScenario('DeleteDeployment', scenario('a deployment being deleted deleted again'));

    expect(result).toMatchObject({ status: 'DELETING' });
    expect(inputsOf('PutEventsCommand')).toEqual([]);
  });
});
