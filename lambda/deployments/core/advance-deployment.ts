import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange, DeploymentStatus } from './model';
import { stateChange } from './state-change';

/** What SageMaker says of a deployment's endpoint (DescribeEndpoint), and which of its rollback alarms fire. */
export interface EndpointObservation {
  /** SageMaker's EndpointStatus, or `NotFound` once the endpoint is gone. */
  readonly status:
    | 'Creating'
    | 'Updating'
    | 'SystemUpdating'
    | 'RollingBack'
    | 'InService'
    | 'Deleting'
    | 'Failed'
    | 'UpdateRollbackFailed'
    | 'OutOfService'
    | 'NotFound';
  /** The endpoint config serving now. */
  readonly endpointConfig?: string;
  readonly failureReason?: string;
  /** When SageMaker last changed the endpoint (ISO 8601): an update it took, or a rollback it made, moves it. */
  readonly lastModified?: string;
  /** The deployment's rollback alarms in ALARM. */
  readonly firingAlarms: readonly string[];
}

/** What the platform must do after a step: roll back to a revision, or delete revisions no longer needed. */
export type DeploymentAction =
  | { readonly kind: 'rollback'; readonly to: DeploymentRevision }
  | { readonly kind: 'retire'; readonly revisions: readonly DeploymentRevision[] };

export interface DeploymentStep {
  readonly record: DeploymentRecord;
  /** Set when the step changes the deployment (its state, or a bake starting). */
  readonly change?: DeploymentStateChange;
  readonly actions: readonly DeploymentAction[];
}

const unchanged = (record: DeploymentRecord): DeploymentStep => ({ record, actions: [] });

/** How many rolled-back versions a deployment remembers. */
const ROLLED_BACK_KEPT = 20;

/** The deployment's rolled-back versions with `revision`'s image version added, newest last. */
const rolledBack = (record: DeploymentRecord, revision: DeploymentRevision) => ({
  rolledBackVersions: [...(record.rolledBackVersions ?? []).filter((version) => version !== revision.image.version), revision.image.version].slice(
    -ROLLED_BACK_KEPT,
  ),
});

/** No function sends a change to SageMaker for longer than a Lambda function runs (15 minutes at most). */
const SEND_LIMIT_MS = 15 * 60_000;

/**
 * Whether SageMaker has the revision's update: a rollout is recorded before it is sent, so an endpoint on its old
 * config that SageMaker has not changed since then has not been rolled back; the update is still on its way.
 */
const sageMakerTook = (observed: EndpointObservation, revision: DeploymentRevision) =>
  observed.lastModified === undefined || Date.parse(observed.lastModified) >= Date.parse(revision.startedAt);

/**
 * One step of a deployment in transit, decided from SageMaker's view of its endpoint and the alarms, at `now`:
 * a creation or rollout that completed or failed, a rollback SageMaker made, and for rollouts the platform runs
 * (serverless), the bake: the alarms watched for the strategy's minutes once the new revision serves, a firing one
 * rolling back to the revision before. A deployment at rest, or still in SageMaker's hands, is left as it is.
 */
