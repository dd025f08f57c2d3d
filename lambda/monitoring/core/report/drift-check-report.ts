import type { DatasetDrift } from '../drift/dataset-drift';

/** One drift check of a monitor: what was read from the capture, and the verdict on it. */
export interface DriftCheckReport {
  readonly monitor: string;
  readonly checkId: string;
  readonly model: { readonly name: string; readonly version: number };
  /** ISO 8601 timestamps. */
  readonly window: { readonly start: string; readonly end: string };
  readonly createdAt: string;
  /** Capture lines outside the window or unreadable, and records sketched. */
  readonly capture: { readonly records: number; readonly outsideWindow: number; readonly unreadable: number; readonly objects: number };
  readonly drift: DatasetDrift;
}
