import { Duration } from 'aws-cdk-lib';
import * as z from 'zod/mini';
import { MonitorName } from '../../lambda/monitoring/core/schemas';
import { AliasName, ModelName, VersionNumber } from '../../lambda/registry/core/schemas';
import { ValidationError } from '../../lambda/shared/errors';
import { parseRequest } from '../../lambda/shared/validation';
import type { MonitorOptions } from './monitor';

/** The context key (`cdk.json`'s `context`, or `cdk deploy -c`) that declares the platform's monitors. */
export const MONITORS_CONTEXT_KEY = 'monitors';

const DURATION = /^(\d+) (second|minute|hour|day)s?$/;
const DURATION_OF = { second: Duration.seconds, minute: Duration.minutes, hour: Duration.hours, day: Duration.days } as const;

/** `"15 minutes"`, `"1 hour"`, `"7 days"`: a whole number and a unit. */
const DurationText = z
  .string()
  .check(z.regex(DURATION, 'must be a whole number and a unit, e.g. "15 minutes", "1 hour", "7 days" (seconds, minutes, hours, days)'));
const Count = z.int().check(z.gte(1));

const MonitorDeclaration = z.strictObject({
  monitorName: MonitorName,
  model: ModelName,
  version: z.optional(VersionNumber),
  alias: z.optional(AliasName),
  schedule: z.optional(DurationText),
  window: z.optional(DurationText),
  minRecords: z.optional(Count),
  thresholds: z.optional(
    z.strictObject({
      ksPValue: z.optional(z.number()),
      chiSquarePValue: z.optional(z.number()),
      psi: z.optional(z.number()),
      jensenShannon: z.optional(z.number()),
      wasserstein: z.optional(z.number()),
      driftShare: z.optional(z.number()),
    }),
  ),
  numericMethod: z.optional(z.enum(['auto', 'ks', 'psi', 'wasserstein', 'jensen_shannon'])),
  categoricalMethod: z.optional(z.enum(['auto', 'chi_square', 'psi', 'jensen_shannon'])),
  endpoint: z.optional(z.strictObject({ endpointName: z.string().check(z.minLength(1)), variantNames: z.optional(z.array(z.string().check(z.minLength(1)))) })),
  minInvocations: z.optional(Count),
  latencyP99Threshold: z.optional(DurationText),
  alarmEmails: z.optional(z.array(z.email())),
  retrainCooldown: z.optional(DurationText),
});
type MonitorDeclaration = z.output<typeof MonitorDeclaration>;

function durationOf(text: string): Duration {
  const [, amount, unit] = DURATION.exec(text)!;
  return DURATION_OF[unit as keyof typeof DURATION_OF](Number(amount));
}

function toOptions({ schedule, window, latencyP99Threshold, retrainCooldown, ...rest }: MonitorDeclaration): MonitorOptions {
  return {
    ...rest,
    ...(schedule !== undefined ? { schedule: durationOf(schedule) } : {}),
    ...(window !== undefined ? { window: durationOf(window) } : {}),
    ...(latencyP99Threshold !== undefined ? { latencyP99Threshold: durationOf(latencyP99Threshold) } : {}),
    ...(retrainCooldown !== undefined ? { retrainCooldown: durationOf(retrainCooldown) } : {}),
  };
}

/**
 * The monitors declared as JSON, for `MlopsPlatformStackProps.monitors`: what `bin/app.ts` (so
 * `cdk deploy`) and `npm run local` read from the `monitors` context key of `cdk.json`, e.g.
 *
 *     "monitors": [{ "monitorName": "churn-production", "model": "churn", "alias": "production",
 *                    "schedule": "1 hour", "minRecords": 100 }]
 *
 * Each entry has the fields of `MonitorOptions` (lib/monitoring/monitor.ts) with the same names and
 * defaults; durations (`schedule`, `window`, `latencyP99Threshold`, `retrainCooldown`) are text, a
 * whole number and a unit: `"15 minutes"`, `"1 hour"`, `"3 days"`. Left out, as they name
 * constructs: `capture` (the records are those sent with `CollectData`) and `retrainTarget`
 * (requests reach the platform bus); declare such monitors in code. Absent means no monitors.
 * A bad entry fails with every bad field named by its path (`monitors[0].schedule: ...`); the
 * rules that span fields (exactly one of version and alias, the schedule's range) are the
 * `Monitor` construct's, checked when the stack is built.
 */
export function monitorsFromContext(value: unknown, source = `context "${MONITORS_CONTEXT_KEY}"`): MonitorOptions[] {
  if (value === undefined) return [];
  // `cdk deploy -c monitors='[...]'` passes the JSON as text.
  let declared = value;
  if (typeof value === 'string') {
    try {
      declared = JSON.parse(value);
    } catch (error) {
      throw new Error(`${source} is not JSON: ${(error as Error).message}`);
    }
  }
  if (!Array.isArray(declared)) throw new Error(`${source} must be an array of monitors, got ${JSON.stringify(declared)?.slice(0, 80)}`);
  try {
    return parseRequest(z.array(MonitorDeclaration), declared).map(toOptions);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const problems = error.issues.map(({ path, message }) => `${MONITORS_CONTEXT_KEY}${path === 'payload' ? '' : path} ${message}`);
    throw new Error(`${source} has invalid monitors: ${problems.join('; ')}`);
  }
}
