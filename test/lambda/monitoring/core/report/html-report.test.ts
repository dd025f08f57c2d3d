import { windowDrift } from '../../../../../lambda/monitoring/core/drift/dataset-drift';
import { DEFAULT_POLICY } from '../../../../../lambda/monitoring/core/drift/drift-policy';
import { buildBaseline, type Column } from '../../../../../lambda/monitoring/core/profile/baseline-profile';
import { addRecord, emptyWindow } from '../../../../../lambda/monitoring/core/profile/window-sketch';
import type { DriftCheckReport } from '../../../../../lambda/monitoring/core/report/drift-check-report';
import { renderHtmlReport } from '../../../../../lambda/monitoring/core/report/html-report';
import { normalDeviate, seededRandom } from '../../../../support/seeded-random';

/** A categorical feature whose name and labels would run or break markup if not escaped. */
const SCRIPT_FEATURE = '<script>alert(1)</script>';
const SCRIPT_ARTICLE = '&lt;script&gt;alert(1)&lt;/script&gt;';
const CHANNELS = ['web', 'store', 'phone & fax', '<b>app</b>'];

function pick(random: () => number, weights: readonly number[]): string {
  let remaining = random() * weights.reduce((sum, weight) => sum + weight, 0);
  const index = weights.findIndex((weight) => (remaining -= weight) < 0);
  return CHANNELS[index === -1 ? CHANNELS.length - 1 : index];
}

interface Rows {
  amount: number[];
  tenure: number[];
  channel: string[];
}

function rows(seed: number, count: number, amountMean: number, channelWeights: readonly number[]): Rows {
  const random = seededRandom(seed);
  const generated: Rows = { amount: [], tenure: [], channel: [] };
  for (let row = 0; row < count; row++) {
    generated.amount.push(normalDeviate(random, amountMean, 15));
    generated.tenure.push(normalDeviate(random, 24, 6));
    generated.channel.push(pick(random, channelWeights));
  }
  return generated;
}

const training = rows(1, 800, 100, [0.5, 0.3, 0.15, 0.05]);
/** Production: amount shifted by one standard deviation, the app channel grown; tenure unchanged. */
const production = rows(2, 600, 115, [0.3, 0.2, 0.15, 0.35]);

const baseline = buildBaseline(
  [
    { name: 'amount', kind: 'numeric', values: training.amount },
    { name: 'tenure', kind: 'numeric', values: training.tenure },
    { name: SCRIPT_FEATURE, kind: 'categorical', values: training.channel },
  ] satisfies Column[],
  { createdAt: '2026-11-01T00:00:00.000Z' },
);

function reportOf(records: readonly Record<string, unknown>[]): DriftCheckReport {
  const window = emptyWindow(baseline);
  for (const record of records) addRecord(window, record);
  return {
    monitor: 'churn & retention',
    checkId: 'check-2026-11-24T00',
    model: { name: 'churn-classifier', version: 3 },
    window: { start: '2026-11-24T00:00:00.000Z', end: '2026-11-25T00:00:00.000Z' },
    createdAt: '2026-11-25T00:05:00.000Z',
    capture: { records: records.length, outsideWindow: 12, unreadable: 1, objects: 4 },
    drift: windowDrift(baseline, window, DEFAULT_POLICY),
  };
}

const productionRecords = production.amount.map((amount, index) => ({
  amount,
  tenure: production.tenure[index],
  [SCRIPT_FEATURE]: production.channel[index],
}));

/** The `<article>` of one feature, found by its escaped heading. */
function articleOf(html: string, escapedName: string): string {
  const article = html.split('<article').find((part) => part.includes(`<h3>${escapedName} `));
  if (!article) throw new Error(`no article for ${escapedName}`);
  return article.slice(0, article.indexOf('</article>'));
}

/** The score table row of one method. */
const rowOf = (article: string, method: string) =>
  article.split('\n').find((line) => line.startsWith('<tr') && line.includes(`<th scope="row">${method}`)) ?? '';

const count = (html: string, text: string) => html.split(text).length - 1;

