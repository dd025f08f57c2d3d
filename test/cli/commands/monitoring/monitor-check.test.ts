import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatScore, formatThreshold } from '../../../../cli/commands/monitoring/drift-table';
import { EXIT_DRIFT_DETECTED } from '../../../../cli/exit-status';
import { samplesDrift } from '../../../../lambda/monitoring/core/drift/dataset-drift';
import type { DriftMethod } from '../../../../lambda/monitoring/core/drift/drift-policy';
import { DEFAULT_POLICY } from '../../../../lambda/monitoring/core/drift/drift-policy';
import { columnsFromCsv } from '../../../../lambda/monitoring/core/profile/dataset-columns';
import { type DriftFiles, writeDriftFiles } from '../../fixtures/monitor/drift-data';
import { cliHarness } from '../../harness';

const cli = cliHarness();
let files: DriftFiles;

beforeAll(() => {
  files = writeDriftFiles();
});

afterAll(() => {
  rmSync(files.directory, { recursive: true, force: true });
});

beforeEach(() => {
  cli.reset();
});

const check = (...args: string[]) => cli.run(['monitor', 'check', ...args]);

/** The table's feature rows, as whitespace-separated cells (a threshold is two: `≥ 0.1`). */
function tableRows(stdout: string): Map<string, string[]> {
  const lines = stdout.split('\n');
  const header = lines.findIndex((line) => /^\s+FEATURE\s+TYPE\s+METHOD/.test(line));
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === '') break;
    const cells = line.trim().split(/\s+/);
    rows.set(cells[0] === '*' ? cells[1] : cells[0], cells);
  }
  return rows;
}

const drifted = (stdout: string) => [...tableRows(stdout)].filter(([, cells]) => cells[0] === '*').map(([feature]) => feature);
const verdictLine = (stdout: string) => stdout.split('\n').find((line) => line.startsWith('Dataset drift:'));
const expectedDrift = (reference: string, current: string) =>
  samplesDrift(columnsFromCsv(readFileSync(reference, 'utf8')), columnsFromCsv(readFileSync(current, 'utf8')), DEFAULT_POLICY);

