import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeploymentStore } from '../../../../lambda/deployments/adapters/dynamo-deployment-store';
import type { DeploymentRecord, DeploymentStateChange } from '../../../../lambda/deployments/core/model';
import { FUNCTION_ENVIRONMENT, type PlatformFakes, resetSdkMocks } from '../../handler-support/sdk-mocks';

const AT = '2026-12-07T10:00:00.000Z';
const record = (overrides: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  name: 'churn-api',
  endpoint: 'mlops-churn-api',
  compute: { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 },
  strategy: { kind: 'all-at-once', bakeMinutes: 10 },
  alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
  status: 'CREATING',
  lastRevision: 1,
  createdAt: AT,
  updatedAt: AT,
  ...overrides,
});
const change = (to: DeploymentStateChange['to'], at = AT): DeploymentStateChange => ({
  name: 'churn-api',
  revision: 1,
  to,
  reason: to.toLowerCase(),
  image: { name: 'churn-scorer', version: 1 },
  at,
});

let fakes: PlatformFakes;
let store: DynamoDeploymentStore;

beforeEach(() => {
  fakes = resetSdkMocks();
  store = new DynamoDeploymentStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    FUNCTION_ENVIRONMENT.DEPLOYMENTS_TABLE_NAME,
  );
});

describe('DynamoDeploymentStore', () => {
  it('writes a deployment and its first history entry together, listed in the index, and reads it back without keys', async () => {
    expect(await store.createDeployment(record(), change('CREATING'))).toEqual({ kind: 'created' });

    expect(await store.getDeployment('churn-api')).toEqual(record());
    expect(fakes.deployments.all()).toEqual([
      expect.objectContaining({ pk: 'D#churn-api', sk: '#DEPLOYMENT', gsi1pk: 'DEPLOYMENTS', gsi1sk: 'churn-api', status: 'CREATING' }),
      expect.objectContaining({ pk: 'D#churn-api', sk: `H#${AT}#0000000001#CREATING`, to: 'CREATING', reason: 'creating' }),
    ]);
  });

  it('answers name-taken with the deployment there, writing nothing; a DELETED one gives its name up', async () => {
    await store.createDeployment(record(), change('CREATING'));

    const taken = await store.createDeployment(record({ createdAt: '2026-12-08T00:00:00.000Z' }), change('CREATING', '2026-12-08T00:00:00.000Z'));
    await store.updateDeployment(record({ status: 'DELETED', updatedAt: '2026-12-09T00:00:00.000Z' }), record(), change('DELETED', '2026-12-09T00:00:00.000Z'));
    const again = await store.createDeployment(
      record({ createdAt: '2026-12-10T00:00:00.000Z', updatedAt: '2026-12-10T00:00:00.000Z' }),
      change('CREATING', '2026-12-10T00:00:00.000Z'),
    );

    expect(taken).toEqual({ kind: 'name-taken', existing: record() });
    expect(again).toEqual({ kind: 'created' });
    expect(fakes.deployments.all().filter(({ sk }) => String(sk).startsWith('H#'))).toHaveLength(3);
  });

  it('replaces a deployment only as the caller read it, with the history entry; a stale one changes nothing', async () => {
    await store.createDeployment(record(), change('CREATING'));
    const inService = record({ status: 'IN_SERVICE', updatedAt: '2026-12-07T10:05:00.000Z' });

    expect(await store.updateDeployment(inService, record(), change('IN_SERVICE', '2026-12-07T10:05:00.000Z'))).toBe(true);
    const before = fakes.deployments.all();
    expect(await store.updateDeployment(record({ status: 'FAILED' }), record(), change('FAILED', '2026-12-07T10:06:00.000Z'))).toBe(false);

    expect(await store.getDeployment('churn-api')).toEqual(inService);
    expect(fakes.deployments.all()).toEqual(before);
  });

  it("lists the deployments by name, and a deployment's history newest first, in pages", async () => {
    await store.createDeployment(record(), change('CREATING'));
    await store.createDeployment(record({ name: 'a-api', endpoint: 'mlops-a-api' }), { ...change('CREATING'), name: 'a-api' });
    await store.updateDeployment(
      record({ status: 'IN_SERVICE', updatedAt: '2026-12-07T10:05:00.000Z' }),
      record(),
      change('IN_SERVICE', '2026-12-07T10:05:00.000Z'),
    );

    const first = await store.history('churn-api', { limit: 1 });
    const second = await store.history('churn-api', { limit: 1, nextToken: first.nextToken });

    expect((await store.listDeployments({ limit: 10 })).items.map(({ name }) => name)).toEqual(['a-api', 'churn-api']);
    expect(first.items).toEqual([change('IN_SERVICE', '2026-12-07T10:05:00.000Z')]);
    expect(second.items).toEqual([change('CREATING')]);
  });
});
