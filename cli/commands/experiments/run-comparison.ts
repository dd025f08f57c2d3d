import type { RunRecord } from '../../../lambda/experiments/core/model';
import type { ModelVersionRecord } from '../../../lambda/registry/core/model';
import { alignDecimals, formatDate, formatNumber } from '../../render/format';
import { renderGrid, renderTable } from '../../render/table';

/** Whether higher (`max`) or lower (`min`) values of a metric are better. */
export type CompareMode = 'max' | 'min';

const LOWER_IS_BETTER = /loss|error|mse|mae/i;

/** `min` for losses and errors (`val_loss`, `rmse`, `mae`, `error_rate`), `max` for the rest. */
export const defaultMode = (metric: string): CompareMode => (LOWER_IS_BETTER.test(metric) ? 'min' : 'max');

const better = (mode: CompareMode, a: number, b: number) => (mode === 'max' ? a > b : a < b);
const modeText = (mode: CompareMode) => (mode === 'max' ? 'higher is better' : 'lower is better');
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The names shared by every record, in name order. */
function shared(records: readonly Readonly<Record<string, unknown>>[]): string[] {
  if (records.length === 0) return [];
  return Object.keys(records[0])
    .filter((key) => records.every((record) => Object.hasOwn(record, key)))
    .sort((a, b) => a.localeCompare(b));
}

const union = (records: readonly Readonly<Record<string, unknown>>[]): string[] =>
  [...new Set(records.flatMap((record) => Object.keys(record)))].sort((a, b) => a.localeCompare(b));

// ---------------------------------------------------------------------------------------------
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

