import { createDeployment } from '../../../../lambda/deployments/core/create-deployment';
import { followAlias, followImageBuilds } from '../../../../lambda/deployments/core/follow-alias';
import { CreateDeploymentRequest, UpdateDeploymentRequest } from '../../../../lambda/deployments/core/schemas';
import { updateDeployment } from '../../../../lambda/deployments/core/update-deployment';
import { parseRequest } from '../../../../lambda/shared/validation';
import { fakeDeploymentDependencies, readyImage } from '../fakes';

async function setUp(extraImages: ReturnType<typeof readyImage>[] = []) {
  const deps = fakeDeploymentDependencies({
    images: [readyImage('churn-scorer', 1, 3), readyImage('churn-scorer', 2, 4), readyImage('fraud-scorer', 1, 3), ...extraImages],
    aliases: { 'churn@production': 3, 'churn@staging': 3 },
  });
  const { store, aliases } = deps;
  const create = (name: string, follow: { model: string; alias: string }) =>
    createDeployment(deps)(parseRequest(CreateDeploymentRequest, { name, image: 'churn-scorer', follow }));
  await create('prod-a', { model: 'churn', alias: 'production' });
  await create('prod-b', { model: 'churn', alias: 'production' });
  await create('staging', { model: 'churn', alias: 'staging' });
  // All three in service on image version 1 (churn 3).
  for (const record of [...store.deployments.values()]) {
    const inService = { ...record, status: 'IN_SERVICE' as const, current: record.pending, pending: undefined, updatedAt: 'in service' };
    await store.updateDeployment(inService, record, {
      name: record.name,
      revision: 1,
      to: 'IN_SERVICE',
      reason: 'test',
      image: { name: 'churn-scorer', version: 1 },
      at: 'in service',
    });
  }
  return { deps, store, aliases, follow: followAlias(deps), built: followImageBuilds(deps) };
}

describe('followAlias', () => {
  it('rolls the image serving the moved alias out on each deployment following it, and on no other', async () => {
    const { store, aliases, follow } = await setUp();
    aliases.move('churn', 'production', 4);

    const outcome = await follow({ name: 'churn', alias: 'production' });

    expect(outcome).toEqual({ started: ['prod-a', 'prod-b'], skipped: [] });
    expect((await store.getDeployment('prod-a'))?.pending?.image.version).toBe(2);
    expect((await store.getDeployment('staging'))?.status).toBe('IN_SERVICE');
  });

  it('changes nothing for an event about a move it rolled out already, or one that moved the alias back', async () => {
    const { follow } = await setUp();

    expect(await follow({ name: 'churn', alias: 'production' })).toEqual({ started: [], skipped: [] });
  });

  it('skips, saying why, a deployment with nothing READY to roll out, and keeps it serving', async () => {
    const { store, aliases, follow } = await setUp();
    aliases.move('churn', 'production', 9);

    const outcome = await follow({ name: 'churn', alias: 'production' });

    expect(outcome.started).toEqual([]);
    expect(outcome.skipped).toEqual([
      { name: 'prod-a', reason: expect.stringContaining('no READY version of image churn-scorer serves churn version 9 (production)') },
      { name: 'prod-b', reason: expect.stringContaining('no READY version of image churn-scorer serves churn version 9 (production)') },
    ]);
    expect((await store.getDeployment('prod-a'))?.status).toBe('IN_SERVICE');
  });
});

describe('a deployment that rolled a version back', () => {
  it('passes over it when following, saying why and how to roll it out anyway; an update naming it rolls it out and forgets it', async () => {
    const { deps, store, aliases, follow } = await setUp();
    const prodA = (await store.getDeployment('prod-a'))!;
    await store.updateDeployment({ ...prodA, rolledBackVersions: [2], updatedAt: 'rolled back' }, prodA, {
      name: 'prod-a',
      revision: 2,
      to: 'IN_SERVICE',
      reason: 'test',
      image: { name: 'churn-scorer', version: 2 },
      at: 'rolled back',
    });
    aliases.move('churn', 'production', 4);

    const outcome = await follow({ name: 'churn', alias: 'production' });

    expect(outcome.started).toEqual(['prod-b']);
    expect(outcome.skipped).toEqual([
      {
        name: 'prod-a',
        reason: expect.stringContaining(
          'serves churn version 4 (production) but churn-scorer:2, which this deployment rolled back (mlops deploy update --version 2 rolls it out anyway)',
        ),
      },
    ]);
    const forced = await updateDeployment(deps)(parseRequest(UpdateDeploymentRequest, { name: 'prod-a', version: 2 }));
    expect(forced).toMatchObject({ status: 'UPDATING', pending: { image: { version: 2 } }, rolledBackVersions: [] });
  });
});

describe('followImageBuilds', () => {
  it('rolls out, once an image version serving the alias is READY, what the alias move could not, on the following deployments of that image', async () => {
    const { store, aliases, follow, built } = await setUp([readyImage('churn-scorer', 3, 9)]);
    // The alias moved while version 3 was building (its move rolled nothing out); version 3 is READY now.
    aliases.move('churn', 'staging', 9);

    const outcome = await built({ name: 'churn-scorer', version: 3, status: 'READY' });

    expect(outcome).toEqual({ started: ['staging'], skipped: [] });
    expect((await store.getDeployment('staging'))?.pending?.image.version).toBe(3);
    expect((await store.getDeployment('prod-a'))?.status).toBe('IN_SERVICE');
    expect(await follow({ name: 'churn', alias: 'staging' })).toEqual({ started: [], skipped: [] });
  });

  it('does nothing for a build that FAILED, or for another image', async () => {
    const { aliases, built } = await setUp([readyImage('churn-scorer', 3, 9)]);
    aliases.move('churn', 'production', 9);

    expect(await built({ name: 'churn-scorer', version: 3, status: 'FAILED' })).toEqual({ started: [], skipped: [] });
    expect(await built({ name: 'fraud-scorer', version: 2, status: 'READY' })).toEqual({ started: [], skipped: [] });
  });
});
