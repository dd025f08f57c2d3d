import { buildProgress } from '../../../client/images/images-client';
import type { ImageVersionRecord, ModelPackageRecord, ScanSummary, ServedModel, Severity } from '../../../lambda/images/core/model';
import type { ImageSummary } from '../../../lambda/images/core/query-images';
import { formatDate, formatDuration } from '../../render/format';
import { renderFields, renderTable } from '../../render/table';

/** The human output of the `image` commands: versions, their builds, scans and SageMaker packages. */

const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];

/** Served models shown in a table cell before `+N`. */
const SHOWN_MODELS = 3;

export const imageLabel = (image: Pick<ImageVersionRecord, 'name' | 'version'>): string => `${image.name} version ${image.version}`;

/** `churn@production → 3` when the version was pinned from an alias, else `churn:3`. */
export const servedText = (model: ServedModel): string =>
  model.requestedAlias ? `${model.name}@${model.requestedAlias} → ${model.version}` : `${model.name}:${model.version}`;

/** `churn@production → 3, fraud:12 +1`. */
export function servedList(models: readonly ServedModel[], limit = Number.POSITIVE_INFINITY): string {
  if (models.length === 0) return '-';
  const more = models.length - limit;
  return `${models.slice(0, limit).map(servedText).join(', ')}${more > 0 ? ` +${more}` : ''}`;
}

/** `COMPLETE: 1 critical, 2 high`; `COMPLETE: no findings`; the status alone when nothing was scanned. */
export function scanText(scan: ScanSummary | undefined): string | undefined {
  if (!scan) return undefined;
  const found = SEVERITIES.filter((severity) => (scan.findings[severity] ?? 0) > 0).map((severity) => `${scan.findings[severity]} ${severity.toLowerCase()}`);
  if (scan.status !== 'COMPLETE' && found.length === 0) return scan.status;
  return `${scan.status}: ${found.length > 0 ? found.join(', ') : 'no findings'}`;
}

/** `PRE_BUILD 6/11`, or what the build is waiting for. */
export function phaseText(image: ImageVersionRecord): string {
  const progress = buildProgress(image);
  if (!progress) return 'waiting for the build to start';
  return progress.step > 0 ? `${progress.phase} ${progress.step}/${progress.phases}` : progress.phase;
}

/** `BUILDING (PRE_BUILD 6/11)`, `READY`, `FAILED`. */
export const statusText = (image: ImageVersionRecord): string => (image.status === 'BUILDING' ? `BUILDING (${phaseText(image)})` : image.status);

/** `sha256:9f86d081884c7d65...` -> `9f86d081884c`. */
export const shortImageDigest = (digest: string | undefined): string => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '-');

/** From registration to the build's end, or to `now` while it runs. */
export function buildDurationMs(image: ImageVersionRecord, now: number): number {
  const end = image.build?.endedAt ? Date.parse(image.build.endedAt) : now;
  return end - Date.parse(image.createdAt);
}

export function renderPackages(packages: readonly ModelPackageRecord[] | undefined): string {
  if (packages === undefined) return 'no SageMaker model packages yet: they are created once the image is READY';
  if (packages.length === 0) return 'no SageMaker model packages';
  return renderTable<ModelPackageRecord>(
    [
      { header: 'model', value: (row) => `${row.model}:${row.modelVersion}` },
      { header: 'package group', value: (row) => row.groupName },
      { header: 'approval', value: (row) => row.approvalStatus },
      { header: 'arn', value: (row) => row.arn },
      { header: 'blocked by', value: (row) => row.approvalBlockedBy ?? '-' },
    ],
    packages,
  );
}

function renderModels(models: readonly ServedModel[]): string {
  return renderTable<ServedModel>(
    [
      { header: 'model', value: (row) => row.name },
      { header: 'version', value: (row) => row.version, align: 'right' },
      { header: 'requested as', value: (row) => (row.requestedAlias ? `${row.name}@${row.requestedAlias}` : `${row.name}:${row.version}`) },
      { header: 'artifact', value: (row) => row.artifactUri },
    ],
    models,
  );
}

function renderEnvironment(environment: Readonly<Record<string, string>>): string | undefined {
  const rows = Object.entries(environment).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return undefined;
  return renderTable<[string, string]>(
    [
      { header: 'environment', value: ([name]) => name },
      { header: 'value', value: ([, value]) => value },
    ],
    rows,
  );
}

function sourceFields(image: ImageVersionRecord): [string, string | undefined][] {
  const { source } = image;
  if (source.type === 'external') return [['source', `external image ${source.imageUri}`]];
  return [
    ['base image', source.baseImage],
    ['entry', source.entry ?? "the platform's MLflow entry"],
    ['requirements', source.requirements ?? (source.entry ? 'none' : "the model's requirements.txt")],
    ['build context', source.contextUri],
  ];
}

