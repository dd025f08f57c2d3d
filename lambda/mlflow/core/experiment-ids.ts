import { createHash } from 'node:crypto';

/** MLflow's default experiment: id "0", where runs go when the caller names no experiment. */
export const DEFAULT_EXPERIMENT = { id: '0', name: 'Default' } as const;

/**
 * An experiment's MLflow id, derived from its name: the platform files experiments and their runs
 * by name, so the id never needs storing to be found from a run, and an experiment created by
 * `mlops run start` has one before MLflow ever sees it. 15 decimal digits of its SHA-256 (a clash
 * is refused when the id's lookup item is written); "0" for the default experiment, as in MLflow.
 */
export function experimentIdOf(name: string): string {
  if (name === DEFAULT_EXPERIMENT.name) return DEFAULT_EXPERIMENT.id;
  const digits = BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 15)}`) % 10n ** 15n;
  // Never "0" and never a leading zero: ids read as the numbers MLflow's own stores hand out.
  return String(digits + 10n ** 15n);
}
