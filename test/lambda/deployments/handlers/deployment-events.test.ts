import { deploymentKeys } from '../../../../lambda/deployments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { invoke, resetSdkMocks, thrownBy } from '../../handler-support/sdk-mocks';
import {
  aliasChanged,
  deploymentEventsScenarios,
  deploymentState,
  followingInService,
  freezeDate,
  NOW,
  SERVERLESS_NAME,
  servedImageOf,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(deploymentEventsScenarios, name);

describe('DeploymentEvents', () => {
  beforeEach(() => {
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it("rolls out, on a deployment following the moved alias, the image serving the alias's new version, read from the registry", async () => {
    const { result, fakes } = await runScenario('DeploymentEvents', scenario('a move of an alias a deployment follows'));

    expect(result).toEqual({ started: [SERVERLESS_NAME], skipped: [] });
    expect(fakes.deployments.get(deploymentKeys.deployment(SERVERLESS_NAME))).toMatchObject({
      status: 'UPDATING',
      pending: { revision: 2, image: servedImageOf(2) },
    });
    expect(fakes.deployments.get(deploymentKeys.history(SERVERLESS_NAME, NOW, 2, 'UPDATING'))).toMatchObject({
      reason: 'fraud-linear@production moved: rolling out version 2',
      by: 'alias fraud-linear@production',
    });
  });

  it('starts nothing when the follower serves the new version already (an event delivered again, or a move back)', async () => {
    const { result, fakes } = await runScenario('DeploymentEvents', scenario('a move back to the version the follower serves'));

    expect(result).toEqual({ started: [], skipped: [] });
    expect(fakes.deployments.get(deploymentKeys.deployment(SERVERLESS_NAME))?.status).toBe('IN_SERVICE');
  });

  it('skips, saying why, a follower whose new alias version no image serves yet, and it keeps serving', async () => {
    const { result, fakes } = await runScenario('DeploymentEvents', scenario('a move to a version no image serves yet: the follower skipped'));

    expect(result).toEqual({
      started: [],
      skipped: [
        { name: SERVERLESS_NAME, reason: expect.stringContaining('no READY version of image fraud-scoring serves fraud-linear version 4 (production)') },
      ],
    });
    expect(fakes.deployments.get(deploymentKeys.deployment(SERVERLESS_NAME))?.status).toBe('IN_SERVICE');
  });

  it('does nothing for an alias no deployment follows', async () => {
    const { result } = await runScenario('DeploymentEvents', scenario('a move of an alias no deployment follows'));

    expect(result).toEqual({ started: [], skipped: [] });
  });

  it.each([
    ['another detail-type', { 'detail-type': 'ModelVersionRegistered' }, /^detail-type: /],
    ['a model name out of bounds', { detail: { name: 'x'.repeat(300), alias: 'production' } }, /^detail\.name: /],
    ['no alias', { detail: { name: 'fraud-linear' } }, /^detail\.alias: /],
  ])('refuses an event with %s, naming the field, changing nothing', async (_, overrides, message) => {
    const fakes = resetSdkMocks();
    followingInService(fakes);
    const before = deploymentState(fakes);

    const error = await thrownBy(invoke('DeploymentEvents', { ...aliasChanged('production', 3, 2), ...overrides }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(message);
    expect(deploymentState(fakes)).toEqual(before);
  });
});
