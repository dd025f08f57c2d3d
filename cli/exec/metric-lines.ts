import * as z from 'zod/mini';
import { KeyName, MetricValue, TagKey, TagValue } from '../../lambda/shared/schema-fields';

/**
 * The lines a command run by `mlops run exec` prints to log to its run, on stdout or stderr:
 *
 *   mlops:metric name=value [name=value ...] [step=N] [timestamp=MS]
 *   mlops:param key=value [key=value ...]
 *   mlops:tag key=value [key=value ...]
 *   {"mlops": {"metrics": {"loss": 0.3}, "step": 5, "timestamp": MS, "params": {...}, "tags": {...}}}
 *
 * A value is a bare word (no spaces) or a JSON string in double quotes (`note="two words"`).
 * Metric values are decimal numbers (`0.25`, `-3`, `1e-3`); NaN and infinities are refused.
 * `step` (a whole number, 0 or more) and `timestamp` (epoch milliseconds) are not metrics.
 * Any other line, JSON objects without a top-level `mlops` key included, is ordinary output; a
 * line that looks like an `mlops` JSON line but is not JSON (Python writes `NaN`) is malformed.
 */

/** What one line asks to log; every part optional, at least one present. */
export interface TrackingUpdate {
  readonly metrics?: Readonly<Record<string, number>>;
  readonly step?: number;
  readonly timestamp?: number;
  readonly params?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
}

export type ParsedLine =
  | { readonly kind: 'output' }
  | { readonly kind: 'tracking'; readonly update: TrackingUpdate }
  /** A line meant for the tracker that cannot be read; `problem` says why, for a warning. */
  | { readonly kind: 'malformed'; readonly problem: string };

const OUTPUT: ParsedLine = { kind: 'output' };
const DIRECTIVE = /^mlops:(\S*)(.*)$/s;
/** Decimal numbers only: no hex, no `Infinity`, no empty string (all of which `Number` accepts). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Epoch milliseconds the tracker accepts: 2000 to 2200, as its schema. */
const MIN_TIMESTAMP = 946_684_800_000;
const MAX_TIMESTAMP = 7_258_118_400_000;
const PARAM_VALUE_MAX = 1000;

class LineProblem extends Error {}

const issueOf = (schema: z.ZodMiniType, value: unknown): string | undefined => {
  const result = z.safeParse(schema, value);
  return result.success ? undefined : result.error.issues[0]?.message;
};

function checkName(kind: 'metric' | 'param', name: string): void {
  const issue = issueOf(KeyName, name);
  if (issue) throw new LineProblem(`${kind} name "${name}" ${issue}`);
}

function checkTag(key: string, value: string): void {
  const issue = issueOf(TagKey, key);
  if (issue) throw new LineProblem(`tag key "${key}" ${issue}`);
  const valueIssue = issueOf(TagValue, value);
  if (valueIssue) throw new LineProblem(`tag ${key}: value ${valueIssue}`);
}

function checkParam(key: string, value: string): void {
  checkName('param', key);
  if (value.length > PARAM_VALUE_MAX) throw new LineProblem(`param ${key}: value is longer than ${PARAM_VALUE_MAX} characters`);
}

/** A value the platform cannot store unchanged (1e308, 5e-324) would fail the whole batch it went in. */
function checkStorable(label: string, value: number): void {
  const issue = issueOf(MetricValue, value);
  if (issue) throw new LineProblem(`${label}: ${issue}`);
}

function decimal(key: string, text: string): number {
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw new LineProblem(`${key}=${text}: not a finite decimal number`);
  checkStorable(`${key}=${text}`, value);
  return value;
}

function step(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new LineProblem(`step ${JSON.stringify(value)}: not a whole number of 0 or more`);
  return value;
}

function timestamp(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_TIMESTAMP || value > MAX_TIMESTAMP) {
    throw new LineProblem(`timestamp ${JSON.stringify(value)}: not epoch milliseconds (between years 2000 and 2200)`);
  }
  return value;
}

/** Splits `a=1 b="two words"` into pairs, in order. */
function pairs(text: string): [string, string][] {
  const found: [string, string][] = [];
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at])) at++;
  };
  skipSpace();
  while (at < text.length) {
    const equals = text.indexOf('=', at);
    const space = text.slice(at).search(/\s/);
    if (equals < 0 || (space >= 0 && at + space < equals)) {
      throw new LineProblem(`"${text.slice(at, space < 0 ? undefined : at + space)}" is not key=value`);
    }
    const key = text.slice(at, equals);
    if (key === '') throw new LineProblem('a key=value pair has no key');
    at = equals + 1;
    let value: string;
    if (text[at] === '"') {
      const quoted = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at));
      if (!quoted) throw new LineProblem(`${key}: the quoted value is not closed`);
      try {
        value = JSON.parse(quoted[0]) as string;
      } catch {
        throw new LineProblem(`${key}: the quoted value is not a JSON string`);
      }
      at += quoted[0].length;
      if (at < text.length && !/\s/.test(text[at])) throw new LineProblem(`${key}: expected a space after the quoted value`);
    } else {
      const end = text.slice(at).search(/\s/);
      value = end < 0 ? text.slice(at) : text.slice(at, at + end);
      at += value.length;
    }
    found.push([key, value]);
    skipSpace();
  }
  return found;
}