/** `image show`: the version's fields, then its models, environment and SageMaker packages. */
export function renderImageDetails(image: ImageVersionRecord, now: number): string[] {
  const build = image.build;
  const built = image.source.type === 'build';
  return [
    imageLabel(image),
    renderFields([
      ['status', statusText(image)],
      ['image', image.imageUri],
      ['created', `${formatDate(image.createdAt)}${image.createdBy ? ` by ${image.createdBy}` : ''}`],
      ['updated', formatDate(image.updatedAt)],
      ['description', image.description],
      ...sourceFields(image),
      ['model data', image.modelDataUrl],
      ['build', build?.id],
      [image.status === 'BUILDING' ? 'building for' : 'build took', built && build?.id ? formatDuration(buildDurationMs(image, now)) : undefined],
      ['logs', build?.logsUrl],
      ['failure', build?.failure],
      ['scan', scanText(image.scan)],
      ['critical findings', image.allowCriticalFindings ? 'allowed at registration (a reviewed exception)' : undefined],
    ]),
    renderModels(image.models),
    renderEnvironment(image.environment),
    image.status === 'READY' ? renderPackages(image.modelPackages) : undefined,
  ].filter((block): block is string => block !== undefined);
}

/** `image list`: every image with its newest version. */
export function renderImages(images: readonly ImageSummary[]): string {
  return renderTable<ImageSummary>(
    [
      { header: 'name', value: (row) => row.name },
      { header: 'latest', value: (row) => row.latestVersion, align: 'right' },
      { header: 'status', value: (row) => row.latest?.status ?? '-' },
      { header: 'updated', value: (row) => formatDate(row.latest?.updatedAt ?? row.updatedAt) },
      { header: 'models', value: (row) => (row.latest ? servedList(row.latest.models, SHOWN_MODELS) : '-') },
    ],
    images,
  );
}

/** A count of findings only for a completed scan: an image not scanned has no count, not zero. */
const findings = (image: ImageVersionRecord, severity: Severity) => (image.scan?.status === 'COMPLETE' ? (image.scan.findings[severity] ?? 0) : '-');

/** `image list <name>`: the image's versions as given (newest first). */
export function renderImageVersions(versions: readonly ImageVersionRecord[]): string {
  return renderTable<ImageVersionRecord>(
    [
      { header: 'version', value: (row) => row.version, align: 'right' },
      { header: 'status', value: (row) => row.status },
      { header: 'models', value: (row) => servedList(row.models, SHOWN_MODELS) },
      { header: 'digest', value: (row) => shortImageDigest(row.digest) },
      { header: 'critical', value: (row) => findings(row, 'CRITICAL'), align: 'right' },
      { header: 'high', value: (row) => findings(row, 'HIGH'), align: 'right' },
      { header: 'created', value: (row) => formatDate(row.createdAt) },
    ],
    versions,
  );
}

/** What `image register` made: the version, its status, the pinned models and the build (or the pinned image). */
export function renderRegistration(image: ImageVersionRecord): string[] {
  return [
    `registered ${imageLabel(image)}: ${statusText(image)}`,
    renderFields([
      ['models', servedList(image.models)],
      ['base image', image.source.type === 'build' ? image.source.baseImage : undefined],
      ['build', image.build?.id],
      ['image', image.imageUri],
      ['scan', scanText(image.scan)],
    ]),
    image.status === 'READY' ? renderPackages(image.modelPackages) : undefined,
  ].filter((block): block is string => block !== undefined);
}

/** The line `image wait` keeps up to date: `churn-scorer version 4  PRE_BUILD 6/11  elapsed 2m 05s`. */
export function renderBuildProgress(image: ImageVersionRecord, now: number): string {
  return `${imageLabel(image)}  ${phaseText(image)}  elapsed ${formatDuration(buildDurationMs(image, now))}`;
}

/** How a build ended: READY with the pinned image, its scan and package approvals; FAILED with why and the logs. */
export function renderOutcome(image: ImageVersionRecord, now: number): string[] {
  const took = image.source.type === 'build' && image.build?.id ? ` after ${formatDuration(buildDurationMs(image, now))}` : '';
  if (image.status === 'FAILED') {
    return [
      `${imageLabel(image)} FAILED${took}`,
      renderFields([
        ['failure', image.build?.failure ?? 'the build failed without saying why'],
        ['logs', image.build?.logsUrl ?? 'none recorded'],
        ['build', image.build?.id],
      ]),
    ];
  }
  return [
    `${imageLabel(image)} is ${image.status}${took}`,
    renderFields([
      ['image', image.imageUri],
      ['models', servedList(image.models)],
      ['scan', scanText(image.scan) ?? 'none recorded'],
      ['build', image.build?.id],
    ]),
    renderPackages(image.modelPackages),
  ];
}
