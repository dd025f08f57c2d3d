import * as z from 'zod/mini';
import { formatPath } from './validation';

/**
 * Reads and validates a function's environment at cold start, so a misconfigured deployment fails
 * at init with the names of the missing variables rather than on the first request.
 */
export function readEnvironment<S extends z.ZodMiniObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = z.safeParse(schema, env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(issue.path)} (${issue.message})`);
  throw new Error(`invalid function environment: ${problems.join(', ')}`);
}

/** A required, non-empty environment variable. */
export const required = () => z.string().check(z.minLength(1));

/** A comma-separated list, each entry checked by `entry`; an empty variable is an empty list. */
export const commaSeparated = (entry: z.ZodMiniType<string, string>) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((value: string) => (value === '' ? [] : value.split(','))),
    ),
    z.array(entry),
  );
