import { createDeployment } from '../../../../lambda/deployments/core/create-deployment';
import { CreateDeploymentRequest } from '../../../../lambda/deployments/core/schemas';
import { ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { fakeDeploymentDependencies, RecordingHosting, readyImage } from '../fakes';

const IMAGES = [
  readyImage('churn-scorer', 1, 3),
  readyImage('churn-scorer', 2, 4),
  // Newer, serving the same model version, but still building: an alias-following deployment skips it.
  readyImage('churn-scorer', 3, 4, { status: 'BUILDING', imageUri: undefined, digest: undefined }),
  readyImage('churn-scorer', 4, 5, { modelDataUrl: undefined }),
];

function setUp(options: { hosting?: RecordingHosting } = {}) {
  const deps = fakeDeploymentDependencies({ images: IMAGES, aliases: { 'churn@production': 4, 'churn@shadow': 7 }, hosting: options.hosting });
  const { store, hosting, alarms, events } = deps;
  const create = createDeployment(deps);
  const command = (overrides: Record<string, unknown> = {}) =>
    parseRequest(CreateDeploymentRequest, { name: 'churn-api', image: 'churn-scorer', version: 1, actor: 'ana', ...overrides });
  const nothingWritten = () => {
    expect(store.deployments.size).toBe(0);
    expect(store.changes).toEqual([]);
    expect(hosting.calls).toEqual([]);
    expect(alarms.put).toEqual([]);
    expect(events.published).toEqual([]);
  };
  return { store, hosting, alarms, events, create, command, nothingWritten };
}

describe('createDeployment', () => {
  it('records the deployment CREATING with its first revision pinned, announces it, puts its alarms, then asks SageMaker for model, config and endpoint', async () => {
    const { store, hosting, alarms, events, create, command } = setUp();

    const created = await create(command());

    expect(created).toMatchObject({
      name: 'churn-api',
      endpoint: 'mlops-churn-api',
      status: 'CREATING',
      createdBy: 'ana',
      pending: {
        revision: 1,
        endpointConfig: 'mlops-churn-api-1',
        model: 'mlops-churn-api-1',
        image: {
          name: 'churn-scorer',
          version: 1,
          imageUri: IMAGES[0].imageUri,
          modelDataUrl: IMAGES[0].modelDataUrl,
          models: [{ name: 'churn', version: 3 }],
        },
        rollout: { runBy: 'platform', bakeMinutes: 10 },
      },
    });
    expect(store.deployments.get('churn-api')).toEqual(created);
    expect(store.changes).toEqual([
      { name: 'churn-api', revision: 1, to: 'CREATING', reason: 'created', image: { name: 'churn-scorer', version: 1 }, at: expect.any(String), by: 'ana' },
    ]);
    expect(events.published).toEqual(store.changes);
    expect(alarms.put).toEqual(['churn-api']);
    expect(hosting.calls).toEqual(['createRevision mlops-churn-api-1 mlops-churn-api-1', 'createEndpoint mlops-churn-api mlops-churn-api-1']);
  });

  it("gives an instance deployment's rollouts to SageMaker, rolled back by the deployment's two alarms", async () => {
    const { create, command } = setUp();

    const created = await create(command({ compute: { kind: 'instances', instanceType: 'ml.m5.large' }, strategy: { kind: 'canary', percent: 10 } }));

    expect(created.pending?.rollout).toMatchObject({
      runBy: 'sagemaker',
      deploymentConfig: { AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'mlops-churn-api-5xx-rate' }, { AlarmName: 'mlops-churn-api-latency-p99' }] } },
    });
  });

  it("follows an alias: the newest READY version of the image serving the alias's model version", async () => {
    const { create, command } = setUp();

    const created = await create(command({ version: undefined, follow: { model: 'churn', alias: 'production' } }));

    expect(created).toMatchObject({
      follow: { model: 'churn', alias: 'production' },
      pending: { image: { version: 2, models: [{ name: 'churn', version: 4 }] } },
    });
  });

  it.each([
    ['an image version that does not exist', { version: 9 }, 'version', 'image churn-scorer has no version 9'],
    ['an image that does not exist', { image: 'nowhere' }, 'image', 'no image is named nowhere (mlops image list)'],
    ['an image version that is not READY', { version: 3 }, 'version', 'version 3 of image churn-scorer is BUILDING, not READY'],
    ['an image version without model data', { version: 4 }, 'version', 'version 4 of image churn-scorer has no model data'],
    ['an alias the model does not have', { version: undefined, follow: { model: 'churn', alias: 'canary' } }, 'follow', 'model churn has no alias canary'],
    [
      'an alias whose version no READY image serves',
      { version: undefined, follow: { model: 'churn', alias: 'shadow' } },
      'follow',
      'no READY version of image churn-scorer serves churn version 7 (shadow)',
    ],
  ])('refuses %s with ValidationError naming the field, and creates nothing', async (_, overrides, path, message) => {
    const { create, command, nothingWritten } = setUp();

    const refusal = create(command(overrides));

    await expect(refusal).rejects.toThrow(ValidationError);
    await expect(refusal).rejects.toThrow(`${path}: ${message}`);
    nothingWritten();
  });

  it('refuses a name in use with ValidationError at name, and changes nothing', async () => {
    const { store, hosting, create, command } = setUp();
    await create(command());
    const before = { deployments: [...store.deployments.values()], history: [...store.changes], calls: [...hosting.calls] };

    await expect(create(command({ version: 2 }))).rejects.toThrow(/^name: is in use by a deployment that is CREATING$/);
    expect({ deployments: [...store.deployments.values()], history: store.changes, calls: hosting.calls }).toEqual(before);
  });

  it('returns the deployment a create with the same client token made, as it is now, creating nothing again (also from another actor)', async () => {
    const { store, hosting, events, create, command } = setUp();
    const first = await create(command({ clientToken: 'create-1' }));
    const before = { history: [...store.changes], calls: [...hosting.calls], published: [...events.published] };

    const retried = await create(command({ clientToken: 'create-1', actor: 'ana@other-laptop' }));

    expect(retried).toEqual(first);
    expect(first.createdWith).toEqual({ clientToken: 'create-1', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect({ history: store.changes, calls: hosting.calls, published: events.published }).toEqual(before);
  });

  it('fails with ConflictError when a client token is used again for a different create, and changes nothing', async () => {
    const { store, hosting, create, command } = setUp();
    await create(command({ clientToken: 'create-1' }));
    const before = { deployments: [...store.deployments.values()], calls: [...hosting.calls] };

    const refusal = create(command({ clientToken: 'create-1', version: 2 }));

    await expect(refusal).rejects.toThrow('client token create-1 was used for a different create of deployment churn-api');
    await expect(refusal).rejects.toMatchObject({ errorType: 'ConflictError' });
    expect({ deployments: [...store.deployments.values()], calls: hosting.calls }).toEqual(before);
  });

  it('refuses a name in use by a create with another client token', async () => {
    const { create, command } = setUp();
    await create(command({ clientToken: 'create-1' }));

    await expect(create(command({ clientToken: 'create-2' }))).rejects.toThrow(/^name: is in use by a deployment that is CREATING$/);
  });

  it("takes a deleted deployment's name again with the revisions after its own, so no SageMaker name is reused", async () => {
    const { store, hosting, create, command } = setUp();
    const deleted = await create(command());
    store.deployments.set('churn-api', { ...deleted, status: 'DELETED', lastRevision: 3, pending: undefined });
    hosting.calls.length = 0;

    const created = await create(command({ version: 2 }));

    expect(created).toMatchObject({
      status: 'CREATING',
      lastRevision: 4,
      pending: { revision: 4, endpointConfig: 'mlops-churn-api-4', model: 'mlops-churn-api-4' },
    });
    expect(hosting.calls).toEqual(['createRevision mlops-churn-api-4 mlops-churn-api-4', 'createEndpoint mlops-churn-api mlops-churn-api-4']);
  });

  it('refuses a rollout longer than SageMaker allows before anything is created', async () => {
    const { create, command, nothingWritten } = setUp();

    await expect(
      create(command({ compute: { kind: 'instances', instanceType: 'ml.m5.large' }, strategy: { kind: 'linear', stepPercent: 10, intervalMinutes: 60 } })),
    ).rejects.toThrow(/^strategy: /);
    nothingWritten();
  });

  it("records the deployment FAILED with SageMaker's reason when SageMaker refuses it, and deletes the model and config it made", async () => {
    const error = Object.assign(new Error('The account-level service limit for ml.m5.large is 0 Instances'), { name: 'ResourceLimitExceeded' });
    const { store, hosting, events, create, command } = setUp({ hosting: new RecordingHosting({ call: 'createEndpoint', error }) });

    const created = await create(command());

    expect(created).toMatchObject({ status: 'FAILED', reason: 'ResourceLimitExceeded: The account-level service limit for ml.m5.large is 0 Instances' });
    expect(store.deployments.get('churn-api')?.status).toBe('FAILED');
    expect(hosting.calls).toEqual([
      'createRevision mlops-churn-api-1 mlops-churn-api-1',
      'createEndpoint mlops-churn-api mlops-churn-api-1',
      'deleteRevision mlops-churn-api-1 mlops-churn-api-1',
    ]);
    expect(events.published.map(({ from, to }) => [from, to])).toEqual([
      [undefined, 'CREATING'],
      ['CREATING', 'FAILED'],
    ]);
    expect(events.published[1].reason).toBe(
      'SageMaker refused the deployment: ResourceLimitExceeded: The account-level service limit for ml.m5.large is 0 Instances',
    );
  });
});
