import type { RunRecord } from '../../lambda/experiments/core/model';
import type { ModelVersionRecord } from '../../lambda/registry/core/model';

/** Whether higher (`max`) or lower (`min`) values of a metric are better. */
export type CompareMode = 'max' | 'min';

const LOWER_IS_BETTER = /loss|error|mse|mae/i;

/** `min` for losses and errors (`val_loss`, `rmse`, `mae`, `error_rate`), `max` for the rest. */
export const defaultMode = (metric: string): CompareMode => (LOWER_IS_BETTER.test(metric) ? 'min' : 'max');

/** Whether `a` beats `b` under `mode`. */
const better = (mode: CompareMode, a: number, b: number) => (mode === 'max' ? a > b : a < b);

/** The names shared by every record, in name order. */
function shared(records: readonly Readonly<Record<string, unknown>>[]): string[] {
  if (records.length === 0) return [];
  return Object.keys(records[0])
    .filter((key) => records.every((record) => Object.hasOwn(record, key)))
    .sort((a, b) => a.localeCompare(b));
}

/** The names any record has, in name order. */
export const allNames = (records: readonly Readonly<Record<string, unknown>>[]): string[] =>
  [...new Set(records.flatMap((record) => Object.keys(record)))].sort((a, b) => a.localeCompare(b));

// Runs side by side

export interface BestRun {
  readonly runId: string;
  readonly runName: string;
  readonly value: number;
}

export interface RunComparison {
  readonly runIds: readonly string[];
  /** The metric the best run is chosen by; absent when the runs share none and none was asked for. */
  readonly metric?: string;
  readonly mode: CompareMode;
  /** The best run by `metric`, several on a tie; empty when no run has the metric. */
  readonly best: readonly BestRun[];
  /** Params whose values are not the same in every run (a missing param counts as different). */
  readonly differingParams: Readonly<Record<string, readonly (string | null)[]>>;
  readonly equalParams: number;
  /** Every metric's last value per run, in run order; null where a run lacks it. */
  readonly metrics: Readonly<Record<string, readonly (number | null)[]>>;
}

/** A record's own value for a caller's key: a param or metric named `constructor` is not the prototype's. */
const own = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

/**
 * Runs side by side: the params that differ, every metric's last value, and the best run by `metric`
 * (default: the first, by name, that every run has), judged by `mode` (default: `defaultMode(metric)`).
 */
export function compareRuns(runs: readonly RunRecord[], options: { metric?: string; mode?: CompareMode } = {}): RunComparison {
  const paramNames = allNames(runs.map((run) => run.params));
  const differing = paramNames.filter((name) => new Set(runs.map((run) => own(run.params, name) ?? null)).size > 1);
  const metricNames = allNames(runs.map((run) => run.metrics));
  const metric = options.metric ?? shared(runs.map((run) => run.metrics))[0];
  const mode = options.mode ?? (metric ? defaultMode(metric) : 'max');
  let best: BestRun[] = [];
  if (metric) {
    for (const run of runs) {
      const value = own(run.metrics, metric)?.last;
      if (value === undefined) continue;
      const candidate = { runId: run.runId, runName: run.runName, value };
      if (best.length === 0 || better(mode, value, best[0].value)) best = [candidate];
      else if (value === best[0].value) best.push(candidate);
    }
  }
  return {
    runIds: runs.map((run) => run.runId),
    ...(metric ? { metric } : {}),
    mode,
    best,
    differingParams: Object.fromEntries(differing.map((name) => [name, runs.map((run) => own(run.params, name) ?? null)])),
    equalParams: paramNames.length - differing.length,
    metrics: Object.fromEntries(metricNames.map((name) => [name, runs.map((run) => own(run.metrics, name)?.last ?? null)])),
  };
}

// A model version against its earlier versions and an alias

export type ModelVerdict =
  /** The candidate is better, worse or as good as the aliased version on the metric. */
  | { readonly result: 'better' | 'worse' | 'equal'; readonly candidateValue: number; readonly aliasValue: number; readonly difference: number }
  /** The alias points at the candidate already. */
  | { readonly result: 'same-version' }
  /** No alias to compare with. */
  | { readonly result: 'no-alias' }
  /** The candidate or the aliased version lacks the metric. */
  | { readonly result: 'unknown'; readonly missingFrom: readonly number[] };

export interface ModelComparison {
  readonly model: string;
  readonly candidate: number;
  /** The alias compared with and the version it points to; absent when there is none. */
  readonly alias?: { readonly name: string; readonly version: number };
  readonly metric?: string;
  readonly mode: CompareMode;
  /** The versions compared, newest first: the candidate, earlier ones, and the aliased one. */
  readonly versions: readonly {
    readonly version: number;
    readonly aliases: readonly string[];
    readonly createdAt: string;
    readonly metrics: Readonly<Record<string, number>>;
  }[];
  readonly verdict: ModelVerdict;
}

export interface ModelComparisonInput {
  readonly candidate: ModelVersionRecord;
  readonly earlier: readonly ModelVersionRecord[];
  readonly alias?: { readonly name: string; readonly version: ModelVersionRecord };
  readonly aliases: Readonly<Record<string, number>>;
  readonly metric?: string;
  readonly mode?: CompareMode;
}

/**
 * A model version against earlier versions and the version an alias points to: whether it is
 * better, worse or as good on `metric` (default: the first it shares with the aliased version, else
 * with an earlier one), or why that cannot be told.
 */
export function compareModelVersions(input: ModelComparisonInput): ModelComparison {
  const { candidate, alias } = input;
  const byVersion = new Map<number, ModelVersionRecord>(
    [candidate, ...input.earlier, ...(alias ? [alias.version] : [])].map((record) => [record.version, record]),
  );
  const versions = [...byVersion.values()].sort((a, b) => b.version - a.version);
  const metric =
    input.metric ??
    shared([candidate.metrics, alias?.version.metrics ?? {}])[0] ??
    input.earlier.map((record) => shared([candidate.metrics, record.metrics])[0]).find((name) => name !== undefined) ??
    Object.keys(candidate.metrics).sort((a, b) => a.localeCompare(b))[0];
  const mode = input.mode ?? (metric ? defaultMode(metric) : 'max');
  const aliasesOf = (version: number) =>
    Object.entries(input.aliases)
      .filter(([, target]) => target === version)
      .map(([name]) => name)
      .sort();
  let verdictValue: ModelVerdict;
  if (!alias) verdictValue = { result: 'no-alias' };
  else if (alias.version.version === candidate.version) verdictValue = { result: 'same-version' };
  else {
    const candidateValue = metric === undefined ? undefined : own(candidate.metrics, metric);
    const aliasValue = metric === undefined ? undefined : own(alias.version.metrics, metric);
    if (candidateValue === undefined || aliasValue === undefined) {
      const missingFrom = [candidate, alias.version]
        .filter((record) => metric === undefined || own(record.metrics, metric) === undefined)
        .map((record) => record.version);
      verdictValue = { result: 'unknown', missingFrom };
    } else {
      const result = candidateValue === aliasValue ? 'equal' : better(mode, candidateValue, aliasValue) ? 'better' : 'worse';
      verdictValue = { result, candidateValue, aliasValue, difference: candidateValue - aliasValue };
    }
  }
  return {
    model: candidate.name,
    candidate: candidate.version,
    ...(alias ? { alias: { name: alias.name, version: alias.version.version } } : {}),
    ...(metric ? { metric } : {}),
    mode,
    versions: versions.map((record) => ({ version: record.version, aliases: aliasesOf(record.version), createdAt: record.createdAt, metrics: record.metrics })),
    verdict: verdictValue,
  };
}