export function compareRuns(runs: readonly RunRecord[], options: { metric?: string; mode?: CompareMode } = {}): RunComparison {
  const paramNames = union(runs.map((run) => run.params));
  const differing = paramNames.filter((name) => new Set(runs.map((run) => own(run.params, name) ?? null)).size > 1);
  const metricNames = union(runs.map((run) => run.metrics));
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

/** Column headings for the runs: their names, with the run number where names repeat. */
function runHeadings(runs: readonly RunRecord[]): string[] {
  const names = runs.map((run) => run.runName);
  return runs.map((run) => (names.filter((name) => name === run.runName).length > 1 ? `${run.runName} #${run.runNumber}` : run.runName));
}

function verdict(comparison: RunComparison, runCount: number): string {
  const { metric, mode, best } = comparison;
  if (!metric) return 'the runs share no metric to pick the best by: name one with --metric';
  if (best.length === 0) return `no run has the metric ${metric}`;
  const missing = runCount - comparison.metrics[metric].filter((value) => value !== null).length;
  const without = missing > 0 ? ` (${plural(missing, 'run')} without it left out)` : '';
  const value = formatNumber(best[0].value);
  if (best.length > 1)
    return `best by ${metric} (${modeText(mode)}): a tie at ${value} between ${best.map((run) => `${run.runName} (${run.runId})`).join(', ')}${without}`;
  return `best by ${metric} (${modeText(mode)}): ${best[0].runName} (${best[0].runId}) with ${value}${without}`;
}

/** Runs as columns: who they are, the params that differ, every metric's last value (the best marked `*`), then the verdict. */
export function renderRunComparison(runs: readonly RunRecord[], comparison: RunComparison): string[] {
  const headings = runHeadings(runs);
  const left = (count: number) => Array<'left'>(count).fill('left');
  const right = (count: number) => Array<'right'>(count).fill('right');
  const identity = renderGrid(
    [
      ['', ...headings],
      ['id', ...runs.map((run) => run.runId)],
      ['status', ...runs.map((run) => run.status)],
      ['started', ...runs.map((run) => formatDate(run.startTime))],
    ],
    left(runs.length + 1),
  );
  const differing = Object.entries(comparison.differingParams);
  const params =
    differing.length === 0
      ? undefined
      : renderGrid([['PARAMETER', ...headings], ...differing.map(([name, values]) => [name, ...values.map((value) => value ?? '-')])], left(runs.length + 1));
  const sameParams =
    comparison.equalParams + differing.length === 0
      ? 'no params logged'
      : `${plural(comparison.equalParams, 'param')} equal in every run${differing.length === 0 ? ', none differs' : ''}`;
  const bestIds = new Set(comparison.best.map((run) => run.runId));
  const metricRows = Object.entries(comparison.metrics).map(([name, values]) => [
    name,
    ...values.map((value, index) => {
      if (value === null) return '- ';
      return `${formatNumber(value)}${name === comparison.metric && bestIds.has(runs[index].runId) ? '*' : ' '}`;
    }),
  ]);
  const metrics =
    metricRows.length === 0
      ? 'no metrics logged'
      : renderGrid([['LAST METRIC', ...headings.map((heading) => `${heading} `)], ...metricRows], ['left', ...right(runs.length)]);
  return [identity, params, sameParams, metrics, verdict(comparison, runs.length)].filter((block): block is string => block !== undefined);
}

// ---------------------------------------------------------------------------------------------
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

const signed = (value: number) => (value > 0 ? `+${formatNumber(value)}` : formatNumber(value));

function modelVerdictText(comparison: ModelComparison, requestedAlias: string): string {
  const { verdict: result, candidate, alias, metric, mode } = comparison;
  const subject = `version ${candidate}`;
  const target = alias ? `${alias.name} (version ${alias.version})` : '';
  switch (result.result) {
    case 'no-alias':
      return `no alias ${requestedAlias} on ${comparison.model}: ${subject} is compared with earlier versions only`;
    case 'same-version':
      return `${alias!.name} points at ${subject} already`;
    case 'unknown':
      if (metric === undefined) return `cannot tell whether ${subject} is better than ${target}: ${subject} has no metrics`;
      return `cannot tell whether ${subject} is better than ${target}: ${result.missingFrom.map((version) => `version ${version}`).join(' and ')} ${result.missingFrom.length > 1 ? 'have' : 'has'} no metric ${metric}`;
    case 'equal':
      return `${subject} is AS GOOD AS ${target} on ${metric}: both ${formatNumber(result.candidateValue)}`;
    default: {
      const word = result.result === 'better' ? 'BETTER' : 'WORSE';
      return `${subject} is ${word} than ${target} on ${metric} (${modeText(mode)}): ${formatNumber(result.candidateValue)} against ${formatNumber(result.aliasValue)} (${signed(result.difference)})`;
    }
  }
}

/** Metric columns the versions table shows at most, the compared one first. */
const MODEL_METRIC_COLUMNS = 5;

export function renderModelComparison(comparison: ModelComparison, requestedAlias: string): string[] {
  const { metric } = comparison;
  const others = union(comparison.versions.map((version) => version.metrics)).filter((name) => name !== metric);
  const metricNames = [...(metric ? [metric] : []), ...others].slice(0, MODEL_METRIC_COLUMNS);
  type Row = ModelComparison['versions'][number];
  // Per column, numbers with their decimal points lined up; the compared version's value marked `*`.
  const cells = new Map(
    metricNames.map((name) => {
      const present = comparison.versions.filter((row) => row.metrics[name] !== undefined);
      const aligned = alignDecimals(present.map((row) => row.metrics[name]));
      const byVersion = new Map(present.map((row, index) => [row.version, aligned[index]]));
      return [
        name,
        (row: Row) => {
          const text = byVersion.get(row.version);
          if (text === undefined) return '- ';
          return `${text}${name === metric && row.version === comparison.candidate ? '*' : ' '}`;
        },
      ];
    }),
  );
  const values = (row: Row, name: string) => cells.get(name)!(row);
  const against = comparison.alias ? ` against ${comparison.alias.name} (version ${comparison.alias.version})` : '';
  const earlier = comparison.versions.filter((row) => row.version < comparison.candidate && row.version !== comparison.alias?.version).length;
  const title = `${comparison.model} version ${comparison.candidate}${against}${earlier > 0 ? ` and ${plural(earlier, 'earlier version')}` : ''}${
    metric ? `, on ${metric} (${modeText(comparison.mode)})` : ''
  }`;
  const table = renderTable<Row>(
    [
      { header: 'version', value: (row) => row.version, align: 'right' },
      { header: 'aliases', value: (row) => row.aliases.join(',') || '-' },
      { header: 'created', value: (row) => formatDate(row.createdAt) },
      ...metricNames.map((name) => ({ header: `${name} `, value: (row: Row) => values(row, name), align: 'right' as const })),
    ],
    comparison.versions,
  );
  return [title, table, modelVerdictText(comparison, requestedAlias)];
}