describe('mlops monitor check', () => {
  it('marks exactly the shifted features drifted and exits 0 while they stay below the drift share', async () => {
    // Act
    const { code, stdout, stderr } = await check(files.reference, files.current);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe(`Drift check: ${files.current} (2000 rows) against ${files.reference} (2000 rows)`);
    expect([...tableRows(stdout).keys()]).toEqual(['age', 'income', 'score', 'tenure', 'plan']);
    expect(drifted(stdout)).toEqual(['income', 'plan']);
    expect(tableRows(stdout).get('age')).toEqual(expect.arrayContaining(['numeric', 'wasserstein', 'ok']));
    expect(tableRows(stdout).get('plan')).toEqual(expect.arrayContaining(['categorical', 'jensen_shannon', 'drifted']));
    expect(verdictLine(stdout)).toBe('Dataset drift: no — 2 of 5 features drifted (40% < the 50% drift share)');
  });

  it('charts the reference and current shares of each drifted feature only', async () => {
    // Act
    const { stdout } = await check(files.reference, files.current);

    // Assert
    const chartTitles = stdout.split('\n').filter((line) => line.endsWith(': share of values per bin'));
    expect(chartTitles).toEqual(['income (wasserstein 1.02 ≥ 0.1): share of values per bin', 'plan (jensen_shannon 0.2269 ≥ 0.1): share of values per bin']);
    const planChart = stdout.slice(stdout.indexOf('plan (jensen_shannon'));
    expect(planChart).toMatch(/^ {2}basic {2}█{30} {2}49\.5% {2}█+\S* +25\.2%$/m);
    expect(planChart).toMatch(/^ {2}pro +█+\S* +19\.8% {2}█+\S* +48\.3%$/m);
  });

  it(`exits ${EXIT_DRIFT_DETECTED} when the drifted share reaches --drift-share`, async () => {
    // Act
    const { code, stdout } = await check(files.reference, files.current, '--drift-share', '0.4');

    // Assert
    expect(code).toBe(EXIT_DRIFT_DETECTED);
    expect(verdictLine(stdout)).toBe('Dataset drift: YES — 2 of 5 features drifted (40% ≥ the 40% drift share)');
  });

  it('finds no drift between two samples of the same distribution', async () => {
    // Act
    const { code, stdout } = await check(files.reference, files.stable);

    // Assert
    expect(code).toBe(0);
    expect(drifted(stdout)).toEqual([]);
    expect(verdictLine(stdout)).toBe('Dataset drift: no — 0 of 5 features drifted (0% < the 50% drift share)');
  });

  it("shows samplesDrift's scores and thresholds, every method's, without computing them again", async () => {
    // Arrange
    const expected = expectedDrift(files.reference, files.current);
    const columnOrder: DriftMethod[] = ['ks', 'psi', 'jensen_shannon', 'wasserstein', 'chi_square'];

    // Act
    const { stdout } = await check(files.reference, files.current);

    // Assert
    const rows = tableRows(stdout);
    for (const feature of expected.features) {
      const cells = rows.get(feature.feature)!;
      const deciding = feature.scores.find((score) => score.method === feature.decidedBy)!;
      const verdict = feature.status === 'drifted' ? 'drifted' : 'ok';
      const others = columnOrder.flatMap((method) =>
        feature.scores.filter((score) => score.method === method).map((score) => formatScore(method, score.score)),
      );
      expect(cells).toEqual([
        ...(feature.status === 'drifted' ? ['*'] : []),
        feature.feature,
        feature.kind,
        feature.decidedBy,
        formatScore(deciding.method, deciding.score),
        ...formatThreshold(deciding.method, deciding.threshold).split(' '),
        verdict,
        ...others,
      ]);
    }
  });

  it('prints p-values under 1e-3 in scientific notation and others to 4 significant digits', () => {
    expect(formatScore('ks', 2.6021e-139)).toBe('2.60e-139');
    expect(formatScore('chi_square', 0.00099)).toBe('9.90e-4');
    expect(formatScore('ks', 0.0012346)).toBe('0.001235');
    expect(formatScore('ks', 0)).toBe('0');
    expect(formatScore('psi', 0.00012346)).toBe('0.0001235');
    expect(formatScore('wasserstein', 1.0203)).toBe('1.02');
  });

  it('prints only the DatasetDrift as JSON with --json, and still exits on the verdict', async () => {
    // Act
    const calm = await check(files.reference, files.current, '--json');
    const gated = await check(files.reference, files.current, '--json', '--drift-share', '0.4');

    // Assert
    expect(calm.code).toBe(0);
    expect(JSON.parse(calm.stdout)).toEqual(JSON.parse(JSON.stringify(expectedDrift(files.reference, files.current))));
    expect(gated.code).toBe(EXIT_DRIFT_DETECTED);
    expect(JSON.parse(gated.stdout)).toMatchObject({ datasetDrift: true, driftedFeatures: ['income', 'plan'], thresholds: { driftShare: 0.4 } });
  });

  it('reads JSON Lines by their extension, with the same result as the CSV', async () => {
    // Act
    const fromCsv = await check(files.reference, files.current, '--json');
    const fromJsonLines = await check(files.reference, files.currentJsonLines, '--json');

    // Assert
    expect(fromJsonLines.code).toBe(0);
    expect(JSON.parse(fromJsonLines.stdout)).toEqual(JSON.parse(fromCsv.stdout));
  });

  it('shows a feature the current file lacks as no data, and leaves it out of the share', async () => {
    // Act
    const { code, stdout } = await check(files.reference, files.currentWithoutTenure);

    // Assert
    expect(code).toBe(EXIT_DRIFT_DETECTED);
    expect(tableRows(stdout).get('tenure')).toEqual(['tenure', 'numeric', 'wasserstein', '-', '≥', '0.1', 'no', 'data']);
    expect(stdout).toContain(`\nno data: tenure is not in ${files.currentWithoutTenure}\n`);
    expect(verdictLine(stdout)).toBe('Dataset drift: YES — 2 of 4 features drifted (50% ≥ the 50% drift share); 1 feature without data left out');
  });

  it('decides by the methods and thresholds given', async () => {
    // Act
    const { stdout } = await check(files.reference, files.current, '--numeric-method', 'ks', '--categorical-method', 'chi_square', '--p-value', '0.01');

    // Assert
    const rows = tableRows(stdout);
    expect(rows.get('age')!.slice(2, 6)).toEqual([
      'ks',
      formatScore('ks', expectedDrift(files.reference, files.current).features[0].scores[0].score),
      '<',
      '0.01',
    ]);
    expect(rows.get('plan')!.slice(3, 7)).toEqual(['chi_square', '2.12e-232', '<', '0.01']);
    expect(drifted(stdout)).toEqual(['income', 'plan']);
  });

  it('leaves out the columns named by --exclude', async () => {
    // Act
    const { code, stdout } = await check(files.reference, files.current, '--exclude', 'income', '--exclude', 'plan,score');

    // Assert
    expect(code).toBe(0);
    expect([...tableRows(stdout).keys()]).toEqual(['age', 'tenure']);
    expect(verdictLine(stdout)).toBe('Dataset drift: no — 0 of 2 features drifted (0% < the 50% drift share)');
  });

  it('shows what it is reading on a terminal and clears the line before the output', async () => {
    // Act
    const onTerminal = await cli.run(['monitor', 'check', files.reference, files.current], { stderrTTY: true });

    // Assert
    expect(onTerminal.stderr).toContain(`parsing ${files.reference} (`);
    expect(onTerminal.stderr).toContain('comparing 5 features...');
    expect(onTerminal.stderr.endsWith('\r\x1b[2K')).toBe(true);
  });

  describe('fails with one line and the usage status', () => {
    it('fails when a file does not exist', async () => {
      // Act
      const { code, stdout, stderr } = await check(files.reference, join(files.directory, 'missing.csv'));

      // Assert
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`error: cannot read ${join(files.directory, 'missing.csv')}: no such file or directory\n`);
    });

    it('fails when the format cannot be told from the extension', async () => {
      // Act
      const { code, stderr } = await check(files.reference, join(files.directory, 'current.txt'));

      // Assert
      expect(code).toBe(2);
      expect(stderr).toBe(`error: cannot tell the format of ${join(files.directory, 'current.txt')} from its extension: add --format csv or --format jsonl\n`);
    });

    it('fails on a format it does not read', async () => {
      // Act
      const { code, stderr } = await check(files.reference, files.current, '--format', 'parquet');

      // Assert
      expect(code).toBe(2);
      expect(stderr).toContain("error: option '--format <format>' argument 'parquet' is invalid. Allowed choices are csv, jsonl.");
    });

    it('fails on a CSV row with more fields than the header', async () => {
      // Arrange
      const ragged = join(files.directory, 'ragged.csv');
      writeFileSync(ragged, 'age,income\n41,52000\n39,48000,extra\n');

      // Act
      const { code, stdout, stderr } = await check(files.reference, ragged);

      // Assert
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(`^error: ${ragged.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the CSV cannot be read at line 3: .+\n$`));
    });

    it('fails on a JSON Lines line that is not an object', async () => {
      // Arrange
      const broken = join(files.directory, 'broken.jsonl');
      writeFileSync(broken, '{"age": 41}\n[41]\n');

      // Act
      const { code, stderr } = await check(files.reference, broken);

      // Assert
      expect(code).toBe(2);
      expect(stderr).toBe(`error: ${broken}: line 2 is not a JSON object\n`);
    });

    it('fails when --exclude leaves the reference no columns', async () => {
      // Act
      const { code, stderr } = await check(files.reference, files.current, '--exclude', 'age,income,score,tenure,plan');

      // Assert
      expect(code).toBe(2);
      expect(stderr).toBe(`error: ${files.reference} has no columns to work with once --exclude is applied\n`);
    });
  });
});
