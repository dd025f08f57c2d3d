import { InvalidArgumentError } from 'commander';

/** Argument parsers of the `image` commands. They check shape only; the images schema checks the content. */

export interface ImageReference {
  readonly name: string;
  /** Absent for the newest version. */
  readonly version?: number;
}

/** `NAME` or `NAME:VERSION` (a number, or `v` and a number). */
export function parseImageReference(text: string): ImageReference {
  const match = /^([^:@\s]+)(?::v?(\d+))?$/.exec(text);
  if (!match || (match[2] !== undefined && Number(match[2]) < 1))
    throw new InvalidArgumentError('expected NAME or NAME:VERSION (a version number, 1 or more).');
  return match[2] === undefined ? { name: match[1] } : { name: match[1], version: Number(match[2]) };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `30m`, `1.5h`, `500ms`; a bare number is seconds. In milliseconds, more than 0. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 's'] : Number.NaN;
  if (!(ms > 0)) throw new InvalidArgumentError('expected a duration like 90s, 30m or 1h (a bare number is seconds), more than 0.');
  return ms;
}

/** Repeated `--model churn:3 --model fraud@production`: kept as given; the client parses them. */
export function collectModel(text: string, previous: readonly string[] = []): string[] {
  return [...previous, text];
}
