import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { type FieldIssue, ValidationError } from './errors';

// zod/mini ships no messages of its own; callers get English ones.
z.config(en());

/** A key longer than this is quoted cut in an error: a refusal never echoes a caller's bulk back. */
export const MAX_QUOTED_KEY = 64;
/** Issues one error lists; a request wrong in thousands of places is told about the first ones. */
export const MAX_ISSUES = 20;

const quotedKey = (key: string) => (key.length > MAX_QUOTED_KEY ? `${key.slice(0, MAX_QUOTED_KEY - 1)}…` : key);

/** `['datasets', 0, 'uri']` -> `datasets[0].uri`; the root is called `payload`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const segment of path) {
    if (typeof segment === 'number') formatted += `[${segment}]`;
    else formatted += formatted === '' ? quotedKey(String(segment)) : `.${quotedKey(String(segment))}`;
  }
  return formatted === '' ? 'payload' : formatted;
}

/** At most `MAX_ISSUES` issues, the last one saying how many more there were. */
function bounded(issues: readonly FieldIssue[]): FieldIssue[] {
  if (issues.length <= MAX_ISSUES) return [...issues];
  return [...issues.slice(0, MAX_ISSUES - 1), { path: 'payload', message: `and ${issues.length - MAX_ISSUES + 1} more problems` }];
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

/**
 * The paths of `__proto__` keys anywhere in `input`. JSON parsing keeps one as an own key, but zod
 * drops it from records unseen and a plain object turns it into its prototype, so a request holding
 * one would lose data silently. Walked without recursion: a payload may nest deeper than the stack.
 */
function prototypeKeyIssues(input: unknown): FieldIssue[] {
  // Each node links to its parent: a path is built only for a key found, not copied at every level.
  interface Node {
    readonly value: unknown;
    readonly segment?: PropertyKey;
    readonly parent?: Node;
  }
  const pathOf = (node: Node, key: string): PropertyKey[] => {
    const path: PropertyKey[] = [key];
    for (let at: Node | undefined = node; at?.segment !== undefined; at = at.parent) path.push(at.segment);
    return path.reverse();
  };
  const issues: FieldIssue[] = [];
  const pending: Node[] = [{ value: input }];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const { value } = node;
    if (value === null || typeof value !== 'object') continue;
    for (const [key, inner] of Object.entries(value)) {
      if (key === '__proto__') issues.push({ path: formatPath(pathOf(node, key)), message: 'is a reserved name' });
      else pending.push({ value: inner, segment: Array.isArray(value) ? Number(key) : key, parent: node });
    }
  }
  return issues;
}

/** Parses `input` with `schema`, or throws a `ValidationError` naming every bad field by path. */
export function parseRequest<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const reserved = prototypeKeyIssues(input);
  const result = z.safeParse(schema, input);
  if (result.success && reserved.length === 0) return result.data;
  throw new ValidationError(bounded([...reserved, ...(result.success ? [] : result.error.issues.flatMap(toFieldIssues))]));
}