export function advanceDeployment(record: DeploymentRecord, observed: EndpointObservation, now: Date): DeploymentStep {
  const at = now.toISOString();
  const move = (to: DeploymentStatus, changes: Partial<DeploymentRecord>, revision: DeploymentRevision, reason: string, actions: DeploymentAction[] = []) => {
    const next: DeploymentRecord = { ...record, ...changes, status: to, updatedAt: at };
    return { record: next, change: stateChange(next, revision, record.status, reason, at), actions };
  };
  const { pending, current } = record;
  const serving = (revision: DeploymentRevision | undefined) => revision !== undefined && observed.endpointConfig === revision.endpointConfig;
  const failed = observed.status === 'Failed' || observed.status === 'UpdateRollbackFailed';
  const failedTo = (what: string, revision: DeploymentRevision) =>
    move('FAILED', { reason: observed.failureReason }, revision, `SageMaker could not ${what}: ${observed.failureReason ?? 'no reason given'}`);

  switch (record.status) {
    case 'CREATING':
      if (!pending) return unchanged(record);
      if (failed) return failedTo('create the endpoint', pending);
      if (observed.status === 'InService' && serving(pending)) return move('IN_SERVICE', { current: pending, pending: undefined }, pending, 'in service');
      return unchanged(record);

    case 'UPDATING': {
      if (!pending || !current) return unchanged(record);
      if (failed) return failedTo('update the endpoint', pending);
      if (observed.status === 'RollingBack') {
        const reason = observed.failureReason ?? 'an alarm fired';
        return move('ROLLING_BACK', { reason }, pending, `SageMaker is rolling back: ${reason}`);
      }
      if (observed.status !== 'InService') return unchanged(record);
      if (serving(current)) {
        if (!sageMakerTook(observed, pending)) {
          if (now.getTime() - Date.parse(pending.startedAt) < SEND_LIMIT_MS) return unchanged(record);
          const reason = 'the update never reached SageMaker: the function sending it stopped first';
          return move('IN_SERVICE', { pending: undefined, reason }, pending, reason, [{ kind: 'retire', revisions: [pending] }]);
        }
        // SageMaker's guardrails rolled the update back before it completed.
        const reason = observed.failureReason ?? `alarm ${observed.firingAlarms.join(', ') || 'unknown'} fired`;
        return move('IN_SERVICE', { pending: undefined, reason, ...rolledBack(record, pending) }, pending, `rolled back by SageMaker: ${reason}`, [
          { kind: 'retire', revisions: [pending] },
        ]);
      }
      if (!serving(pending)) return unchanged(record);
      if (pending.rollout.runBy === 'sagemaker') return completed(record, pending, current, move);
      return bake(record, pending, current, observed, now, move);
    }

    case 'ROLLING_BACK': {
      if (!pending || !current) return unchanged(record);
      if (failed) return failedTo('roll back', pending);
      if (observed.status === 'InService' && serving(current)) {
        return move(
          'IN_SERVICE',
          { pending: undefined, ...rolledBack(record, pending) },
          pending,
          record.reason ? `rolled back: ${record.reason}` : 'rolled back',
          [{ kind: 'retire', revisions: [pending] }],
        );
      }
      // The platform's rollback was recorded but SageMaker never took it (its UpdateEndpoint failed after the
      // record): the endpoint still serves the new revision, at rest. Sent again, with nothing new to record.
      if (observed.status === 'InService' && serving(pending) && pending.rollout.runBy === 'platform') {
        return { record, actions: [{ kind: 'rollback', to: current }] };
      }
      return unchanged(record);
    }

    case 'DELETING': {
      if (observed.status !== 'NotFound') return unchanged(record);
      const revisions = [record.current, record.previous, record.pending].filter((revision): revision is DeploymentRevision => revision !== undefined);
      const last = record.current ?? record.pending ?? record.previous;
      if (!last) return unchanged(record);
      return move('DELETED', { current: undefined, pending: undefined, previous: undefined }, last, 'deleted', [{ kind: 'retire', revisions }]);
    }

    default:
      return unchanged(record);
  }
}

type Move = (
  to: DeploymentStatus,
  changes: Partial<DeploymentRecord>,
  revision: DeploymentRevision,
  reason: string,
  actions?: DeploymentAction[],
) => DeploymentStep;

/** The new revision serves alone: the one it replaced becomes what a rollback goes back to; the one before that goes. */
function completed(record: DeploymentRecord, pending: DeploymentRevision, current: DeploymentRevision, move: Move, reason = 'rolled out'): DeploymentStep {
  const retired = record.previous ? [{ kind: 'retire' as const, revisions: [record.previous] }] : [];
  return move(
    'IN_SERVICE',
    { current: { ...pending, bakeUntil: undefined }, previous: current, pending: undefined, reason: undefined },
    pending,
    reason,
    retired,
  );
}

/** A rollout the platform runs: once the new revision serves, its alarms are watched for the bake, and one firing rolls back. */
function bake(
  record: DeploymentRecord,
  pending: DeploymentRevision,
  current: DeploymentRevision,
  observed: EndpointObservation,
  now: Date,
  move: Move,
): DeploymentStep {
  if (pending.rollout.runBy !== 'platform') return unchanged(record);
  if (pending.bakeUntil === undefined) {
    const bakeUntil = new Date(now.getTime() + pending.rollout.bakeMinutes * 60_000).toISOString();
    return move('UPDATING', { pending: { ...pending, bakeUntil } }, pending, `serving; watching its alarms until ${bakeUntil}`);
  }
  if (observed.firingAlarms.length > 0) {
    const reason = `alarm ${observed.firingAlarms.join(', ')} fired while the new revision baked`;
    return move('ROLLING_BACK', { reason }, pending, reason, [{ kind: 'rollback', to: current }]);
  }
  if (now.getTime() >= Date.parse(pending.bakeUntil)) return completed(record, pending, current, move, 'baked without an alarm; rolled out');
  return unchanged(record);
}
