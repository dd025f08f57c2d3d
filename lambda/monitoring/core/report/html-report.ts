import type { DatasetDrift } from '../drift/dataset-drift';
import { type DriftMethod, isPValueMethod } from '../drift/drift-policy';
import type { FeatureDrift, FeatureStatus, MethodScore } from '../drift/feature-drift';
import type { DriftCheckReport } from './drift-check-report';

/**
 * A drift check as one self-contained HTML page: inline CSS and SVG, no script and nothing fetched,
 * so it opens from anywhere it is stored. Every string that comes from the data or the caller
 * (monitor, model and feature names, bin and category labels) is escaped.
 */
export function renderHtmlReport(report: DriftCheckReport): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Drift report: ${escapeHtml(report.monitor)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    header(report),
    '<main>',
    summarySection(report.drift),
    featuresSection(report.drift),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(report: DriftCheckReport): string {
  const { model, window, capture, drift } = report;
  const facts: [string, string][] = [
    ['Model', `${model.name}:${model.version}`],
    ['Window', `${window.start} to ${window.end}`],
    ['Check', report.checkId],
    ['Created', report.createdAt],
    [
      'Capture',
      `${capture.records} records sketched from ${capture.objects} objects; ${capture.outsideWindow} lines outside the window, ${capture.unreadable} unreadable`,
    ],
    ['Rows compared', `${drift.referenceRows} reference, ${drift.currentRows} current`],
  ];
  return [
    '<header>',
    `<h1>Drift report: ${escapeHtml(report.monitor)}</h1>`,
    `<dl>${facts.map(([term, value]) => `<dt>${term}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`,
    verdict(drift),
    '</header>',
  ].join('\n');
}

function verdict(drift: DatasetDrift): string {
  const compared = drift.features.filter((feature) => feature.status !== 'no_data').length;
  const withoutData = drift.features.length - compared;
  const sign = drift.driftShare >= drift.thresholds.driftShare ? '≥' : '&lt;';
  const answer = drift.datasetDrift ? 'yes' : 'no';
  const share = `share ${percent(drift.driftShare)} ${sign} threshold ${percent(drift.thresholds.driftShare)}`;
  const note = withoutData > 0 ? `; ${withoutData} without data` : '';
  return `<p class="verdict ${answer}">Dataset drift: ${answer} — ${drift.driftedFeatures.length} of ${compared} features drifted (${share})${note}</p>`;
}

function summarySection(drift: DatasetDrift): string {
  const columns = ['Feature', 'Type', 'Deciding method', 'Score vs threshold', 'Verdict', 'Current values', 'Missing'];
  return [
    '<section aria-labelledby="summary">',
    '<h2 id="summary">Features</h2>',
    '<table>',
    `<thead><tr>${columns.map((column) => `<th scope="col">${column}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${drift.features.map(summaryRow).join('\n')}\n</tbody>`,
    '</table>',
    '</section>',
  ].join('\n');
}

function summaryRow(feature: FeatureDrift, index: number): string {
  const deciding = feature.scores.find((score) => score.method === feature.decidedBy);
  const cells = [
    `<th scope="row"><a href="#${featureId(index)}">${escapeHtml(feature.feature)}</a></th>`,
    `<td>${escapeHtml(feature.kind)}</td>`,
    `<td>${METHOD_NAMES[feature.decidedBy]}</td>`,
    `<td class="number">${deciding ? scoreVersusThreshold(deciding) : '—'}</td>`,
    `<td>${STATUS_LABELS[feature.status]}</td>`,
    `<td class="number">${feature.currentCount}</td>`,
    `<td class="number">${missingShare(feature)}</td>`,
  ];
  return `<tr class="${feature.status}">${cells.join('')}</tr>`;
}

function featuresSection(drift: DatasetDrift): string {
  return ['<section aria-labelledby="details">', '<h2 id="details">Scores by feature</h2>', ...drift.features.map(featureArticle), '</section>'].join('\n');
}

function featureArticle(feature: FeatureDrift, index: number): string {
  const counts = `${feature.kind}; ${feature.referenceCount} reference values, ${feature.currentCount} current values, ${feature.currentMissing} current missing`;
  const body = feature.status === 'no_data' ? '<p>No data: one side has no values, so there is nothing to compare.</p>' : scoreTable(feature);
  return [
    `<article id="${featureId(index)}" class="feature ${feature.status}">`,
    `<h3>${escapeHtml(feature.feature)} <span class="status">${STATUS_LABELS[feature.status]}</span></h3>`,
    `<p class="counts">${escapeHtml(counts)}</p>`,
    body,
    feature.status === 'drifted' ? barChart(feature) : '',
    '</article>',
  ].join('\n');
}

function scoreTable(feature: FeatureDrift): string {
  const columns = ['Method', 'Score', 'Bounds', 'Drifted when', 'Verdict'];
  return [
    '<table>',
    `<caption>Every method's score for ${escapeHtml(feature.feature)}; ${METHOD_NAMES[feature.decidedBy]} decides</caption>`,
    `<thead><tr>${columns.map((column) => `<th scope="col">${column}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${feature.scores.map((score) => scoreRow(score, score.method === feature.decidedBy)).join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function scoreRow(score: MethodScore, deciding: boolean): string {
  const statistic = score.statistic === undefined ? '' : ` <small>(D = ${significant(score.statistic)})</small>`;
  const bounds = score.bounds ? `[${formatScore(score.bounds.low, score.method)}, ${formatScore(score.bounds.high, score.method)}]` : '—';
  const cells = [
    `<th scope="row">${METHOD_NAMES[score.method]}${statistic}${deciding ? ' <small>(deciding)</small>' : ''}</th>`,
    `<td class="number">${formatScore(score.score, score.method)}</td>`,
    `<td class="number">${bounds}</td>`,
    `<td class="number">${isPValueMethod(score.method) ? '&lt;' : '≥'} ${significant(score.threshold)}</td>`,
    `<td>${score.drifted ? 'drifted' : 'stable'}</td>`,
  ];
  return `<tr class="${score.drifted ? 'drifted' : 'stable'}${deciding ? ' deciding' : ''}">${cells.join('')}</tr>`;
}

/** Reference against current shares per bin, two bars a bin, shares on the y axis. */
function barChart(feature: FeatureDrift): string {
  const { labels, reference, current } = feature.bins;
  const width = Math.max(CHART.minWidth, CHART.left + labels.length * GROUP_WIDTH + CHART.right);
  const height = CHART.top + CHART.plotHeight + CHART.bottom;
  const axis = shareAxis(Math.max(...reference, ...current));
  const description = `Share of values per ${feature.kind === 'numeric' ? 'reference decile bin' : 'category'}, reference against current, for ${feature.feature}`;
  return [
    '<figure>',
    `<svg role="img" aria-label="${escapeHtml(description)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    chartLegend(),
    chartYAxis(axis, width),
    ...labels.map((label, bin) => chartGroup(label, reference[bin], current[bin], bin, axis.maximum)),
    chartAxisTitles(feature.kind, width, height),
    '</svg>',
    `<figcaption>${escapeHtml(description)}.</figcaption>`,
    '</figure>',
  ].join('\n');
}

function chartLegend(): string {
  return (['reference', 'current'] as const)
    .map((side, position) => {
      const x = CHART.left + position * 110;
      return `<rect x="${x}" y="10" width="12" height="12" fill="${COLOURS[side]}"/><text x="${x + 18}" y="20">${side === 'reference' ? 'Reference' : 'Current'}</text>`;
    })
    .join('');
}

function chartYAxis(axis: ShareAxis, width: number): string {
  const ticks = Array.from({ length: Math.round(axis.maximum / axis.step) + 1 }, (_, index) => index * axis.step);
  return ticks
    .map((share) => {
      const y = shareY(share, axis.maximum);
      const gridline = `<line x1="${CHART.left}" x2="${width - CHART.right}" y1="${y}" y2="${y}" stroke="#d0d7de"/>`;
      return `${gridline}<text x="${CHART.left - 6}" y="${px(y + 4)}" text-anchor="end">${percent(share)}</text>`;
    })
    .join('\n');
}

function chartGroup(label: string, referenceShare: number, currentShare: number, bin: number, maximum: number): string {
  const x = CHART.left + bin * GROUP_WIDTH + CHART.groupGap / 2;
  const bar = (share: number, offset: number, side: 'reference' | 'current') => {
    const y = shareY(share, maximum);
    const tooltip = `<title>${escapeHtml(label)}: ${side} ${percent(share)}</title>`;
    return `<rect x="${px(x + offset)}" y="${y}" width="${CHART.barWidth}" height="${px(CHART.top + CHART.plotHeight - y)}" fill="${COLOURS[side]}">${tooltip}</rect>`;
  };
  return [bar(referenceShare, 0, 'reference'), bar(currentShare, CHART.barWidth, 'current'), binLabel(label, x + CHART.barWidth)].join('');
}

/** A bin's label under its bars, rotated; long labels are cut, with the whole label as a tooltip. */
function binLabel(label: string, centre: number): string {
  const x = px(centre);
  const y = CHART.top + CHART.plotHeight + 12;
  const cut = label.length > CHART.labelChars;
  const text = cut ? `${label.slice(0, CHART.labelChars - 1)}…` : label;
  return `<text x="${x}" y="${y}" text-anchor="end" transform="rotate(-40 ${x} ${y})">${cut ? `<title>${escapeHtml(label)}</title>` : ''}${escapeHtml(text)}</text>`;
}

function chartAxisTitles(kind: FeatureDrift['kind'], width: number, height: number): string {
  const middle = CHART.top + CHART.plotHeight / 2;
  return [
    `<text x="14" y="${middle}" text-anchor="middle" transform="rotate(-90 14 ${middle})">Share of values</text>`,
    `<text x="${px((CHART.left + width - CHART.right) / 2)}" y="${height - 8}" text-anchor="middle">${kind === 'numeric' ? 'Reference decile bin' : 'Category'}</text>`,
  ].join('\n');
}

interface ShareAxis {
  readonly maximum: number;
  readonly step: number;
}

/** A y axis from 0 to the largest share rounded up to a tick, ticks every 5% or 10%. */
function shareAxis(largestShare: number): ShareAxis {
  const step = largestShare <= 0.25 ? 0.05 : 0.1;
  return { maximum: Math.max(1, Math.ceil(largestShare / step - 1e-9)) * step, step };
}

const shareY = (share: number, maximum: number) => px(CHART.top + CHART.plotHeight * (1 - share / maximum));

function scoreVersusThreshold(score: MethodScore): string {
  return `${formatScore(score.score, score.method)} ${score.score < score.threshold ? '&lt;' : '≥'} ${significant(score.threshold)}`;
}

function missingShare(feature: FeatureDrift): string {
  const seen = feature.currentCount + feature.currentMissing;
  return seen > 0 ? percent(feature.currentMissing / seen) : '—';
}

/** Four significant digits; p-values below 0.001 in scientific notation. */
function formatScore(value: number, method: DriftMethod): string {
  if (isPValueMethod(method) && value > 0 && value < 1e-3) return Number(value.toPrecision(4)).toExponential();
  return significant(value);
}

const significant = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : String(value));
const percent = (share: number) => `${Number((share * 100).toPrecision(3))}%`;
const px = (value: number) => Math.round(value * 10) / 10;
const featureId = (index: number) => `feature-${index + 1}`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character]);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const METHOD_NAMES: Readonly<Record<DriftMethod, string>> = {
  ks: 'KS p-value',
  chi_square: 'Chi-square p-value',
  psi: 'PSI',
  jensen_shannon: 'Jensen-Shannon distance',
  wasserstein: 'Wasserstein distance (reference std)',
};

const STATUS_LABELS: Readonly<Record<FeatureStatus, string>> = { drifted: 'drifted', stable: 'stable', no_data: 'no data' };

const CHART = { left: 56, right: 16, top: 36, bottom: 112, plotHeight: 180, barWidth: 14, groupGap: 14, minWidth: 280, labelChars: 16 } as const;
const GROUP_WIDTH = 2 * CHART.barWidth + CHART.groupGap;
const COLOURS = { reference: '#4c78a8', current: '#f58518' } as const;

const STYLE = [
  'body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;max-width:72rem;margin:2rem auto;padding:0 1rem}',
  'h1{font-size:1.5rem;margin:0 0 .5rem}',
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}',
  'dt{font-weight:600}dd{margin:0}',
  '.verdict{font-size:1.1rem;font-weight:600;padding:.6rem .8rem;border-left:4px solid}',
  '.verdict.yes{background:#fde8e6;border-color:#c62828}.verdict.no{background:#e8f5e9;border-color:#2e7d32}',
  'table{border-collapse:collapse;margin:.5rem 0 1rem}',
  'th,td{border-bottom:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}',
  'thead th{background:#f6f8fa}tbody th{font-weight:400}tr.deciding th{font-weight:700}',
  'td.number{text-align:right;font-variant-numeric:tabular-nums}',
  'tr.drifted{background:#fde8e6}tr.no_data{color:#57606a}',
  'caption{text-align:left;color:#57606a;padding-bottom:.2rem}',
  '.status{font-size:.8rem;padding:.1rem .4rem;border-radius:3px;background:#eaeef2}',
  'article.drifted .status{background:#c62828;color:#fff}',
  'figure{margin:.5rem 0 1.5rem}figcaption{color:#57606a}',
  'svg text{font-size:11px;fill:#1f2328}',
].join('\n');
