import { deploymentKeys } from '../../../../lambda/deployments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { inputsOf, invoke, resetSdkMocks, thrownBy } from '../../handler-support/sdk-mocks';
import {
  deploymentState,
  freezeDate,
  instancesUpdating,
  NOW,
  rollbackDeploymentScenarios,
  SERVERLESS_NAME,
  servedImageOf,
  serverlessBaking,
  serverlessInService,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(rollbackDeploymentScenarios, name);
const publishedDetails = () => inputsOf('PutEventsCommand').map((input) => JSON.parse(input.Entries[0].Detail));

describe('RollbackDeployment', () => {
  beforeEach(() => {
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('in service, rolls the previous version out again as the next revision, all at once without a bake, in one call', async () => {
    const { result, fakes } = await runScenario('RollbackDeployment', scenario('a rollback in service: the previous version again, all at once'));

    expect(result).toMatchObject({
      status: 'UPDATING',
      lastRevision: 3,
      current: { revision: 2 },
      pending: { revision: 3, image: servedImageOf(1), rollout: { runBy: 'platform', bakeMinutes: 0 } },
    });
    expect(inputsOf('UpdateEndpointCommand')).toEqual([{ EndpointName: 'mlops-fraud-api', EndpointConfigName: 'mlops-fraud-api-3' }]);
    expect(publishedDetails()).toEqual([
      expect.objectContaining({ from: 'IN_SERVICE', to: 'UPDATING', reason: 'rollback to version 1 requested by ana', by: 'ana' }),
    ]);
    expect(fakes.sageMaker.models['mlops-fraud-api-3'].PrimaryContainer?.Image).toBe(servedImageOf(1).imageUri);
  });

  it("during the platform's bake, sends the endpoint back to the current revision and records ROLLING_BACK", async () => {
    const { result, fakes } = await runScenario(
      'RollbackDeployment',
      scenario("a rollback during the platform's bake: the endpoint back to the current revision"),
    );

    expect(result).toMatchObject({ status: 'ROLLING_BACK', reason: 'rollback requested by ana', current: { revision: 1 }, pending: { revision: 2 } });
    expect(fakes.deployments.get(deploymentKeys.deployment(SERVERLESS_NAME))?.status).toBe('ROLLING_BACK');
    expect(fakes.sageMaker.endpoints['mlops-fraud-api']).toMatchObject({ status: 'Updating', updatingTo: 'mlops-fraud-api-1' });
    expect(publishedDetails()).toEqual([expect.objectContaining({ revision: 2, from: 'UPDATING', to: 'ROLLING_BACK' })]);
  });

  it('changes nothing for a deployment rolling back already', async () => {
    const { result } = await runScenario('RollbackDeployment', scenario('a rollback of a deployment rolling back already'));

    expect(result).toMatchObject({ status: 'ROLLING_BACK' });
    expect(inputsOf('PutEventsCommand')).toEqual([]);
  });

  it.each([
    [
      'a deployment that served one version only',
      serverlessInService,
      'ConflictError',
      /has served only version 1 of fraud-scoring: there is nothing to roll back to/,
    ],
    [
      'a serverless update SageMaker is still swapping',
      (fakes: Parameters<typeof serverlessBaking>[0]) => serverlessBaking(fakes),
      'ConflictError',
      /takes no other update until it serves/,
    ],
    [
      "an update SageMaker's guardrails run",
      (fakes: Parameters<typeof serverlessBaking>[0]) => instancesUpdating(fakes, { status: 'Updating', servingPending: false }),
      'ConflictError',
      /its alarms roll it back/,
    ],
  ])('refuses %s, changing nothing', async (_, arrange, errorType, message) => {
    const fakes = resetSdkMocks();
    const record = arrange(fakes);
    const before = deploymentState(fakes);

    const error = await thrownBy(invoke('RollbackDeployment', { name: record.name }));

    expect(error.name).toBe(errorType);
    expect(error.message).toMatch(message);
    expect(deploymentState(fakes)).toEqual(before);
  });

  it('fails with NotFoundError for a deployment that does not exist', async () => {
    resetSdkMocks();

    const error = await thrownBy(invoke('RollbackDeployment', { name: 'nowhere' }));

    expect({ errorType: error.name, message: error.message }).toEqual({ errorType: 'NotFoundError', message: 'no deployment named nowhere' });
  });
});
