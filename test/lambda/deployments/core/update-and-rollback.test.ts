import { advanceDeployment } from '../../../../lambda/deployments/core/advance-deployment';
import { createDeployment } from '../../../../lambda/deployments/core/create-deployment';
import { deleteDeployment } from '../../../../lambda/deployments/core/delete-deployment';
import type { DeploymentRecord } from '../../../../lambda/deployments/core/model';
import { rollbackDeployment } from '../../../../lambda/deployments/core/rollback-deployment';
import {
  CreateDeploymentRequest,
  DeleteDeploymentRequest,
  RollbackDeploymentRequest,
  UpdateDeploymentRequest,
} from '../../../../lambda/deployments/core/schemas';
import { updateDeployment } from '../../../../lambda/deployments/core/update-deployment';
import { ConflictError, NotFoundError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { fakeDeploymentDependencies, RecordingHosting, readyImage } from '../fakes';

const IMAGES = [readyImage('churn-scorer', 1, 3), readyImage('churn-scorer', 2, 4), readyImage('churn-scorer', 3, 5)];

async function setUp(options: { create?: Record<string, unknown>; hosting?: RecordingHosting } = {}) {
  const deps = fakeDeploymentDependencies({ images: IMAGES, aliases: { 'churn@production': 3 }, hosting: options.hosting });
  const { store, hosting, events } = deps;
  await createDeployment(deps)(parseRequest(CreateDeploymentRequest, { name: 'churn-api', image: 'churn-scorer', version: 1, ...options.create }));
  /** SageMaker reports `endpointConfig` in service: the deployment takes the step that follows. */
  const serve = async (endpointConfig: string, firingAlarms: string[] = []) => {
    const record = (await store.getDeployment('churn-api'))!;
    const step = advanceDeployment(record, { status: 'InService', endpointConfig, firingAlarms }, deps.clock.now());
    if (step.change) await store.updateDeployment(step.record, record, step.change);
    return step;
  };
  await serve('mlops-churn-api-1');
  hosting.calls.length = 0;
  events.published.length = 0;
  const update = (request: Record<string, unknown>) => updateDeployment(deps)(parseRequest(UpdateDeploymentRequest, { name: 'churn-api', ...request }));
  const rollback = () => rollbackDeployment(deps)(parseRequest(RollbackDeploymentRequest, { name: 'churn-api', actor: 'ana' }));
  const deployment = async () => (await store.getDeployment('churn-api')) as DeploymentRecord;
  return { deps, store, hosting, events, update, rollback, deployment, serve, clock: deps.clock };
}

describe('updateDeployment', () => {
  it('rolls the version out as the next revision: UPDATING, announced, a new model and config, the endpoint moved to them', async () => {
    const { hosting, events, update, deployment } = await setUp();

    const updating = await update({ version: 2, actor: 'ana' });

    expect(updating).toMatchObject({ status: 'UPDATING', lastRevision: 2, current: { revision: 1 }, pending: { revision: 2, image: { version: 2 } } });
    expect(await deployment()).toEqual(updating);
    expect(hosting.calls).toEqual(['createRevision mlops-churn-api-2 mlops-churn-api-2', 'updateEndpoint mlops-churn-api mlops-churn-api-2 platform']);
    expect(events.published).toEqual([
      expect.objectContaining({ revision: 2, from: 'IN_SERVICE', to: 'UPDATING', reason: 'rolling out version 2', by: 'ana' }),
    ]);
  });

  it("rolls out, on a deployment that follows an alias, the image serving the alias's version, and nothing when it serves it already", async () => {
    const { hosting, update } = await setUp({ create: { version: undefined, follow: { model: 'churn', alias: 'production' } } });
    expect(hosting.calls).toEqual([]);

    // churn@production is churn version 3, which image version 1 serves: the deployment serves it already.
    const again = await update({});

    expect(again.status).toBe('IN_SERVICE');
    expect(hosting.calls).toEqual([]);
  });

  it('refuses an update while a rollout is under way (ConflictError), and one of an unknown deployment (NotFoundError)', async () => {
    const { update } = await setUp();
    await update({ version: 2 });

    await expect(update({ version: 3 })).rejects.toThrow(ConflictError);
    await expect(update({ version: 3 })).rejects.toThrow('deployment churn-api is UPDATING: wait until it is IN_SERVICE, or roll it back');
    await expect(update({ name: 'nowhere', version: 2 })).rejects.toThrow(NotFoundError);
  });

  it('requires a version on a deployment that follows no alias, at version', async () => {
    const { update } = await setUp();

    await expect(update({})).rejects.toThrow('version: is required: the deployment follows no alias');
  });

  it("is back IN_SERVICE on what it served, with SageMaker's reason, when SageMaker refuses the update", async () => {
    const error = Object.assign(new Error('Cannot update in-progress endpoint'), { name: 'ValidationException' });
    const { hosting, update, deployment } = await setUp({ hosting: new RecordingHosting({ call: 'updateEndpoint', error }) });

    const back = await update({ version: 2 });

    expect(back).toMatchObject({
      status: 'IN_SERVICE',
      current: { revision: 1 },
      lastRevision: 2,
      reason: 'ValidationException: Cannot update in-progress endpoint',
    });
    expect(back.pending).toBeUndefined();
    expect(await deployment()).toEqual(back);
    expect(hosting.calls.at(-1)).toBe('deleteRevision mlops-churn-api-2 mlops-churn-api-2');
  });
});

describe('rollbackDeployment', () => {
  it("in service, rolls the previous revision's image out again, all at once, in one call", async () => {
    const { hosting, update, rollback, serve, clock } = await setUp();
    await update({ version: 2 });
    await serve('mlops-churn-api-2');
    clock.advance(10 * 60_000);
    await serve('mlops-churn-api-2');
    hosting.calls.length = 0;

    const rolling = await rollback();

    expect(rolling).toMatchObject({ status: 'UPDATING', pending: { revision: 3, image: { version: 1 }, rollout: { runBy: 'platform', bakeMinutes: 0 } } });
    expect(hosting.calls).toEqual(['createRevision mlops-churn-api-3 mlops-churn-api-3', 'updateEndpoint mlops-churn-api mlops-churn-api-3 platform']);
  });

  it('during a serverless rollout, sends the endpoint back to the revision still current', async () => {
    const { hosting, events, update, rollback, serve } = await setUp();
    await update({ version: 2 });
    // SageMaker serves the new revision: the platform's bake starts.
    await serve('mlops-churn-api-2');
    hosting.calls.length = 0;
    events.published.length = 0;

    const rolling = await rollback();

    expect(rolling).toMatchObject({ status: 'ROLLING_BACK', reason: 'rollback requested by ana', pending: { revision: 2 } });
    expect(hosting.calls).toEqual(['updateEndpoint mlops-churn-api mlops-churn-api-1 platform']);
    expect(events.published).toEqual([expect.objectContaining({ from: 'UPDATING', to: 'ROLLING_BACK', by: 'ana' })]);
  });

  it('refuses while SageMaker is still swapping a serverless endpoint (it takes no other update until then), changing nothing', async () => {
    const { store, hosting, events, update, rollback } = await setUp();
    await update({ version: 2 });
    const before = { deployment: await store.getDeployment('churn-api'), calls: [...hosting.calls], published: [...events.published] };

    const refusal = rollback();

    await expect(refusal).rejects.toThrow(ConflictError);
    await expect(refusal).rejects.toThrow(
      'SageMaker is still moving churn-api to version 2 and takes no other update until it serves (within minutes): roll back then',
    );
    expect({ deployment: await store.getDeployment('churn-api'), calls: hosting.calls, published: events.published }).toEqual(before);
  });

  it("refuses during SageMaker's own rollout (instances), telling to wait", async () => {
    const { update, rollback } = await setUp({ create: { compute: { kind: 'instances', instanceType: 'ml.m5.large' }, strategy: { kind: 'canary' } } });
    await update({ version: 2 });

    await expect(rollback()).rejects.toThrow(ConflictError);
    await expect(rollback()).rejects.toThrow(/takes no other update until it ends/);
  });

  it('refuses when there is nothing to roll back to', async () => {
    const { rollback } = await setUp();

    await expect(rollback()).rejects.toThrow('deployment churn-api has served only version 1 of churn-scorer: there is nothing to roll back to');
  });
});

describe('deleteDeployment', () => {
  it('records DELETING, announces it, deletes the endpoint and the alarms; the endpoint gone, the deployment is DELETED and its revisions go', async () => {
    const { deps, store, hosting, events, deployment } = await setUp();
    const remove = () => deleteDeployment(deps)(parseRequest(DeleteDeploymentRequest, { name: 'churn-api', actor: 'ana' }));

    const deleting = await remove();
    const again = await remove();
    const step = advanceDeployment(await deployment(), { status: 'NotFound', firingAlarms: [] }, deps.clock.now());

    expect(deleting.status).toBe('DELETING');
    expect(again).toEqual(deleting);
    expect(hosting.calls).toEqual(['deleteEndpoint mlops-churn-api']);
    expect(deps.alarms.deleted).toEqual(['churn-api']);
    expect(events.published).toEqual([expect.objectContaining({ from: 'IN_SERVICE', to: 'DELETING', reason: 'deletion requested by ana', by: 'ana' })]);
    expect(step.record.status).toBe('DELETED');
    expect(step.actions).toEqual([{ kind: 'retire', revisions: [expect.objectContaining({ revision: 1 })] }]);
    expect(store.changes.at(-1)?.to).toBe('DELETING');
  });
});
