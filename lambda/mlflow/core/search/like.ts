/**
 * SQL LIKE as MLflow's SQL store runs it: `%` is any run of characters, `_` exactly one, everything else
 * itself (no escape character); the whole value must match. LIKE is case-sensitive (MLflow sets SQLite's
 * `case_sensitive_like` and binary-compares on MySQL), ILIKE is not.
 *
 * A wildcard walk rather than a RegExp: `%a%a%a%a%b` as a RegExp backtracks without end on a long value,
 * and the pattern is the caller's. This takes at most value length x pattern length steps.
 */
export function like(value: string, pattern: string, caseInsensitive: boolean): boolean {
  const text = [...(caseInsensitive ? value.toLowerCase() : value)];
  const glob = [...(caseInsensitive ? pattern.toLowerCase() : pattern)];
  let at = 0;
  let next = 0;
  /** The last `%` seen, and where in the text it was trying to resume. */
  let star = -1;
  let resume = 0;
  while (at < text.length) {
    const wanted = glob[next];
    if (wanted === '%') {
      star = next;
      next += 1;
      resume = at;
    } else if (wanted !== undefined && (wanted === '_' || wanted === text[at])) {
      at += 1;
      next += 1;
    } else if (star >= 0) {
      next = star + 1;
      resume += 1;
      at = resume;
    } else {
      return false;
    }
  }
  while (glob[next] === '%') next += 1;
  return next === glob.length;
}
