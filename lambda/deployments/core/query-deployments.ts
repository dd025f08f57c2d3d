import { NotFoundError } from '../../shared/errors';
import type { Page } from '../../shared/page';
import type { DeploymentTraffic } from './deployment-traffic';
import type { DeploymentRecord, DeploymentStateChange } from './model';
import type { DeploymentStore } from './ports';
import type { QueryDeploymentsCommand } from './schemas';

export type QueryDeploymentsResult = DeploymentRecord | Page<DeploymentRecord> | Page<DeploymentStateChange> | DeploymentTraffic;

/** Answers the deployment queries: one deployment, the deployments, a deployment's history (newest first), its traffic. */
export function queryDeployments(store: DeploymentStore, traffic: (name: string, hours: number) => Promise<DeploymentTraffic>) {
  return async (command: QueryDeploymentsCommand): Promise<QueryDeploymentsResult> => {
    switch (command.query) {
      case 'getDeployment': {
        const record = await store.getDeployment(command.name);
        if (!record) throw new NotFoundError(`no deployment named ${command.name}`);
        return record;
      }
      case 'listDeployments':
        return store.listDeployments(command);
      case 'deploymentHistory': {
        if (!(await store.getDeployment(command.name))) throw new NotFoundError(`no deployment named ${command.name}`);
        return store.history(command.name, command);
      }
      case 'deploymentTraffic':
        return traffic(command.name, command.hours);
    }
  };
}