/** Pairs as a record; a key given twice is a mistake, not an update. */
function record(entries: readonly [string, string][]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (Object.hasOwn(result, key)) throw new LineProblem(`${key} is given twice`);
    result[key] = value;
  }
  return result;
}

function metricDirective(text: string): TrackingUpdate {
  const { step: stepText, timestamp: timeText, ...named } = record(pairs(text));
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(named)) {
    checkName('metric', name);
    metrics[name] = decimal(name, value);
  }
  if (Object.keys(metrics).length === 0) throw new LineProblem('no metric given: expected name=value');
  return {
    metrics,
    ...(stepText === undefined ? {} : { step: step(DECIMAL.test(stepText) ? Number(stepText) : stepText) }),
    ...(timeText === undefined ? {} : { timestamp: timestamp(DECIMAL.test(timeText) ? Number(timeText) : timeText) }),
  };
}

function pairsDirective(kind: 'param' | 'tag', text: string): TrackingUpdate {
  const values = record(pairs(text));
  if (Object.keys(values).length === 0) throw new LineProblem(`no ${kind} given: expected key=value`);
  for (const [key, value] of Object.entries(values)) {
    if (kind === 'param') checkParam(key, value);
    else checkTag(key, value);
  }
  return kind === 'param' ? { params: values } : { tags: values };
}

function directive(name: string, rest: string): TrackingUpdate {
  switch (name) {
    case 'metric':
      return metricDirective(rest);
    case 'param':
      return pairsDirective('param', rest);
    case 'tag':
      return pairsDirective('tag', rest);
    default:
      throw new LineProblem(`unknown directive "mlops:${name}": expected mlops:metric, mlops:param or mlops:tag`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const MLOPS_KEY = /^\{\s*"mlops"\s*:|[,{]\s*"mlops"\s*:\s*\{/;
const JSON_KEYS = new Set(['metrics', 'step', 'timestamp', 'params', 'tags']);

/** Params and tags in JSON may be numbers or booleans too (`{"lr": 0.01}`); they are kept as text. */
function jsonStrings(kind: 'params' | 'tags', value: unknown): Record<string, string> {
  if (!isObject(value)) throw new LineProblem(`"${kind}" must be an object`);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (!['string', 'number', 'boolean'].includes(typeof item)) throw new LineProblem(`${kind}.${key} must be a string, number or boolean`);
      const text = String(item);
      if (kind === 'params') checkParam(key, text);
      else checkTag(key, text);
      return [key, text];
    }),
  );
}

function jsonUpdate(body: unknown): TrackingUpdate {
  if (!isObject(body)) throw new LineProblem('"mlops" must be an object');
  const unknown = Object.keys(body).filter((key) => !JSON_KEYS.has(key));
  if (unknown.length > 0) throw new LineProblem(`unknown key "${unknown[0]}" in "mlops": expected metrics, step, timestamp, params or tags`);
  const update: { -readonly [K in keyof TrackingUpdate]: TrackingUpdate[K] } = {};
  if (body.metrics !== undefined) {
    if (!isObject(body.metrics)) throw new LineProblem('"metrics" must be an object of numbers');
    update.metrics = Object.fromEntries(
      Object.entries(body.metrics).map(([name, value]) => {
        checkName('metric', name);
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new LineProblem(`metrics.${name}: ${JSON.stringify(value)} is not a finite number`);
        checkStorable(`metrics.${name}`, value);
        return [name, value];
      }),
    );
  }
  if (body.step !== undefined) update.step = step(body.step);
  if (body.timestamp !== undefined) update.timestamp = timestamp(body.timestamp);
  if (body.params !== undefined) update.params = jsonStrings('params', body.params);
  if (body.tags !== undefined) update.tags = jsonStrings('tags', body.tags);
  const logged = [update.metrics, update.params, update.tags].some((part) => part !== undefined && Object.keys(part).length > 0);
  if (!logged) throw new LineProblem('nothing to log: give metrics, params or tags');
  if ((update.step !== undefined || update.timestamp !== undefined) && (update.metrics === undefined || Object.keys(update.metrics).length === 0)) {
    throw new LineProblem('step and timestamp need metrics');
  }
  return update;
}

function parseJson(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Python's json.dumps writes NaN and Infinity, which JSON has not: say so rather than drop the line.
    if (MLOPS_KEY.test(text)) throw new LineProblem('not valid JSON (NaN and Infinity are not JSON numbers)');
    return OUTPUT;
  }
  if (!isObject(value) || !Object.hasOwn(value, 'mlops')) return OUTPUT;
  return { kind: 'tracking', update: jsonUpdate(value.mlops) };
}

/**
 * Reads one line of a command's output (without its line break). Leading and trailing white
 * space is ignored; the directive must start the line.
 */
export function parseMetricLine(line: string): ParsedLine {
  const text = line.trim();
  try {
    const match = DIRECTIVE.exec(text);
    if (match) return { kind: 'tracking', update: directive(match[1], match[2]) };
    if (text.startsWith('{') && text.endsWith('}')) return parseJson(text);
    return OUTPUT;
  } catch (error) {
    if (error instanceof LineProblem) return { kind: 'malformed', problem: error.message };
    throw error;
  }
}
