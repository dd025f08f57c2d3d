import type { EndpointObservation } from '../../../../lambda/deployments/core/advance-deployment';
import { advanceDeployments } from '../../../../lambda/deployments/core/advance-deployments';
import { createDeployment } from '../../../../lambda/deployments/core/create-deployment';
import type { DeploymentRecord } from '../../../../lambda/deployments/core/model';
import type { EndpointWatcher } from '../../../../lambda/deployments/core/ports';
import { CreateDeploymentRequest } from '../../../../lambda/deployments/core/schemas';
import { parseRequest } from '../../../../lambda/shared/validation';
import { fakeDeploymentDependencies, readyImage } from '../fakes';

/** SageMaker's view, set per endpoint by the test; an endpoint the test set nothing for fails to be described. */
class ScriptedWatcher implements EndpointWatcher {
  readonly views = new Map<string, EndpointObservation>();
  async observe(deployment: DeploymentRecord) {
    const view = this.views.get(deployment.endpoint);
    if (!view) throw new Error(`DescribeEndpoint of ${deployment.endpoint} failed`);
    return view;
  }
}

async function setUp() {
  const watcher = new ScriptedWatcher();
  const deps = fakeDeploymentDependencies({ images: [readyImage('churn-scorer', 1)] });
  for (const name of ['a', 'b', 'c']) {
    await createDeployment(deps)(parseRequest(CreateDeploymentRequest, { name, image: 'churn-scorer', version: 1 }));
  }
  deps.events.published.length = 0;
  return { deps, watcher, advance: advanceDeployments({ ...deps, watcher }), store: deps.store };
}

describe('advanceDeployments', () => {
  it('steps every deployment in transit, records and announces what changed, and goes on past one that fails', async () => {
    const { deps, watcher, advance, store } = await setUp();
    watcher.views.set('mlops-a', { status: 'InService', endpointConfig: 'mlops-a-1', firingAlarms: [] });
    watcher.views.set('mlops-b', { status: 'Creating', firingAlarms: [] });

    const summary = await advance();

    expect(summary).toEqual({ watched: 3, changed: 1, failed: [{ name: 'c', error: 'DescribeEndpoint of mlops-c failed' }] });
    expect((await store.getDeployment('a'))?.status).toBe('IN_SERVICE');
    expect((await store.getDeployment('b'))?.status).toBe('CREATING');
    expect(deps.events.published).toEqual([expect.objectContaining({ name: 'a', from: 'CREATING', to: 'IN_SERVICE' })]);
  });

  it('looks at no deployment at rest', async () => {
    const { watcher, advance } = await setUp();
    for (const name of ['a', 'b', 'c']) watcher.views.set(`mlops-${name}`, { status: 'InService', endpointConfig: `mlops-${name}-1`, firingAlarms: [] });
    await advance();

    expect(await advance()).toEqual({ watched: 0, changed: 0, failed: [] });
  });

  it('runs the actions of a step without a change: a rollback SageMaker never took is sent again, nothing recorded or announced', async () => {
    const { deps, watcher, advance, store } = await setUp();
    const record = (await store.getDeployment('a'))!;
    const current = { ...record.pending!, endpointConfig: 'mlops-a-1' };
    const pending = { ...record.pending!, revision: 2, endpointConfig: 'mlops-a-2', model: 'mlops-a-2' };
    const rollingBack = { ...record, status: 'ROLLING_BACK' as const, current, pending, updatedAt: 'later' };
    await store.updateDeployment(rollingBack, record, {
      name: 'a',
      revision: 2,
      to: 'ROLLING_BACK',
      reason: 'test',
      image: { name: 'churn-scorer', version: 1 },
      at: 'later',
    });
    watcher.views.set('mlops-a', { status: 'InService', endpointConfig: 'mlops-a-2', firingAlarms: [] });
    watcher.views.set('mlops-b', { status: 'Creating', firingAlarms: [] });
    watcher.views.set('mlops-c', { status: 'Creating', firingAlarms: [] });
    deps.hosting.calls.length = 0;
    const changes = store.changes.length;

    const summary = await advance();

    expect(summary).toEqual({ watched: 3, changed: 0, failed: [] });
    expect(deps.hosting.calls).toEqual(['updateEndpoint mlops-a mlops-a-1 platform']);
    expect(store.changes).toHaveLength(changes);
    expect(deps.events.published).toEqual([]);
  });

  it("runs a step's actions: a deleted deployment's revisions lose their SageMaker model and config", async () => {
    const { deps, watcher, advance, store } = await setUp();
    const record = (await store.getDeployment('a'))!;
    await store.updateDeployment({ ...record, status: 'DELETING', updatedAt: 'later' }, record, {
      name: 'a',
      revision: 1,
      to: 'DELETING',
      reason: 'test',
      image: { name: 'churn-scorer', version: 1 },
      at: 'later',
    });
    watcher.views.set('mlops-a', { status: 'NotFound', firingAlarms: [] });
    deps.hosting.calls.length = 0;

    await advance();

    expect((await store.getDeployment('a'))?.status).toBe('DELETED');
    expect(deps.hosting.calls).toEqual(['deleteRevision mlops-a-1 mlops-a-1']);
  });
});
