import type { CreateMonitorDependencies } from './create-monitor';
import { type DeploymentMonitorOutcome, monitorDeployment } from './monitor-deployment';
import type { DriftCheckStarter } from './ports';
import { type DueMonitorsSummary, runDueMonitors } from './run-due-monitors';
import type { MonitorEvent } from './schemas';

export interface MonitorEventsDependencies extends CreateMonitorDependencies {
  readonly checks: DriftCheckStarter;
}

/** The schedule's tick checks the stored monitors that are due; a deployment's state change keeps its monitor in step. */
export function handleMonitorEvent(deps: MonitorEventsDependencies) {
  const runDue = runDueMonitors(deps);
  const followDeployment = monitorDeployment(deps);
  return (event: MonitorEvent): Promise<DueMonitorsSummary | DeploymentMonitorOutcome> =>
    event['detail-type'] === 'Scheduled Event' ? runDue() : followDeployment(event.detail.name);
}
