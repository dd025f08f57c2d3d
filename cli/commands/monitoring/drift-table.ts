import type { DatasetDrift } from '../../../lambda/monitoring/core/drift/dataset-drift';
import { type DriftMethod, isPValueMethod } from '../../../lambda/monitoring/core/drift/drift-policy';
import type { FeatureDrift, MethodScore } from '../../../lambda/monitoring/core/drift/feature-drift';
import type { BaselineProfile, FeatureProfile } from '../../../lambda/monitoring/core/profile/baseline-profile';
import { formatNumber, plural } from '../../render/format';
import { type Column, renderGrid, renderTable } from '../../render/table';

/** The `monitor` commands' human output: a drift check's table, charts and verdict; a baseline's features. */

/** P-values below 1e-3 in scientific notation (`3.21e-45`), anything else to 4 significant digits. */
export function formatScore(method: DriftMethod, score: number): string {
  if (!Number.isFinite(score)) return String(score);
  if (isPValueMethod(method) && score !== 0 && score < 1e-3) return score.toExponential(2);
  return String(Number(score.toPrecision(4)));
}

/** How a method's score is judged: `< 0.05` for p-values, `≥ 0.1` for distances. */
export const formatThreshold = (method: DriftMethod, threshold: number): string => `${isPValueMethod(method) ? '<' : '≥'} ${formatNumber(threshold)}`;

const VERDICTS: Record<FeatureDrift['status'], string> = { drifted: 'drifted', stable: 'ok', no_data: 'no data' };

/** The other-method columns, in this order, blank where a feature type has no such method. */
const METHOD_COLUMNS: readonly (readonly [string, DriftMethod])[] = [
  ['ks p', 'ks'],
  ['psi', 'psi'],
  ['js', 'jensen_shannon'],
  ['wass', 'wasserstein'],
  ['chi2 p', 'chi_square'],
];

const scoreOf = (feature: FeatureDrift, method: DriftMethod): MethodScore | undefined => feature.scores.find((score) => score.method === method);

/** One row per feature: the verdict and the deciding method's score first, then every method's score. */
export function renderDriftTable(drift: DatasetDrift): string {
  const columns: Column<FeatureDrift>[] = [
    { header: '', value: (feature) => (feature.status === 'drifted' ? '*' : '') },
    { header: 'feature', value: (feature) => feature.feature },
    { header: 'type', value: (feature) => feature.kind },
    { header: 'method', value: (feature) => feature.decidedBy },
    {
      header: 'score',
      value: (feature) => {
        const deciding = scoreOf(feature, feature.decidedBy);
        return deciding ? formatScore(deciding.method, deciding.score) : '-';
      },
      align: 'right',
    },
    { header: 'threshold', value: (feature) => formatThreshold(feature.decidedBy, thresholdOf(drift, feature.decidedBy)) },
    { header: 'verdict', value: (feature) => VERDICTS[feature.status] },
    ...METHOD_COLUMNS.map(
      ([header, method]): Column<FeatureDrift> => ({
        header,
        value: (feature) => {
          const score = scoreOf(feature, method);
          return score ? formatScore(method, score.score) : '';
        },
        align: 'right',
      }),
    ),
  ];
  return renderTable(columns, drift.features);
}

/** The threshold a method is judged by, from the check's thresholds (a feature without data has no scores). */
function thresholdOf(drift: DatasetDrift, method: DriftMethod): number {
  const { thresholds } = drift;
  switch (method) {
    case 'ks':
      return thresholds.ksPValue;
    case 'chi_square':
      return thresholds.chiSquarePValue;
    case 'psi':
      return thresholds.psi;
    case 'jensen_shannon':
      return thresholds.jensenShannon;
    case 'wasserstein':
      return thresholds.wasserstein;
  }
}

