import { InvalidArgumentError } from 'commander';
import type { VersionRef } from '../client/registry/registry-client';

/**
 * Argument parsers for commander. They check shape only (`key=value`, a number); the registry's
 * schema checks the content, on the client before anything is sent.
 */

function splitPair(text: string): [string, string | undefined] {
  const at = text.indexOf('=');
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function keyValue(text: string): [string, string] {
  const [key, value] = splitPair(text);
  if (key === '' || value === undefined) throw new InvalidArgumentError('expected key=value.');
  return [key, value];
}

/** Repeated `--param k=v`: collects into one record. */
export function collectPair(text: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const [key, value] = keyValue(text);
  return { ...previous, [key]: value };
}

/** Repeated `--metric k=v`: the value must be a finite number. */
export function collectMetric(text: string, previous: Readonly<Record<string, number>> = {}): Record<string, number> {
  const [key, value] = keyValue(text);
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number)) throw new InvalidArgumentError(`expected key=number, "${value}" is not a number.`);
  return { ...previous, [key]: number };
}

export interface DatasetArgument {
  readonly uri: string;
  readonly sha256?: string;
}

/** Repeated `--dataset uri[#sha256]`. */
export function collectDataset(text: string, previous: readonly DatasetArgument[] = []): DatasetArgument[] {
  const at = text.lastIndexOf('#');
  const dataset = at < 0 ? { uri: text } : { uri: text.slice(0, at), sha256: text.slice(at + 1) };
  if (dataset.uri === '') throw new InvalidArgumentError('expected uri or uri#sha256.');
  return [...previous, dataset];
}

/** `--tag k` (any value) or `--tag k=v`. */
export function parseTagFilter(text: string): { key: string; value?: string } {
  const [key, value] = splitPair(text);
  if (key === '') throw new InvalidArgumentError('expected key or key=value.');
  return value === undefined ? { key } : { key, value };
}

export function parseVersionNumber(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a version number (1, 2, ...).');
  return Number(text);
}

/**
 * `--expect 3` or `--expect none` (the alias must not exist yet). `none` stays a string: commander
 * turns a parser's `null` into an empty string.
 */
export function parseExpectedVersion(text: string): number | 'none' {
  if (text === 'none') return 'none';
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a version number or "none".');
  return Number(text);
}

export interface ModelReference {
  readonly name: string;
  /** Absent for the model itself. */
  readonly version?: VersionRef;
}

/** `NAME`, `NAME:VERSION` (a number, `vN` or `latest`) or `NAME@ALIAS`. */
export function parseModelReference(text: string): ModelReference {
  const match = /^([^:@]+)(?::(\d+|v\d+|latest)|@(.+))?$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected NAME, NAME:VERSION (a number or "latest") or NAME@ALIAS.');
  const [, name, version, alias] = match;
  if (version !== undefined) return { name, version: /^\d+$/.test(version) ? Number(version) : version };
  return alias === undefined ? { name } : { name, version: alias };
}

/** A whole number, for counts and percentages; the schema checks the range. */
export function parseWhole(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('expected a whole number.');
  return Number(text);
}

/** `10m`, `1h`, `0` (no bake); a bare number is minutes. Rollouts are timed in whole minutes. */
export function parseMinutes(text: string): number {
  if (/^\d+$/.test(text.trim())) return Number(text);
  const ms = parseDuration(text);
  if (ms % 60_000 !== 0) throw new InvalidArgumentError('expected whole minutes, like 10m or 1h (a bare number is minutes).');
  return ms / 60_000;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `30m`, `1.5h`, `500ms`; a bare number is seconds. In milliseconds, more than 0. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 's'] : Number.NaN;
  if (!(ms > 0)) throw new InvalidArgumentError('expected a duration like 90s, 30m or 1h (a bare number is seconds), more than 0.');
  return ms;
}