describe('the HTML drift report', () => {
  const report = reportOf(productionRecords);
  const html = renderHtmlReport(report);

  it('is built from a check where the shifted amount and the channel drift and tenure does not', () => {
    expect(report.drift.driftedFeatures).toEqual(['amount', SCRIPT_FEATURE]);
    expect(report.drift.features.map((feature) => feature.decidedBy)).toEqual(['ks', 'ks', 'chi_square']);
  });

  it('states the dataset verdict with the drifted count and the share against its threshold', () => {
    expect(html).toContain('Dataset drift: yes — 2 of 3 features drifted (share 66.7% ≥ threshold 50%)');
    expect(html).toContain('churn-classifier:3');
    expect(html).toContain('2026-11-24T00:00:00.000Z to 2026-11-25T00:00:00.000Z');
  });

  it('charts each drifted feature and not the stable one', () => {
    expect(articleOf(html, 'amount')).toMatch(/<figure>\n<svg role="img" aria-label="[^"]+"/);
    expect(articleOf(html, SCRIPT_ARTICLE)).toContain('<svg');
    expect(articleOf(html, 'tenure')).not.toContain('<svg');
    expect(count(html, '<svg')).toBe(2);
  });

  it('highlights drifted rows of the summary and shows the deciding score against its threshold', () => {
    const amountRow = html.split('\n').find((line) => line.includes('href="#feature-1"'))!;
    const tenureRow = html.split('\n').find((line) => line.includes('href="#feature-2"'))!;

    expect(amountRow).toMatch(/^<tr class="drifted">.*<td>KS p-value<\/td><td class="number">\d(\.\d+)?e-\d+ &lt; 0\.05<\/td><td>drifted<\/td>/);
    expect(tenureRow).toMatch(/^<tr class="stable">.*<td class="number">0\.\d+ ≥ 0\.05<\/td><td>stable<\/td>/);
  });

  it('lists every method per feature with four significant digits and sketch bounds', () => {
    const amount = articleOf(html, 'amount');
    for (const method of ['KS p-value', 'PSI', 'Jensen-Shannon distance', 'Wasserstein distance (reference std)']) expect(amount).toContain(method);
    const scientific = String.raw`\d(?:\.\d{1,3})?e-\d+`;
    const ksRow = rowOf(amount, 'KS p-value');
    expect(ksRow).toMatch(/<small>\(D = 0\.\d{1,4}\)<\/small> <small>\(deciding\)<\/small>/);
    expect(ksRow).toMatch(new RegExp(`<td class="number">${scientific}</td><td class="number">\\[${scientific}, ${scientific}\\]</td>`));
    expect(rowOf(amount, 'PSI')).toMatch(/<td class="number">\d\.\d{1,4}<\/td><td class="number">—<\/td><td class="number">≥ 0\.1<\/td>/);
    expect(rowOf(articleOf(html, SCRIPT_ARTICLE), 'Chi-square p-value')).toMatch(
      /<small>\(deciding\)<\/small><\/th><td class="number">[^<]+<\/td><td class="number">—<\/td>/,
    );
  });

  it('escapes feature names, category labels and the monitor name', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<b>app</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;app&lt;/b&gt;');
    expect(html).toContain('phone &amp; fax');
    expect(html).toContain('<title>Drift report: churn &amp; retention</title>');
  });

  it('references nothing outside the page', () => {
    const links = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)].map((match) => match[1]);

    expect(links.length).toBeGreaterThan(0);
    expect(links.every((link) => link.startsWith('#'))).toBe(true);
    expect(html).not.toMatch(/https?:\/\/|<link\b|@import|url\(/i);
  });

  it('is a complete document with balanced charts, figures and tables', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    for (const tag of ['svg', 'figure', 'table', 'article', 'section']) expect(count(html, `<${tag}`)).toBe(count(html, `</${tag}>`));
  });

  it('lists a feature without current values as no data and leaves it out of the share', () => {
    const withoutTenure = renderHtmlReport(reportOf(productionRecords.map(({ tenure: _tenure, ...rest }) => rest)));

    expect(withoutTenure).toContain('Dataset drift: yes — 2 of 2 features drifted (share 100% ≥ threshold 50%); 1 without data');
    expect(withoutTenure).toMatch(/<tr class="no_data">.*<td>no data<\/td>/);
    expect(articleOf(withoutTenure, 'tenure')).toContain('no data');
    expect(articleOf(withoutTenure, 'tenure')).not.toContain('<table');
  });
});
