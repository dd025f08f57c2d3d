import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { invoke, resetSdkMocks, thrownBy } from '../../handler-support/sdk-mocks';
import { INSTANCES_NAME, queryDeploymentsScenarios, SERVERLESS_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(queryDeploymentsScenarios, name);

describe('QueryDeployments', () => {
  it('getDeployment answers the deployment as stored, without the table keys', async () => {
    const { result } = await runScenario('QueryDeployments', scenario('getDeployment'));

    expect(result).toMatchObject({ name: SERVERLESS_NAME, status: 'IN_SERVICE', current: { revision: 2 }, previous: { revision: 1 } });
    expect(result).not.toHaveProperty('pk');
    expect(result).not.toHaveProperty('gsi1pk');
  });

  it('listDeployments answers every deployment by name', async () => {
    const { result } = await runScenario('QueryDeployments', scenario('listDeployments'));

    expect((result as { items: { name: string }[] }).items.map(({ name }) => name)).toEqual([SERVERLESS_NAME, INSTANCES_NAME].sort());
  });

  it("deploymentHistory answers the deployment's state changes, newest first", async () => {
    const { result } = await runScenario('QueryDeployments', scenario('deploymentHistory'));

    expect((result as { items: { to: string; revision: number }[] }).items.map(({ to, revision }) => [to, revision])).toEqual([
      ['UPDATING', 2],
      ['IN_SERVICE', 1],
      ['CREATING', 1],
    ]);
  });

  it.each([
    { query: 'getDeployment', name: 'nowhere' },
    { query: 'deploymentHistory', name: 'nowhere' },
  ])('fails with NotFoundError for a deployment that does not exist: $query', async (event) => {
    resetSdkMocks();

    const error = await thrownBy(invoke('QueryDeployments', event));

    expect({ errorType: error.name, message: error.message }).toEqual({ errorType: 'NotFoundError', message: 'no deployment named nowhere' });
  });
});
