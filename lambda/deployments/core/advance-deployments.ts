import { allPages } from '../../shared/page';
import { advanceDeployment, type DeploymentAction } from './advance-deployment';
import type { DeploymentRecord, DeploymentStatus } from './model';
import type { DeploymentDependencies, EndpointWatcher } from './ports';

/** The states in which a deployment is in transit: SageMaker or a bake has something to finish. */
const IN_TRANSIT: ReadonlySet<DeploymentStatus> = new Set(['CREATING', 'UPDATING', 'ROLLING_BACK', 'DELETING']);

export interface AdvanceDeploymentsDependencies extends DeploymentDependencies {
  readonly watcher: EndpointWatcher;
}

export interface AdvanceSummary {
  /** Deployments in transit, looked at. */
  readonly watched: number;
  /** Of those, the ones whose state changed. */
  readonly changed: number;
  /** Deployments a step failed on (the next run takes them again). */
  readonly failed: readonly { readonly name: string; readonly error: string }[];
}

/**
 * What runs every minute: each deployment in transit takes its next step (`advanceDeployment`), from what SageMaker
 * and the alarms say now. A step's change is recorded only as the deployment was read (a concurrent change wins,
 * and the next run looks again), then announced, and its actions run: a rollback sends the endpoint back, retired
 * revisions lose their SageMaker model and config. One deployment failing does not stop the others.
 */
export function advanceDeployments(deps: AdvanceDeploymentsDependencies) {
  async function advance(record: DeploymentRecord): Promise<boolean> {
    const step = advanceDeployment(record, await deps.watcher.observe(record), deps.clock.now());
    if (!step.change) {
      // An action without a change repeats one that did not happen (a rollback SageMaker never took).
      for (const action of step.actions) await run(record, action);
      return false;
    }
    if (!(await deps.store.updateDeployment(step.record, record, step.change))) return false;
    await deps.events.publish(step.change);
    for (const action of step.actions) await run(step.record, action);
    return true;
  }

  async function run(record: DeploymentRecord, action: DeploymentAction): Promise<void> {
    if (action.kind === 'rollback') return deps.hosting.updateEndpoint(record, action.to);
    for (const revision of action.revisions) await deps.hosting.deleteRevision(revision);
  }

  return async (): Promise<AdvanceSummary> => {
    const inTransit = (await allPages((page) => deps.store.listDeployments(page))).filter((record) => IN_TRANSIT.has(record.status));
    const outcomes = await Promise.allSettled(inTransit.map(advance));
    const failed = outcomes.flatMap((outcome, index) =>
      outcome.status === 'rejected'
        ? [{ name: inTransit[index].name, error: outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason) }]
        : [],
    );
    return { watched: inTransit.length, changed: outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length, failed };
  };
}
