/** Short, fixed-width renderings of the registry's values for human output. */

/** `2026-11-24T14:03:27.123Z` -> `2026-11-24 14:03` (UTC). */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace('T', ' ');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `1 row`, `3 rows`. */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Integers as they are; others with at most six significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** The first 12 hex characters, enough to tell digests apart in a table. */
export function shortDigest(sha256: string | undefined): string {
  return sha256 ? sha256.slice(0, 12) : '-';
}

/** `k=v` pairs on one line, for a table cell. */
export function formatPairs(record: Readonly<Record<string, string | number>>, limit = 3): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return '-';
  const shown = entries.slice(0, limit).map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : value}`);
  return entries.length > limit ? `${shown.join(' ')} +${entries.length - limit}` : shown.join(' ');
}

/** Formats numbers so that, right-aligned in a column, their decimal points line up. */
export function alignDecimals(values: readonly number[]): string[] {
  const formatted = values.map(formatNumber);
  const fractionWidth = (text: string) => /^[^.e]*\.(\d+)$/.exec(text)?.[1].length ?? 0;
  const widest = Math.max(0, ...formatted.map(fractionWidth));
  return formatted.map((text) => {
    if (widest === 0 || text.includes('e')) return text;
    const width = fractionWidth(text);
    return width === 0 ? text + ' '.repeat(widest + 1) : text + ' '.repeat(widest - width);
  });
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`, `3d 04h`: two units at most. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (ms < 59_950) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  const pad = (value: number) => String(value).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${pad(whole % 60)}s`;
  if (whole < 86_400) return `${Math.floor(whole / 3600)}h ${pad(Math.floor(whole / 60) % 60)}m`;
  return `${Math.floor(whole / 86_400)}d ${pad(Math.floor(whole / 3600) % 24)}h`;
}
