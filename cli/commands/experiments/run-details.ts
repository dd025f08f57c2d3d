import type { MetricSummary, RunRecord, StoredPoint } from '../../../lambda/experiments/core/model';
import { alignDecimals, formatDate, formatDuration, formatNumber } from '../../render/format';
import { printable } from '../../render/printable';
import { sparkline } from '../../render/sparkline';
import { type Column, renderFields, renderTable } from '../../render/table';

/** Each metric's logged values, by metric name; a metric without one is charted as empty. */
export type MetricHistories = ReadonlyMap<string, readonly StoredPoint[]>;

export interface RunViewOptions {
  /** Epoch milliseconds: elapsed times of running runs are measured to it. */
  readonly now: number;
  /** The terminal width the charts fill. */
  readonly columns: number;
}

/** Charts are no narrower than this, however wide the numbers. */
const MIN_CHART = 8;
const MAX_CHART = 120;

/** How long the run ran, or has been running. */
export function runDurationMs(run: RunRecord, now: number): number {
  const end = run.endTime ? Date.parse(run.endTime) : now;
  return end - Date.parse(run.startTime);
}

/** `FAILED (exit code 1)`. */
export const statusText = (run: RunRecord): string => (run.reason ? `${run.status} (${run.reason})` : run.status);

const width = (text: string) => Math.max(0, ...text.split('\n').map((line) => [...line].length));

interface MetricRow {
  readonly name: string;
  readonly summary: MetricSummary;
  /** The numbers as shown, decimal points lined up down each column. */
  readonly last: string;
  readonly min: string;
  readonly max: string;
}

/**
 * The run's metrics: last value, lowest, highest, the last step and the number of points, and a
 * sparkline of the history filling what the terminal leaves. Metrics in name order.
 */
export function renderMetricsTable(run: RunRecord, histories: MetricHistories, columns: number): string | undefined {
  const metrics = Object.entries(run.metrics).sort(([a], [b]) => a.localeCompare(b));
  if (metrics.length === 0) return undefined;
  const aligned = (pick: (summary: MetricSummary) => number) => alignDecimals(metrics.map(([, summary]) => pick(summary)));
  const [last, min, max] = [aligned((s) => s.last), aligned((s) => s.min), aligned((s) => s.max)];
  const rows: MetricRow[] = metrics.map(([name, summary], index) => ({ name, summary, last: last[index], min: min[index], max: max[index] }));
  const numbers: Column<MetricRow>[] = [
    { header: 'metric', value: (row) => row.name },
    { header: 'last', value: (row) => row.last, align: 'right' },
    { header: 'min', value: (row) => row.min, align: 'right' },
    { header: 'max', value: (row) => row.max, align: 'right' },
    { header: 'step', value: (row) => row.summary.lastStep, align: 'right' },
    { header: 'points', value: (row) => row.summary.count, align: 'right' },
  ];
  const chartWidth = Math.min(MAX_CHART, Math.max(MIN_CHART, columns - width(renderTable(numbers, rows)) - 3));
  const chart = (row: MetricRow) =>
    sparkline(
      (histories.get(row.name) ?? []).map((point) => point.value),
      chartWidth,
    );
  return renderTable([...numbers, { header: 'history', value: chart }], rows);
}

function keyValues(header: string, record: Readonly<Record<string, string>>): string | undefined {
  const rows = Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return undefined;
  return renderTable<[string, string]>(
    [
      { header, value: ([key]) => key },
      { header: 'value', value: ([, value]) => value },
    ],
    rows,
  );
}

/** One run in blocks: what and when, then metrics with their charts, params and tags. */
export function renderRunDetails(run: RunRecord, histories: MetricHistories, options: RunViewOptions): string[] {
  return [
    `${run.runName} (run ${run.runNumber} of experiment ${run.experiment})`,
    renderFields([
      ['id', run.runId],
      ['status', statusText(run)],
      ['started', `${formatDate(run.startTime)}${run.createdBy ? ` by ${run.createdBy}` : ''}`],
      ['ended', run.endTime ? formatDate(run.endTime) : undefined],
      [run.endTime ? 'duration' : 'running for', formatDuration(runDurationMs(run, options.now))],
      ['last heartbeat', run.status === 'RUNNING' || run.status === 'CRASHED' ? formatDate(run.heartbeatAt) : undefined],
      ['git commit', run.gitCommit],
      ['command', run.command],
      ['description', run.description],
      ['registered', run.registeredVersions.length > 0 ? run.registeredVersions.join(', ') : undefined],
    ]),
    renderMetricsTable(run, histories, options.columns) ?? 'no metrics logged',
    keyValues('param', run.params),
    keyValues('tag', run.tags),
  ].filter((block): block is string => block !== undefined);
}

/** The live view of `run watch`: where the run is, which run it is, then the metrics table with charts. */
export function renderRunWatch(run: RunRecord, histories: MetricHistories, options: RunViewOptions): string {
  const steps = Object.values(run.metrics).map((summary) => summary.lastStep);
  const status = [
    run.runName,
    statusText(run),
    `${run.endTime ? 'ran' : 'elapsed'} ${formatDuration(runDurationMs(run, options.now))}`,
    ...(steps.length > 0 ? [`step ${Math.max(...steps)}`] : []),
  ].join('  ');
  const table = renderMetricsTable(run, histories, options.columns) ?? 'no metrics logged yet\n';
  // Written straight to the terminal (redrawn in place), not through writeBlocks: the run's name and reason print as escapes here.
  return `${printable(status)}\nrun ${run.runId} of experiment ${run.experiment}\n\n${table}`;
}

/** A metric's last value for a table cell; `-` when the run has none. */
export const lastValue = (run: RunRecord, metric: string): string => {
  const summary = run.metrics[metric];
  return summary ? formatNumber(summary.last) : '-';
};
