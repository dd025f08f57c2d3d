import { advanceDeployment, type EndpointObservation } from '../../../../lambda/deployments/core/advance-deployment';
import type { DeploymentRecord, DeploymentRevision } from '../../../../lambda/deployments/core/model';
import { rolloutPlan } from '../../../../lambda/deployments/core/rollout-plan';

const T0 = new Date('2026-12-07T10:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const serverless = { kind: 'serverless' as const, memoryMb: 2048, maxConcurrency: 5 };
const instances = { kind: 'instances' as const, instanceType: 'ml.m5.large', count: 2 };

function revision(n: number, runBy: 'platform' | 'sagemaker' = 'platform', extra: Partial<DeploymentRevision> = {}): DeploymentRevision {
  return {
    revision: n,
    image: { name: 'churn-scorer', version: n, imageUri: `repo@sha256:${n}`, modelDataUrl: `s3://a/images/churn-scorer/${n}/model.tar.gz`, models: [] },
    endpointConfig: `mlops-churn-api-${n}`,
    model: `mlops-churn-api-${n}`,
    rollout:
      runBy === 'platform'
        ? rolloutPlan(serverless, { kind: 'all-at-once', bakeMinutes: 10 }, [])
        : rolloutPlan(instances, { kind: 'canary', percent: 10, bakeMinutes: 10 }, []),
    startedAt: T0.toISOString(),
    ...extra,
  };
}

function deployment(overrides: Partial<DeploymentRecord>): DeploymentRecord {
  return {
    name: 'churn-api',
    endpoint: 'mlops-churn-api',
    compute: serverless,
    strategy: { kind: 'all-at-once', bakeMinutes: 10 },
    alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
    status: 'IN_SERVICE',
    lastRevision: 2,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

const seen = (status: EndpointObservation['status'], endpointConfig?: string, extra: Partial<EndpointObservation> = {}): EndpointObservation => ({
  status,
  endpointConfig,
  firingAlarms: [],
  ...extra,
});

describe('advanceDeployment', () => {
  describe('a deployment being created', () => {
    const creating = deployment({ status: 'CREATING', pending: revision(1) });

    it('waits while SageMaker creates the endpoint', () => {
      expect(advanceDeployment(creating, seen('Creating'), minutes(1))).toEqual({ record: creating, actions: [] });
    });

    it('is IN_SERVICE with its first revision serving once SageMaker says so', () => {
      const step = advanceDeployment(creating, seen('InService', 'mlops-churn-api-1'), minutes(5));

      expect(step.record).toMatchObject({ status: 'IN_SERVICE', current: revision(1), updatedAt: minutes(5).toISOString() });
      expect(step.record.pending).toBeUndefined();
      expect(step.change).toMatchObject({ revision: 1, from: 'CREATING', to: 'IN_SERVICE', reason: 'in service' });
    });

    it("is FAILED with SageMaker's reason when the endpoint fails", () => {
      const step = advanceDeployment(
        creating,
        seen('Failed', undefined, { failureReason: 'The primary container for production variant main did not pass the ping health check' }),
        minutes(9),
      );

      expect(step.record).toMatchObject({ status: 'FAILED', reason: 'The primary container for production variant main did not pass the ping health check' });
      expect(step.change?.reason).toMatch(/^SageMaker could not create the endpoint: The primary container/);
    });
  });

  describe('a serverless update the platform bakes', () => {
    const updating = deployment({ status: 'UPDATING', current: revision(1), pending: revision(2) });

    it('waits while SageMaker swaps the endpoint, then starts the bake once the new revision serves', () => {
      expect(advanceDeployment(updating, seen('Updating', 'mlops-churn-api-1'), minutes(1)).change).toBeUndefined();

      const step = advanceDeployment(updating, seen('InService', 'mlops-churn-api-2'), minutes(4));

      expect(step.record).toMatchObject({ status: 'UPDATING', pending: { revision: 2, bakeUntil: minutes(14).toISOString() } });
      expect(step.change).toMatchObject({ from: 'UPDATING', to: 'UPDATING', reason: `serving; watching its alarms until ${minutes(14).toISOString()}` });
      expect(step.actions).toEqual([]);
    });

    it('rolls back to the revision before when an alarm fires during the bake', () => {
      const baking = deployment({ ...updating, pending: revision(2, 'platform', { bakeUntil: minutes(14).toISOString() }) });

      const step = advanceDeployment(baking, seen('InService', 'mlops-churn-api-2', { firingAlarms: ['mlops-churn-api-5xx-rate'] }), minutes(6));

      expect(step.record).toMatchObject({ status: 'ROLLING_BACK', reason: 'alarm mlops-churn-api-5xx-rate fired while the new revision baked' });
      expect(step.actions).toEqual([{ kind: 'rollback', to: revision(1) }]);
    });

    it('completes after a bake without an alarm: the new revision serves, the old one is kept to roll back to, the one before goes', () => {
      const baking = deployment({ ...updating, previous: revision(0), pending: revision(2, 'platform', { bakeUntil: minutes(14).toISOString() }) });

      expect(advanceDeployment(baking, seen('InService', 'mlops-churn-api-2'), minutes(13)).change).toBeUndefined();
      const step = advanceDeployment(baking, seen('InService', 'mlops-churn-api-2'), minutes(14));

      expect(step.record).toMatchObject({ status: 'IN_SERVICE', current: { revision: 2 }, previous: revision(1) });
      expect(step.record.current?.bakeUntil).toBeUndefined();
      expect(step.record.pending).toBeUndefined();
      expect(step.change?.reason).toBe('baked without an alarm; rolled out');
      expect(step.actions).toEqual([{ kind: 'retire', revisions: [revision(0)] }]);
    });

    it('sends a rollback SageMaker never took again (the endpoint at rest on the new revision), recording nothing new', () => {
      const rollingBack = deployment({ status: 'ROLLING_BACK', current: revision(1), pending: revision(2), reason: 'alarm x fired' });

      const step = advanceDeployment(rollingBack, seen('InService', 'mlops-churn-api-2'), minutes(9));

      expect(step.change).toBeUndefined();
      expect(step.record).toBe(rollingBack);
      expect(step.actions).toEqual([{ kind: 'rollback', to: revision(1) }]);
    });

    it('is back IN_SERVICE on the old revision once the rollback is done, the failed one deleted and its version remembered', () => {
      const rollingBack = deployment({
        status: 'ROLLING_BACK',
        current: revision(1),
        pending: revision(2),
        reason: 'alarm x fired',
        rolledBackVersions: [2, 5],
      });

      expect(advanceDeployment(rollingBack, seen('Updating', 'mlops-churn-api-2'), minutes(7)).change).toBeUndefined();
      const step = advanceDeployment(rollingBack, seen('InService', 'mlops-churn-api-1'), minutes(9));

      expect(step.record).toMatchObject({ status: 'IN_SERVICE', current: revision(1), reason: 'alarm x fired', rolledBackVersions: [5, 2] });
      expect(step.record.pending).toBeUndefined();
      expect(step.actions).toEqual([{ kind: 'retire', revisions: [revision(2)] }]);
    });
  });

  describe("an update SageMaker's guardrails run (instances)", () => {
    const updating = deployment({ compute: instances, status: 'UPDATING', current: revision(1, 'sagemaker'), pending: revision(2, 'sagemaker') });

    it('completes when the new config serves', () => {
      const step = advanceDeployment(updating, seen('InService', 'mlops-churn-api-2'), minutes(30));

      expect(step.record).toMatchObject({ status: 'IN_SERVICE', current: { revision: 2 }, previous: { revision: 1 } });
      expect(step.change?.reason).toBe('rolled out');
    });

    it('follows a rollback SageMaker makes: ROLLING_BACK, then IN_SERVICE on the old config with the reason', () => {
      const rolling = advanceDeployment(
        updating,
        seen('RollingBack', 'mlops-churn-api-2', { failureReason: 'Alarm mlops-churn-api-5xx-rate fired' }),
        minutes(12),
      );
      expect(rolling.record.status).toBe('ROLLING_BACK');

      const back = advanceDeployment(updating, seen('InService', 'mlops-churn-api-1', { failureReason: 'Alarm mlops-churn-api-5xx-rate fired' }), minutes(14));

      expect(back.record).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 }, reason: 'Alarm mlops-churn-api-5xx-rate fired' });
      expect(back.change?.reason).toBe('rolled back by SageMaker: Alarm mlops-churn-api-5xx-rate fired');
      expect(back.record.rolledBackVersions).toEqual([2]);
      expect(back.actions).toEqual([{ kind: 'retire', revisions: [revision(2, 'sagemaker')] }]);
    });

    it('waits for an update recorded but not sent yet (the endpoint on its old config, unchanged since), and gives it up after 15 minutes', () => {
      const notSent = seen('InService', 'mlops-churn-api-1', { lastModified: minutes(-30).toISOString() });

      expect(advanceDeployment(updating, notSent, minutes(0.5))).toEqual({ record: updating, actions: [] });
      const given = advanceDeployment(updating, notSent, minutes(16));
      expect(given.record).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 } });
      expect(given.record.pending).toBeUndefined();
      expect(given.change?.reason).toBe('the update never reached SageMaker: the function sending it stopped first');
      // Nothing says the version is broken: following the alias may roll it out again.
      expect(given.record.rolledBackVersions).toBeUndefined();
      expect(given.actions).toEqual([{ kind: 'retire', revisions: [revision(2, 'sagemaker')] }]);
    });

    it('takes the old config serving, changed by SageMaker since the update started, as its rollback', () => {
      const back = advanceDeployment(updating, seen('InService', 'mlops-churn-api-1', { lastModified: minutes(9).toISOString() }), minutes(10));

      expect(back.record).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 } });
      expect(back.change?.reason).toBe('rolled back by SageMaker: alarm unknown fired');
    });

    it('keeps the reason of a rollback seen in progress, and says it when the old config serves again', () => {
      const rolling = advanceDeployment(
        updating,
        seen('RollingBack', 'mlops-churn-api-2', { failureReason: 'Alarm mlops-churn-api-5xx-rate fired' }),
        minutes(12),
      );
      expect(rolling.record).toMatchObject({ status: 'ROLLING_BACK', reason: 'Alarm mlops-churn-api-5xx-rate fired' });

      const back = advanceDeployment(rolling.record, seen('InService', 'mlops-churn-api-1'), minutes(14));

      expect(back.record).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 }, reason: 'Alarm mlops-churn-api-5xx-rate fired' });
      expect(back.record.pending).toBeUndefined();
      expect(back.change?.reason).toBe('rolled back: Alarm mlops-churn-api-5xx-rate fired');
    });
  });

  it('is DELETED once the endpoint is gone, every revision deleted', () => {
    const deleting = deployment({ status: 'DELETING', current: revision(2), previous: revision(1) });

    expect(advanceDeployment(deleting, seen('Deleting'), minutes(1)).change).toBeUndefined();
    const step = advanceDeployment(deleting, seen('NotFound'), minutes(2));

    expect(step.record).toMatchObject({ status: 'DELETED' });
    expect(step.actions).toEqual([{ kind: 'retire', revisions: [revision(2), revision(1)] }]);
  });

  it.each(['IN_SERVICE', 'FAILED', 'DELETED'] as const)('leaves a deployment %s as it is', (status) => {
    const atRest = deployment({ status, current: revision(1) });

    expect(advanceDeployment(atRest, seen('InService', 'mlops-churn-api-1', { firingAlarms: ['x'] }), minutes(1))).toEqual({ record: atRest, actions: [] });
  });
});
