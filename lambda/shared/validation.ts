import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { type FieldIssue, ValidationError } from './errors';

// zod/mini ships no messages of its own; callers get English ones.
z.config(en());

/** `['datasets', 0, 'uri']` -> `datasets[0].uri`; the root is called `payload`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const segment of path) {
    if (typeof segment === 'number') formatted += `[${segment}]`;
    else formatted += formatted === '' ? String(segment) : `.${String(segment)}`;
  }
  return formatted === '' ? 'payload' : formatted;
}

function toFieldIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'is not a known field' }));
  }
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    // A bad record key: its own schema's messages, at the key's path, rather than "Invalid key in record".
    return issue.issues.map((inner) => ({ path: formatPath(issue.path), message: inner.message }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that got furthest rather than "invalid input" for the whole union.
    const deepest = issue.errors.reduce((best, errors) => (errors.length < best.length ? errors : best));
    return deepest.flatMap((inner) => toFieldIssues({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Parses `input` with `schema`, or throws a `ValidationError` naming every bad field by path. */
export function parseRequest<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap(toFieldIssues));
}
