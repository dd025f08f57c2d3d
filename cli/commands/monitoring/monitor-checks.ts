import type { CheckRecord, CheckStatus } from '../../../lambda/monitoring/core/model';
import type { DriftCheckReport } from '../../../lambda/monitoring/core/report/drift-check-report';
import { formatDate, plural } from '../../render/format';
import { sparkline } from '../../render/sparkline';
import { type Column, renderFields, renderTable } from '../../render/table';
import { renderDriftFindings, renderDriftVerdict, sharePercent } from './drift-table';

/** The human output of `monitor status` and `monitor report`: deployed monitors' checks and drift reports. */

const STATUSES: Record<CheckStatus, string> = { drift: 'drift', no_drift: 'no drift', insufficient_data: 'insufficient data' };

/** Drifted features shown in a table cell before `+N`. */
const SHOWN_FEATURES = 3;

const hasVerdict = (check: CheckRecord) => check.status !== 'insufficient_data';

/** `income, plan, score +2`; `-` when none drifted or the check has no verdict. */
function driftedText(check: CheckRecord): string {
  if (!hasVerdict(check) || check.driftedFeatures.length === 0) return '-';
  const more = check.driftedFeatures.length - SHOWN_FEATURES;
  return `${check.driftedFeatures.slice(0, SHOWN_FEATURES).join(', ')}${more > 0 ? ` +${more}` : ''}`;
}

/** The columns a check shows in both tables; a check without a verdict shows no drift share. */
const checkColumns: Column<CheckRecord>[] = [
  { header: 'model', value: (check) => `${check.model}:${check.version}` },
  { header: 'window end', value: (check) => formatDate(check.windowEnd) },
  { header: 'status', value: (check) => STATUSES[check.status] },
  { header: 'records', value: (check) => check.records, align: 'right' },
  { header: 'drift share', value: (check) => (hasVerdict(check) ? sharePercent(check.driftShare) : '-'), align: 'right' },
  { header: 'drifted', value: driftedText },
];

/** Every monitor with its latest check, by monitor name. */
export function renderMonitors(latest: readonly CheckRecord[]): string {
  const rows = [...latest].sort((a, b) => a.monitor.localeCompare(b.monitor));
  return renderTable([{ header: 'monitor', value: (check) => check.monitor }, ...checkColumns], rows);
}

/** A monitor's checks as given (newest first), with the id `monitor report --check` takes. */
export function renderChecks(checks: readonly CheckRecord[]): string {
  return renderTable([{ header: 'check', value: (check) => check.checkId }, ...checkColumns], checks);
}

/** The chart is at most this many characters: one per check beyond that is averaged. */
const TREND_WIDTH = 40;

/**
 * `drift share over 6 checks, oldest first: ▁▁▂▁▅█ (0% to 60%)`, from checks given newest first;
 * checks without a verdict are left out. Undefined with fewer than two checks to chart.
 */
export function renderDriftShareTrend(checks: readonly CheckRecord[]): string | undefined {
  const shares = checks
    .filter(hasVerdict)
    .map((check) => check.driftShare)
    .reverse();
  if (shares.length < 2) return undefined;
  const low = Math.min(...shares);
  const high = Math.max(...shares);
  const range = low === high ? `all ${sharePercent(low)}` : `${sharePercent(low)} to ${sharePercent(high)}`;
  const left = checks.length - shares.length;
  const leftOut = left > 0 ? `; ${left} without enough records left out` : '';
  return `drift share over ${shares.length} checks, oldest first: ${sparkline(shares, TREND_WIDTH)} (${range}${leftOut})`;
}

/** `1840 from 12 capture files (3 outside the window and 1 unreadable, skipped)`. */
function captureText(capture: DriftCheckReport['capture']): string {
  const skipped = [
    ...(capture.outsideWindow > 0 ? [`${capture.outsideWindow} outside the window`] : []),
    ...(capture.unreadable > 0 ? [`${capture.unreadable} unreadable`] : []),
  ];
  return `${capture.records} from ${plural(capture.objects, 'capture file')}${skipped.length > 0 ? ` (${skipped.join(' and ')}, skipped)` : ''}`;
}

/**
 * A stored check's report: which check of what, where its reports are, then the same findings as
 * `monitor check` prints and its verdict; a window with too few records has none.
 */
export function renderDriftReport(check: CheckRecord, report: DriftCheckReport): (string | undefined)[] {
  const { drift } = report;
  const verdict = hasVerdict(check)
    ? renderDriftVerdict(drift)
    : `Dataset drift: no verdict — ${plural(check.records, 'record')} in the window, fewer than the monitor's minimum (the scores above are for information)`;
  return [
    `Drift report: monitor ${report.monitor}, check ${report.checkId}`,
    renderFields([
      ['model', `${report.model.name} version ${report.model.version} (baseline of ${plural(drift.referenceRows, 'row')})`],
      ['window', `${formatDate(report.window.start)} to ${formatDate(report.window.end)}`],
      ['checked', formatDate(report.createdAt)],
      ['records', captureText(report.capture)],
      ['status', STATUSES[check.status]],
      ['json report', check.reportUri],
      ['html report', check.htmlReportUri],
    ]),
    ...renderDriftFindings(drift, 'the window'),
    verdict,
  ];
}