/** Why features have no verdict: no values on one side, or the column is absent from the current data. */
export function renderNoDataNotes(drift: DatasetDrift, currentLabel: string): string | undefined {
  const lines = drift.features
    .filter((feature) => feature.status === 'no_data')
    .map((feature) => {
      if (feature.referenceCount === 0) return `no data: ${feature.feature} has no values in the reference`;
      if (feature.currentCount === 0 && feature.currentMissing === 0) return `no data: ${feature.feature} is not in ${currentLabel}`;
      return `no data: ${feature.feature} has no values in ${currentLabel} (${feature.currentMissing} missing)`;
    });
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** Bars are this many characters at the largest share charted. */
const BAR_WIDTH = 30;
/** Bins charted per feature at most: the largest, in their order (categorical features can have hundreds). */
const MAX_CHART_BINS = 12;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A share as a bar of `█` blocks (and one partial block), `width` characters at `scale`. */
function bar(share: number, scale: number, width: number): string {
  const eighths = scale > 0 ? Math.round((share / scale) * width * 8) : 0;
  return `${'█'.repeat(Math.floor(eighths / 8))}${EIGHTHS[eighths % 8]}`;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** A drifted feature's reference and current shares over its bins, side by side. */
export function renderShareChart(feature: FeatureDrift): string {
  const { labels, reference, current } = feature.bins;
  const bins = labels.map((label, index) => ({ label, reference: reference[index] ?? 0, current: current[index] ?? 0, index }));
  const shown = bins
    .filter((bin) => bin.reference > 0 || bin.current > 0)
    .sort((a, b) => Math.max(b.reference, b.current) - Math.max(a.reference, a.current) || a.index - b.index)
    .slice(0, MAX_CHART_BINS)
    .sort((a, b) => a.index - b.index);
  const scale = Math.max(0, ...shown.map((bin) => Math.max(bin.reference, bin.current)));
  const deciding = scoreOf(feature, feature.decidedBy);
  const why = deciding ? ` (${deciding.method} ${formatScore(deciding.method, deciding.score)} ${formatThreshold(deciding.method, deciding.threshold)})` : '';
  const hidden = bins.filter((bin) => bin.reference > 0 || bin.current > 0).length - shown.length;
  const grid = renderGrid(
    [
      ['', 'reference', '', 'current', ''],
      ...shown.map((bin) => [
        bin.label,
        bar(bin.reference, scale, BAR_WIDTH),
        percent(bin.reference),
        bar(bin.current, scale, BAR_WIDTH),
        percent(bin.current),
      ]),
    ],
    ['left', 'left', 'right', 'left', 'right'],
  );
  const footer = hidden > 0 ? `${hidden} smaller bin${hidden === 1 ? '' : 's'} not shown\n` : '';
  return `${feature.feature}${why}: share of values per bin\n${indent(grid)}${footer && indent(footer)}`;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');

/** `40%`, `33.3%`: a share to at most one decimal of a percent. */
export const sharePercent = (share: number): string => `${Number((share * 100).toFixed(1))}%`;

/**
 * `Dataset drift: YES — 3 of 5 features drifted (60% ≥ the 50% drift share)`, or `no` with the share
 * below it; features without data are left out of the share, and said so.
 */
export function renderDriftVerdict(drift: DatasetDrift): string {
  const compared = drift.features.filter((feature) => feature.status !== 'no_data').length;
  const withoutData = drift.features.length - compared;
  const noData = withoutData > 0 ? `; ${plural(withoutData, 'feature')} without data left out` : '';
  const threshold = sharePercent(drift.thresholds.driftShare);
  if (compared === 0) return `Dataset drift: no — no feature has data on both sides${noData}`;
  const counted = `${drift.driftedFeatures.length} of ${plural(compared, 'feature')} drifted`;
  const share = sharePercent(drift.driftShare);
  return drift.datasetDrift
    ? `Dataset drift: YES — ${counted} (${share} ≥ the ${threshold} drift share)${noData}`
    : `Dataset drift: no — ${counted} (${share} < the ${threshold} drift share)${noData}`;
}

/** What a check found, feature by feature: the table, why features lack data, each drifted feature's chart. */
export function renderDriftFindings(drift: DatasetDrift, currentLabel: string): (string | undefined)[] {
  const charts = drift.features.filter((feature) => feature.status === 'drifted').map(renderShareChart);
  return [renderDriftTable(drift), renderNoDataNotes(drift, currentLabel), ...charts];
}

/** The check whole: what was compared, the findings, the verdict. */
export function renderDriftCheck(drift: DatasetDrift, labels: { readonly reference: string; readonly current: string }): (string | undefined)[] {
  const header = `Drift check: ${labels.current} (${plural(drift.currentRows, 'row')}) against ${labels.reference} (${plural(drift.referenceRows, 'row')})`;
  return [header, ...renderDriftFindings(drift, labels.current), renderDriftVerdict(drift)];
}

/** What `monitor baseline` says of one profiled feature (also its `--json` output). */
export interface ProfiledFeature {
  readonly name: string;
  readonly kind: FeatureProfile['kind'];
  readonly count: number;
  readonly missing: number;
  readonly min?: number;
  readonly p50?: number;
  readonly max?: number;
  /** Categories kept, most frequent first. */
  readonly categories?: readonly string[];
}

export function profiledFeatures(profile: BaselineProfile): ProfiledFeature[] {
  return profile.features.map((feature): ProfiledFeature => {
    const { count, missing } = feature.sketch;
    if (feature.kind === 'categorical') return { name: feature.name, kind: feature.kind, count, missing, categories: feature.sketch.categories };
    const finite = (value: number) => (Number.isFinite(value) ? value : undefined);
    return {
      name: feature.name,
      kind: feature.kind,
      count,
      missing,
      min: finite(feature.sketch.min),
      p50: finite(feature.quantiles.p50),
      max: finite(feature.sketch.max),
    };
  });
}

/** Categories shown in the table before `+N`. */
const SHOWN_CATEGORIES = 3;

const optionalNumber = (value: number | undefined) => (value === undefined ? '' : formatNumber(value));

/** NAME, TYPE, COUNT, MISSING %, then MIN / P50 / MAX of numeric features or the CATEGORIES of categorical ones. */
export function renderProfiledFeatures(features: readonly ProfiledFeature[]): string {
  const categories = (feature: ProfiledFeature) => {
    if (!feature.categories) return '';
    const shown = feature.categories.slice(0, SHOWN_CATEGORIES).join(', ');
    const more = feature.categories.length - SHOWN_CATEGORIES;
    return `${feature.categories.length}: ${shown}${more > 0 ? ` +${more}` : ''}`;
  };
  const columns: Column<ProfiledFeature>[] = [
    { header: 'name', value: (feature) => feature.name },
    { header: 'type', value: (feature) => feature.kind },
    { header: 'count', value: (feature) => feature.count, align: 'right' },
    {
      header: 'missing %',
      value: (feature) => {
        const total = feature.count + feature.missing;
        return total > 0 ? ((feature.missing / total) * 100).toFixed(1) : '-';
      },
      align: 'right',
    },
    { header: 'min', value: (feature) => optionalNumber(feature.min), align: 'right' },
    { header: 'p50', value: (feature) => optionalNumber(feature.p50), align: 'right' },
    { header: 'max', value: (feature) => optionalNumber(feature.max), align: 'right' },
    { header: 'categories', value: categories },
  ];
  return renderTable(columns, features);
}
