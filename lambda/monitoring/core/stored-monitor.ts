import type { Config } from './check-drift';

/**
 * A monitor the platform stores (made with `mlops monitor create`, or for a deployment when it goes into service), as
 * opposed to one a CDK `monitors` prop freezes into a schedule: one schedule checks every stored monitor when due.
 */
export interface StoredMonitor {
  readonly config: Config;
  /** Minutes between checks; windows end on multiples of it (UTC). */
  readonly scheduleMinutes: number;
  /** When the next window ends: the monitor is due from then. */
  readonly nextCheckAt: string;
  /** The deployment whose capture it checks, when it was made for one (and follows it). */
  readonly deployment?: string;
  readonly createdAt: string;
  readonly createdBy?: string;
  readonly updatedAt: string;
}

const MINUTE_MS = 60_000;

/** The end of the window `at` falls in: the next multiple of the schedule at or after it. */
export function windowEndAfter(at: Date, scheduleMinutes: number): Date {
  const step = scheduleMinutes * MINUTE_MS;
  return new Date(Math.ceil(at.getTime() / step) * step);
}

/**
 * The window a due monitor checks now: the latest one ended by `now`. Windows missed while nothing ran (the schedule
 * was down, the monitor was just made) are not checked one by one: the latest says how the data is now.
 */
export function dueWindowEnd(monitor: Pick<StoredMonitor, 'nextCheckAt' | 'scheduleMinutes'>, now: Date): Date | undefined {
  if (Date.parse(monitor.nextCheckAt) > now.getTime()) return undefined;
  const step = monitor.scheduleMinutes * MINUTE_MS;
  return new Date(Math.floor(now.getTime() / step) * step);
}
