import { ValidationError } from '../../shared/errors';
import { parseRequest } from '../../shared/validation';
import type { Config } from './check-drift';
import { type CreateMonitorDependencies, requireBaselinedVersion, storedMonitorOf } from './create-monitor';
import { CreateMonitorRequest } from './schemas';
import type { StoredMonitor } from './stored-monitor';

/** A monitor's config without what it compares against. */
const withoutTarget = ({ version: _version, alias: _alias, ...rest }: Config) => rest;

/** The schedule of the monitor a deployment gets: hourly windows. */
export const DEPLOYMENT_MONITOR_SCHEDULE_MINUTES = 60;

export type DeploymentMonitorOutcome =
  | { readonly outcome: 'created' | 'updated' | 'deleted'; readonly monitor: StoredMonitor }
  | { readonly outcome: 'unchanged' | 'skipped'; readonly reason: string };

/**
 * Keeps a deployment's monitor (named as the deployment) in step with the deployment, as read from its table:
 * a deployment in service gets one, comparing its capture with the baseline of the model version it serves (the
 * first model of its image), or of the alias it follows; a rollout moves it to the new version; a deleted
 * deployment loses it. A monitor of that name made for something else is left alone. Without a baseline for the
 * version, no monitor is made (the reason says so): `mlops monitor create --deployment` makes one later.
 */
export function monitorDeployment(deps: CreateMonitorDependencies) {
  return async (name: string): Promise<DeploymentMonitorOutcome> => {
    const deployment = await deps.deployments.getDeployment(name);
    const existing = await deps.monitors.getMonitor(name);
    if (existing && existing.deployment !== name) return { outcome: 'skipped', reason: `monitor ${name} was made for something else: left alone` };
    if (!deployment || deployment.status === 'DELETED') {
      if (!existing) return { outcome: 'unchanged', reason: `deployment ${name} is gone and has no monitor` };
      await deps.monitors.deleteMonitor(name);
      return { outcome: 'deleted', monitor: existing };
    }
    const served = deployment.current?.image.models[0];
    if (deployment.status !== 'IN_SERVICE' || !served) return { outcome: 'unchanged', reason: `deployment ${name} is ${deployment.status}` };
    const target = deployment.follow ? { model: deployment.follow.model, alias: deployment.follow.alias } : { model: served.name, version: served.version };
    if (existing && existing.config.model === target.model && existing.config.version === target.version && existing.config.alias === target.alias) {
      return { outcome: 'unchanged', reason: `monitor ${name} checks ${target.model} already` };
    }
    try {
      await requireBaselinedVersion(deps, target);
    } catch (error) {
      if (error instanceof ValidationError) return { outcome: 'skipped', reason: error.message };
      throw error;
    }
    const now = deps.clock.now();
    const monitor: StoredMonitor = existing
      ? { ...existing, config: { ...withoutTarget(existing.config), ...target }, updatedAt: now.toISOString() }
      : storedMonitorOf(
          parseRequest(CreateMonitorRequest, {
            monitor: name,
            ...target,
            deployment: name,
            scheduleMinutes: DEPLOYMENT_MONITOR_SCHEDULE_MINUTES,
            actor: `deployment ${name}`,
          }),
          deps.monitoringBucket,
          now,
        );
    await deps.monitors.putMonitor(monitor, true);
    return { outcome: existing ? 'updated' : 'created', monitor };
  };
}
