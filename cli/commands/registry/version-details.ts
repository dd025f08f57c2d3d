import type { ArtifactRecord, DatasetRecord, ModelVersionRecord } from '../../../lambda/registry/core/model';
import { alignDecimals, formatBytes, formatDate } from '../../render/format';
import { renderFields, renderTable } from '../../render/table';

/** A version's artifact as shown: a single object's S3 version, or a directory's file count and manifest. */
export function artifactFields(artifact: ArtifactRecord): [string, string | undefined][] {
  if (artifact.kind === 'directory') {
    return [
      ['artifact', `${artifact.uri} (directory of ${artifact.fileCount} files)`],
      ['size', formatBytes(artifact.sizeBytes)],
      ['sha256', `${artifact.sha256} (of the manifest ${artifact.manifestUri})`],
    ];
  }
  return [
    ['artifact', artifact.uri],
    ['s3 version', artifact.s3VersionId],
    ['size', formatBytes(artifact.sizeBytes)],
    ['sha256', `${artifact.sha256} (${artifact.sha256Source})`],
  ];
}

type Entry<V> = readonly [string, V];

const entries = <V>(record: Readonly<Record<string, V>>): Entry<V>[] => Object.entries(record).sort(([a], [b]) => a.localeCompare(b));

function keyValueTable<V>(keyHeader: string, record: Readonly<Record<string, V>>, align: 'left' | 'right' = 'left'): string | undefined {
  const rows = entries(record);
  if (rows.length === 0) return undefined;
  return renderTable<Entry<V>>(
    [
      { header: keyHeader, value: ([key]) => key },
      { header: 'value', value: ([, value]) => String(value), align },
    ],
    rows,
  );
}

/** Metric values as strings whose decimal points line up when right-aligned. */
function metricsAligned(metrics: Readonly<Record<string, number>>): Record<string, string> {
  const keys = Object.keys(metrics);
  const values = alignDecimals(keys.map((key) => metrics[key]));
  return Object.fromEntries(keys.map((key, index) => [key, values[index]]));
}

/** One version in blocks: what it is, where its artifact is, then metrics, parameters, tags and datasets. */
export function renderVersionDetails(version: ModelVersionRecord, aliases: readonly string[]): string[] {
  const { artifact } = version;
  const datasets =
    version.datasets.length === 0
      ? undefined
      : renderTable<DatasetRecord>(
          [
            { header: 'dataset', value: (row) => row.uri },
            { header: 'role', value: (row) => row.role },
            { header: 'name', value: (row) => row.name ?? '-' },
            { header: 'sha256', value: (row) => row.sha256 ?? '-' },
          ],
          version.datasets,
        );
  return [
    `${version.name} version ${version.version}`,
    renderFields([
      ['aliases', aliases.length > 0 ? aliases.join(', ') : undefined],
      ['created', `${formatDate(version.createdAt)}${version.createdBy ? ` by ${version.createdBy}` : ''}`],
      ['deleted', version.deletedAt && `${formatDate(version.deletedAt)} (kept as the record of what was registered; it takes no alias and no new image)`],
      ['framework', version.framework],
      ['description', version.description],
      ['source run', version.sourceRun ? `${version.sourceRun.runName} in ${version.sourceRun.experiment} (${version.sourceRunId})` : version.sourceRunId],
      ...artifactFields(artifact),
    ]),
    keyValueTable('metric', metricsAligned(version.metrics), 'right'),
    keyValueTable('parameter', version.parameters),
    keyValueTable('tag', version.tags),
    datasets,
  ].filter((block): block is string => block !== undefined);
}
