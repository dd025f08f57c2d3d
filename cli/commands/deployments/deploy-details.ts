import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange } from '../../../lambda/deployments/core/model';
import { formatDate, formatDuration } from '../../render/format';
import { renderFields, renderTable } from '../../render/table';

/** Human renderings of deployments: their fields, lists, history and the line `deploy ... --wait` redraws. */

const imageText = (revision: DeploymentRevision | undefined) => (revision ? `${revision.image.name}:${revision.image.version}` : '-');

const modelsText = (revision: DeploymentRevision) => revision.image.models.map((model) => `${model.name} v${model.version}`).join(', ');

/** What the deployment runs on, and what that costs while nobody calls it. */
export function computeText({ compute }: Pick<DeploymentRecord, 'compute'>): string {
  return compute.kind === 'serverless'
    ? `serverless, ${compute.memoryMb / 1024} GB, up to ${compute.maxConcurrency} requests at once: billed per request, nothing while idle`
    : `${compute.count} x ${compute.instanceType}: billed by the hour while the deployment exists, idle or not`;
}

export function strategyText({ strategy }: Pick<DeploymentRecord, 'strategy'>): string {
  switch (strategy.kind) {
    case 'all-at-once':
      return `all at once, then ${strategy.bakeMinutes}m of bake`;
    case 'canary':
      return `canary: ${strategy.percent}% for ${strategy.bakeMinutes}m, then the rest, baked ${strategy.bakeMinutes}m`;
    case 'linear':
      return `linear: ${strategy.stepPercent}% more every ${strategy.intervalMinutes}m`;
  }
}

const alarmsText = ({ alarms }: Pick<DeploymentRecord, 'alarms'>) =>
  `roll back when the new version's 5xx share passes ${alarms.errorRatePercent}% or its p99 model latency ${alarms.latencyP99Ms} ms`;

/** Where requests go now, as far as the platform knows it: SageMaker shifts a blue/green rollout's traffic itself. */
export function trafficText(record: DeploymentRecord, now: number): string | undefined {
  const { pending, current } = record;
  if (!pending) return current ? `100% ${imageText(current)} (revision ${current.revision})` : undefined;
  if (!current) return `none yet: revision ${pending.revision} (${imageText(pending)}) is being created`;
  if (pending.rollout.runBy === 'sagemaker') {
    return `SageMaker shifts it from ${imageText(current)} to ${imageText(pending)} by the strategy, rolling back on an alarm`;
  }
  if (pending.bakeUntil === undefined) return `100% ${imageText(current)} while SageMaker starts ${imageText(pending)}`;
  const left = Date.parse(pending.bakeUntil) - now;
  return `100% ${imageText(pending)} (revision ${pending.revision}), baking${left > 0 ? ` for ${formatDuration(left)} more` : ''}: an alarm sends it back to ${imageText(current)}`;
}

/** The versions a rollback took off the deployment, and what following does about them. */
function rolledBackText(record: DeploymentRecord): string | undefined {
  const versions = record.rolledBackVersions ?? [];
  const image = (record.current ?? record.pending)?.image.name;
  if (versions.length === 0 || !image) return undefined;
  const listed = versions.map((version) => `${image}:${version}`).join(', ');
  return record.follow
    ? `${listed}: following ${record.follow.model}@${record.follow.alias} passes over ${versions.length === 1 ? 'it' : 'them'} (deploy update --version N rolls one out anyway)`
    : listed;
}

/** `deploy status`: the deployment's fields, then what is being rolled out. */
export function renderDeployment(record: DeploymentRecord, now: number): string[] {
  const { current, pending, previous } = record;
  return [
    `deployment ${record.name}  ${record.status}`,
    renderFields([
      ['endpoint', record.endpoint],
      ['serving', current ? `${imageText(current)} (${modelsText(current)}), revision ${current.revision}, since ${formatDate(current.startedAt)}` : undefined],
      [
        'rolling out',
        pending ? `${imageText(pending)} (${modelsText(pending)}), revision ${pending.revision}, started ${formatDate(pending.startedAt)}` : undefined,
      ],
      ['traffic', trafficText(record, now)],
      ['follows', record.follow ? `${record.follow.model}@${record.follow.alias}: a move rolls its version's image out` : undefined],
      ['compute', computeText(record)],
      ['strategy', strategyText(record)],
      ['alarms', alarmsText(record)],
      ['rollback to', previous ? `${imageText(previous)}, revision ${previous.revision}` : undefined],
      ['rolled back', rolledBackText(record)],
      ['reason', record.reason],
      ['created', `${formatDate(record.createdAt)}${record.createdBy ? ` by ${record.createdBy}` : ''}`],
      ['updated', formatDate(record.updatedAt)],
    ]),
  ];
}

/** `deploy list`: every deployment, what it serves and what it is rolling out. */
export function renderDeployments(records: readonly DeploymentRecord[]): string {
  return renderTable<DeploymentRecord>(
    [
      { header: 'name', value: (row) => row.name },
      { header: 'status', value: (row) => row.status },
      { header: 'serving', value: (row) => imageText(row.current) },
      { header: 'rolling out', value: (row) => imageText(row.pending) },
      {
        header: 'compute',
        value: (row) =>
          row.compute.kind === 'serverless' ? `serverless ${row.compute.memoryMb / 1024} GB` : `${row.compute.count} x ${row.compute.instanceType}`,
      },
      { header: 'follows', value: (row) => (row.follow ? `${row.follow.model}@${row.follow.alias}` : '-') },
      { header: 'updated', value: (row) => formatDate(row.updatedAt) },
    ],
    records,
  );
}

/** `deploy history`: the state changes as given (newest first). */
export function renderHistory(changes: readonly DeploymentStateChange[]): string {
  return renderTable<DeploymentStateChange>(
    [
      { header: 'at', value: (row) => formatDate(row.at) },
      { header: 'revision', value: (row) => row.revision, align: 'right' },
      { header: 'change', value: (row) => `${row.from ?? '-'} -> ${row.to}` },
      { header: 'image', value: (row) => `${row.image.name}:${row.image.version}` },
      { header: 'by', value: (row) => row.by ?? '-' },
      { header: 'reason', value: (row) => row.reason },
    ],
    changes,
  );
}

/** The line `--wait` keeps up to date: `churn-live  UPDATING  revision 2 churn-scorer:5  elapsed 1m 05s`. */
export function renderProgress(record: DeploymentRecord, since: number, now: number): string {
  const moving = record.pending ?? record.current;
  return `${record.name}  ${record.status}${moving ? `  revision ${moving.revision} ${imageText(moving)}` : ''}  elapsed ${formatDuration(now - since)}`;
}
