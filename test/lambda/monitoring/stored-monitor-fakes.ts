import type { DeploymentRecord } from '../../../lambda/deployments/core/model';
import type { Config } from '../../../lambda/monitoring/core/check-drift';
import type { DeploymentsView, DriftCheckStarter, StoredMonitors } from '../../../lambda/monitoring/core/ports';
import type { StoredMonitor } from '../../../lambda/monitoring/core/stored-monitor';

/** Stored monitors in memory, with the table's conditions. */
export class InMemoryStoredMonitors implements StoredMonitors {
  readonly monitors = new Map<string, StoredMonitor>();

  async getMonitor(name: string) {
    return this.monitors.get(name);
  }

  async putMonitor(monitor: StoredMonitor, replace: boolean) {
    if (!replace && this.monitors.has(monitor.config.monitor)) return false;
    this.monitors.set(monitor.config.monitor, structuredClone(monitor));
    return true;
  }

  async deleteMonitor(name: string) {
    const existing = this.monitors.get(name);
    this.monitors.delete(name);
    return existing;
  }

  async listStoredMonitors() {
    return [...this.monitors.values()].sort((a, b) => a.config.monitor.localeCompare(b.config.monitor));
  }

  async advanceSchedule(name: string, expected: string, next: string) {
    const existing = this.monitors.get(name);
    if (existing?.nextCheckAt !== expected) return false;
    this.monitors.set(name, { ...existing, nextCheckAt: next });
    return true;
  }
}

/** Records the checks started; a start for a monitor in `failing` fails. */
export class RecordingDriftChecks implements DriftCheckStarter {
  readonly started: { readonly monitor: string; readonly windowEnd: string; readonly config: Config }[] = [];
  readonly failing = new Set<string>();

  async start(config: Config, windowEnd: string) {
    if (this.failing.has(config.monitor)) throw new Error(`StartExecution failed for ${config.monitor}`);
    this.started.push({ monitor: config.monitor, windowEnd, config });
  }
}

export class FakeDeploymentsView implements DeploymentsView {
  readonly deployments = new Map<string, DeploymentRecord>();

  with(record: DeploymentRecord): this {
    this.deployments.set(record.name, record);
    return this;
  }

  async getDeployment(name: string) {
    return this.deployments.get(name);
  }
}

/** A stored monitor as `DynamoStoredMonitors` writes it: hourly, the default thresholds, due at noon. */
export function sampleStoredMonitor(
  target: { readonly monitor: string; readonly model: string; readonly version: number; readonly bucket: string; readonly prefix: string },
  overrides: Partial<StoredMonitor> = {},
): StoredMonitor {
  return {
    config: {
      monitor: target.monitor,
      model: target.model,
      version: target.version,
      capture: { bucket: target.bucket, prefix: target.prefix },
      windowMinutes: 60,
      minRecords: 100,
      thresholds: { ksPValue: 0.05, chiSquarePValue: 0.05, psi: 0.2, jensenShannon: 0.1, wasserstein: 0.1, driftShare: 0.5 },
      numericMethod: 'auto',
      categoricalMethod: 'auto',
    },
    scheduleMinutes: 60,
    nextCheckAt: '2026-06-01T12:00:00.000Z',
    createdAt: '2026-06-01T11:05:00.000Z',
    createdBy: 'ana',
    updatedAt: '2026-06-01T11:05:00.000Z',
    ...overrides,
  };
}
