import { sageMakerNames } from '../../deployments/core/sagemaker-names';
import type { Clock } from '../../shared/clock';
import { ConflictError, ValidationError } from '../../shared/errors';
import type { Config } from './check-drift';
import { MONITORING_PREFIXES } from './monitoring-names';
import type { DeploymentsView, ModelVersions, MonitoringStore, StoredMonitors } from './ports';
import type { CreateMonitorCommand } from './schemas';
import { type StoredMonitor, windowEndAfter } from './stored-monitor';

export interface CreateMonitorDependencies {
  readonly monitors: StoredMonitors;
  /** The baselines' table records. */
  readonly store: MonitoringStore;
  readonly versions: ModelVersions;
  readonly deployments: DeploymentsView;
  readonly clock: Clock;
  /** The monitoring bucket: a stored monitor reads capture there only. */
  readonly monitoringBucket: string;
}

/** Where a monitor's records are: what a deployment captures (`captured/<endpoint>/`), or what `CollectData` stores for it. */
export function captureOf(bucket: string, monitor: string, deployment: string | undefined): Config['capture'] {
  const prefix =
    deployment === undefined ? `${MONITORING_PREFIXES.collected}${monitor}/` : `${MONITORING_PREFIXES.captured}${sageMakerNames(deployment, 0).endpoint}/`;
  return { bucket, prefix };
}

/**
 * The model version a monitor compares against now, and that it has a baseline: a monitor without one could only fail
 * at each check. The field named is the one the request gave (`version` or `alias`).
 */
export async function requireBaselinedVersion(
  deps: Pick<CreateMonitorDependencies, 'store' | 'versions'>,
  target: { readonly model: string; readonly version?: number; readonly alias?: string },
): Promise<number> {
  const field = target.alias === undefined ? 'version' : 'alias';
  const version = target.version ?? (await deps.versions.aliasVersion(target.model, target.alias!));
  if (version === undefined) throw ValidationError.of('alias', `model ${target.model} has no alias ${target.alias}`);
  if (target.version !== undefined && !(await deps.versions.exists(target.model, version))) {
    throw ValidationError.of('version', `model ${target.model} has no version ${version}`);
  }
  if (!(await deps.store.getBaseline(target.model, version))) {
    throw ValidationError.of(field, `model ${target.model} version ${version} has no baseline to compare with: register one first (mlops monitor baseline)`);
  }
  return version;
}

/** The monitor a create command stores, `now`; one it replaces keeps its creation time. */
export function storedMonitorOf(command: CreateMonitorCommand, monitoringBucket: string, now: Date, replaced?: StoredMonitor): StoredMonitor {
  return {
    config: {
      monitor: command.monitor,
      model: command.model,
      ...(command.version === undefined ? { alias: command.alias } : { version: command.version }),
      capture: captureOf(monitoringBucket, command.monitor, command.deployment),
      windowMinutes: command.windowMinutes ?? command.scheduleMinutes,
      minRecords: command.minRecords,
      thresholds: command.thresholds,
      numericMethod: command.numericMethod,
      categoricalMethod: command.categoricalMethod,
    },
    scheduleMinutes: command.scheduleMinutes,
    nextCheckAt: windowEndAfter(now, command.scheduleMinutes).toISOString(),
    ...(command.deployment === undefined ? {} : { deployment: command.deployment }),
    createdAt: replaced?.createdAt ?? now.toISOString(),
    ...(command.actor === undefined ? {} : { createdBy: command.actor }),
    updatedAt: now.toISOString(),
  };
}

/**
 * Stores a monitor, checked from its next window on by the platform's schedule, with no redeploy. It is refused
 * (storing nothing) when its model version has no baseline, its deployment does not exist, or a monitor of its name
 * is stored and `replace` is not set.
 */
export function createMonitor(deps: CreateMonitorDependencies) {
  return async (command: CreateMonitorCommand): Promise<StoredMonitor> => {
    await requireBaselinedVersion(deps, command);
    if (command.deployment !== undefined && !(await deps.deployments.getDeployment(command.deployment))) {
      throw ValidationError.of('deployment', `no deployment named ${command.deployment}`);
    }
    const existing = command.replace ? await deps.monitors.getMonitor(command.monitor) : undefined;
    const monitor = storedMonitorOf(command, deps.monitoringBucket, deps.clock.now(), existing);
    if (!(await deps.monitors.putMonitor(monitor, command.replace))) {
      throw new ConflictError(`monitor ${command.monitor} is stored already: give replace to change it, or delete it first`);
    }
    return monitor;
  };
}
