import type { DeploymentTraffic, RevisionTraffic } from '../../../lambda/deployments/core/deployment-traffic';
import type { CheckRecord } from '../../../lambda/monitoring/core/model';
import { formatDate, formatNumber, plural } from '../../render/format';
import { sparkline } from '../../render/sparkline';
import { renderTable } from '../../render/table';

/** `deploy status`'s traffic: a chart of requests per hour, the totals, each revision's figures, the latest drift verdict. */

const sum = (values: readonly (number | undefined)[]) => values.reduce<number>((total, value) => total + (value ?? 0), 0);
const ms = (value: number | undefined) => (value === undefined ? '-' : `${formatNumber(Math.round(value * 10) / 10)} ms`);

export function renderTraffic(traffic: DeploymentTraffic, width: number): string {
  const requests = traffic.hours.map((hour) => hour.requests);
  const total = sum(requests);
  const invocations = sum(traffic.hours.map((hour) => hour.invocations));
  const errors = sum(traffic.hours.map((hour) => hour.errors5xx));
  const worstP99 = Math.max(...traffic.hours.map((hour) => hour.latencyP99Ms ?? Number.NEGATIVE_INFINITY));
  const anonymous = traffic.anonymousRequests > 0 ? ` (${plural(traffic.anonymousRequests, 'request')} named no caller)` : '';
  const lines = [
    `traffic over the last ${traffic.hours.length} hours, this one included (requests per hour, from the capture)`,
    `  ${total === 0 ? '(none)' : sparkline(requests, Math.max(10, Math.min(width - 4, 72)))}`,
    `  ${plural(total, 'request')}, ${plural(traffic.callers, 'caller')}${anonymous}; latest hour ${requests.at(-1) ?? 0}`,
    `  CloudWatch: ${plural(invocations, 'invocation')}, ${errors} answered 5xx${invocations > 0 ? ` (${formatNumber(Math.round((errors / invocations) * 1000) / 10)}%)` : ''}, model latency p99 ${Number.isFinite(worstP99) ? `${ms(worstP99)} in the worst hour` : '-'}`,
  ];
  if (traffic.captureTruncated) lines.push('  (the capture was larger than one query reads: requests and callers count its newest part)');
  return `${lines.join('\n')}\n`;
}

export function renderRevisionTraffic(revisions: readonly RevisionTraffic[]): string {
  return renderTable<RevisionTraffic>(
    [
      { header: 'revision', value: (row) => row.revision, align: 'right' },
      { header: 'image', value: (row) => `${row.image.name}:${row.image.version}` },
      { header: 'models', value: (row) => row.models.map((model) => `${model.name} v${model.version}`).join(', ') },
      { header: 'invocations', value: (row) => row.invocations, align: 'right' },
      { header: '5xx', value: (row) => row.errors5xx, align: 'right' },
      { header: 'p99', value: (row) => ms(row.latencyP99Ms), align: 'right' },
    ],
    [...revisions].reverse(),
  );
}

/** The deployment monitor's latest verdict, or why there is none. */
export function renderDriftVerdict(check: CheckRecord | undefined): string {
  if (!check) {
    return 'drift     no check yet: its monitor checks each hour (mlops monitor list); without a baseline for the model version it has none (mlops monitor baseline)\n';
  }
  const verdict =
    check.status === 'drift' ? `DRIFT in ${check.driftedFeatures.join(', ')}` : check.status === 'no_drift' ? 'no drift' : 'too few records for a verdict';
  return `drift     ${verdict}: the window to ${formatDate(check.windowEnd)}, ${plural(check.records, 'record')}, drift share ${formatNumber(check.driftShare)} (mlops monitor status ${check.monitor})\n`;
}
