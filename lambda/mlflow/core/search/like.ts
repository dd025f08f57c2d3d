const compiled = new Map<string, RegExp>();
const MAX_CACHED = 256;

/**
 * SQL LIKE as MLflow's SQL store runs it: `%` is any run of characters, `_` exactly one, everything else
 * itself (no escape character); the whole value must match. LIKE is case-sensitive (MLflow sets SQLite's
 * `case_sensitive_like` and binary-compares on MySQL), ILIKE is not.
 */
export function like(value: string, pattern: string, caseInsensitive: boolean): boolean {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let regex = compiled.get(cacheKey);
  if (regex === undefined) {
    const body = [...pattern].map((char) => (char === '%' ? '[\\s\\S]*' : char === '_' ? '[\\s\\S]' : char.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))).join('');
    regex = new RegExp(`^${body}$`, caseInsensitive ? 'iu' : 'u');
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(cacheKey, regex);
  }
  return regex.test(value);
}
