import { allNames, type CompareMode, type ModelComparison, type RunComparison } from '../../../client/experiments/compare-runs';
import type { RunRecord } from '../../../lambda/experiments/core/model';
import { alignDecimals, formatDate, formatNumber } from '../../render/format';
import { renderGrid, renderTable } from '../../render/table';

const modeText = (mode: CompareMode) => (mode === 'max' ? 'higher is better' : 'lower is better');
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

// ---------------------------------------------------------------------------------------------
// Runs side by side

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
  const others = allNames(comparison.versions.map((version) => version.metrics)).filter((name) => name !== metric);
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
