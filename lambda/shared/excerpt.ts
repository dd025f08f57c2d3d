import type { FieldIssue } from './errors';

/**
 * Bounds what an error quotes of a file the caller named: an input refused for its content may
 * still be someone else's data, so an answer shows at most a few short excerpts of it.
 */

/** At most this many characters of a file's line or field are quoted, "…" marking a cut. */
export const MAX_EXCERPT_CHARS = 60;
/** At most this many problems of one file are listed; the rest are counted. */
export const MAX_FILE_ISSUES = 3;

/** `text` cut to `MAX_EXCERPT_CHARS` characters (code points, so no half surrogate pair), with "…" when cut. */
export function excerpt(text: string): string {
  const characters = Array.from(text);
  return characters.length <= MAX_EXCERPT_CHARS ? text : `${characters.slice(0, MAX_EXCERPT_CHARS - 1).join('')}…`;
}

/** The first `MAX_FILE_ISSUES` issues, then one that counts the others. */
export function boundedIssues(issues: readonly FieldIssue[]): FieldIssue[] {
  if (issues.length <= MAX_FILE_ISSUES) return [...issues];
  const rest = issues.length - MAX_FILE_ISSUES;
  return [...issues.slice(0, MAX_FILE_ISSUES), { path: issues[MAX_FILE_ISSUES].path, message: `and ${rest} more problem${rest === 1 ? '' : 's'} in the file` }];
}
