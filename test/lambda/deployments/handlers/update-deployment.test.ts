import { deploymentKeys } from '../../../../lambda/deployments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { inputsOf, invoke, resetSdkMocks, thrownBy } from '../../handler-support/sdk-mocks';
import {
  deploymentState,
  freezeDate,
  INSTANCES_NAME,
  NOW,
  SERVERLESS_NAME,
  servedImageOf,
  serverlessBaking,
  serverlessInService,
  updateDeploymentScenarios,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(updateDeploymentScenarios, name);
const stored = (fakes: { deployments: { get(key: object): Record<string, any> | undefined } }, name: string) =>
  fakes.deployments.get(deploymentKeys.deployment(name));

describe('UpdateDeployment', () => {
  beforeEach(() => {
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it("rolls a serverless deployment's new version out as revision 2: UPDATING, a new model and config, the endpoint swapped all at once (no DeploymentConfig), the platform's bake to follow", async () => {
    const { result, fakes } = await runScenario('UpdateDeployment', scenario('a serverless update to another version, all at once'));

    expect(result).toMatchObject({
      status: 'UPDATING',
      lastRevision: 2,
      current: { revision: 1 },
      pending: { revision: 2, image: servedImageOf(2), endpointConfig: 'mlops-fraud-api-2', rollout: { runBy: 'platform', bakeMinutes: 10 } },
    });
    expect(stored(fakes, SERVERLESS_NAME)).toMatchObject({ status: 'UPDATING', pending: { revision: 2 } });
    expect(Object.keys(fakes.sageMaker.models).sort()).toEqual(['mlops-fraud-api-1', 'mlops-fraud-api-2']);
    expect(inputsOf('UpdateEndpointCommand')).toEqual([{ EndpointName: 'mlops-fraud-api', EndpointConfigName: 'mlops-fraud-api-2' }]);
    expect(fakes.sageMaker.endpoints['mlops-fraud-api']).toMatchObject({ status: 'Updating', config: 'mlops-fraud-api-1', updatingTo: 'mlops-fraud-api-2' });
  });

  it.each([
    ['by canary (the deployment own strategy)', { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 600 }],
    ['linearly', { Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 300 }],
    ['all at once', { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 600 }],
  ])("gives an update on instances %s to SageMaker's blue/green deployment, rolled back by the deployment's alarms on the new config", async (how, routing) => {
    const { fakes } = await runScenario('UpdateDeployment', scenario(`an update on instances ${how}`));

    const [update] = inputsOf('UpdateEndpointCommand');
    expect(update).toMatchObject({
      EndpointName: 'mlops-fraud-fleet',
      EndpointConfigName: 'mlops-fraud-fleet-2',
      DeploymentConfig: {
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: routing },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'mlops-fraud-fleet-5xx-rate' }, { AlarmName: 'mlops-fraud-fleet-latency-p99' }] },
      },
    });
    expect(update.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual(routing);
    expect(fakes.alarms.alarms['mlops-fraud-fleet-latency-p99'].put.Dimensions).toContainEqual({ Name: 'EndpointConfigName', Value: 'mlops-fraud-fleet-2' });
    expect(stored(fakes, INSTANCES_NAME)).toMatchObject({ status: 'UPDATING', pending: { rollout: { runBy: 'sagemaker' } } });
  });

  it("on a deployment following an alias, rolls out the image serving the alias's version now", async () => {
    const { result } = await runScenario('UpdateDeployment', scenario('an update following the alias: the image serving its version now'));

    expect(result).toMatchObject({ status: 'UPDATING', pending: { image: servedImageOf(2) } });
  });

  it('changes nothing for the version served already', async () => {
    const { result, fakes } = await runScenario('UpdateDeployment', scenario('an update to the version served already'));

    expect(result).toMatchObject({ status: 'IN_SERVICE', lastRevision: 1, current: { revision: 1 } });
    expect(fakes.deployments.all().filter((item) => String(item.sk).startsWith('H#'))).toEqual([]);
  });

  it("keeps serving the current revision with SageMaker's reason when SageMaker refuses the update, deleting what it made for it", async () => {
    const { result, fakes } = await runScenario(
      'UpdateDeployment',
      scenario('an update SageMaker refuses (the endpoint busy with a change made outside the platform)'),
    );

    expect(result).toMatchObject({
      status: 'IN_SERVICE',
      current: { revision: 1 },
      reason: expect.stringMatching(/^ValidationException: Cannot update in-progress endpoint/),
    });
    expect((result as { pending?: unknown }).pending).toBeUndefined();
    expect(stored(fakes, SERVERLESS_NAME)).not.toHaveProperty('pending');
    expect(Object.keys(fakes.sageMaker.models)).toEqual(['mlops-fraud-api-1']);
    expect(Object.keys(fakes.sageMaker.endpointConfigs)).toEqual(['mlops-fraud-api-1']);
  });

  it.each([
    ['a version the image does not have', { version: 9 }, 'ValidationError', 'version: image fraud-scoring has no version 9'],
    [
      'a version not READY',
      { version: 3 },
      'ValidationError',
      'version: version 3 of image fraud-scoring is BUILDING, not READY: wait for its build (mlops image show fraud-scoring)',
    ],
    ['no version, on a deployment following no alias', {}, 'ValidationError', 'version: is required: the deployment follows no alias'],
    ['a deployment that does not exist', { name: 'nowhere', version: 2 }, 'NotFoundError', 'no deployment named nowhere'],
  ])('refuses %s, changing nothing', async (_, request, errorType, message) => {
    const fakes = resetSdkMocks();
    serverlessInService(fakes);
    const before = deploymentState(fakes);

    const error = await thrownBy(invoke('UpdateDeployment', { name: SERVERLESS_NAME, ...request }));

    expect({ errorType: error.name, message: error.message }).toEqual({ errorType, message });
    expect(deploymentState(fakes)).toEqual(before);
  });

  it('refuses an update of a deployment not in service with ConflictError, changing nothing', async () => {
    const fakes = resetSdkMocks();
    serverlessBaking(fakes);
    const before = deploymentState(fakes);

    const error = await thrownBy(invoke('UpdateDeployment', { name: SERVERLESS_NAME, version: 1 }));

    expect(error.name).toBe('ConflictError');
    expect(deploymentState(fakes)).toEqual(before);
  });
});
