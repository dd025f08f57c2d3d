import type { Duration } from 'aws-cdk-lib';

/** `partial` without its `undefined` entries, so that spreading it over defaults keeps them. */
export function definedOnly<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Refuses a duration (unless a token) that is not a whole number of days, at least 1: what S3 lifecycle rules take. */
export function requireWholeDays(prop: string, duration: Duration): void {
  if (duration.isUnresolved()) return;
  const days = duration.toDays({ integral: false });
  if (days < 1 || !Number.isInteger(days)) throw new Error(`${prop} must be a whole number of days, at least 1; got ${duration.toHumanString()}`);
}
