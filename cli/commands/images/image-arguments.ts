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

/** Repeated `--model churn:3 --model fraud@production`: kept as given; the client parses them. */
export function collectModel(text: string, previous: readonly string[] = []): string[] {
  return [...previous, text];
}
