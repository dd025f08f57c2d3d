import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { renderDriftTable } from '../../../../cli/commands/monitoring/drift-table';
import type { CheckRecord } from '../../../../lambda/monitoring/core/model';
import { checkRecord, driftReport, windowDriftFixture } from '../../../support/monitoring-records';
import { cliHarness } from '../../harness';
import { MONITORING_ENV } from './monitor-fixtures';

const cli = cliHarness();
const HTML = '<!doctype html><title>fraud-live 20261125T090000Z</title><h1>Dataset drift</h1>';

const drifted = checkRecord('2026-11-25T09:00:00.000Z', { status: 'drift', driftShare: 2 / 3, driftedFeatures: ['income', 'plan'] });
const earlier = checkRecord('2026-11-25T08:00:00.000Z', { status: 'insufficient_data', records: 40 });

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'mlops-report-'));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** The query function with the checks given (the first is the latest) and their reports. */
function answerChecks(...checks: CheckRecord[]) {
  const byId = new Map(checks.map((check) => [check.checkId, check]));
  const find = (payload: Record<string, unknown>) => (payload.checkId === undefined ? checks[0] : byId.get(payload.checkId as string));
  cli.answer('query-monitoring-fn', (payload) => {
    const check = find(payload);
    if (!check) return { errorType: 'NotFoundError', errorMessage: `monitor ${String(payload.monitor)} has no check ${String(payload.checkId)}` };
    if (payload.query === 'getCheck') return check;
    if (payload.query === 'getReport') return driftReport(check);
    throw new Error(`unexpected query ${String(payload.query)}`);
  });
}

const report = (...args: string[]) => cli.run(['monitor', 'report', ...args], { env: MONITORING_ENV });

beforeEach(() => {
  cli.reset();
});

describe('mlops monitor report', () => {
  it("prints the latest check's report: what was checked, where the reports are, the per-feature table, charts and verdict", async () => {
    // Arrange
    answerChecks(drifted, earlier);

    // Act
    const { code, stdout, stderr } = await report('fraud-live');

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const header = [
      'Drift report: monitor fraud-live, check 20261125T090000Z',
      '',
      'model        fraud-detector version 12 (baseline of 2000 rows)',
      'window       2026-11-25 08:00 to 2026-11-25 09:00',
      'checked      2026-11-25 09:01',
      'records      1840 from 12 capture files (3 outside the window, skipped)',
      'status       drift',
      'json report  s3://monitoring-bucket/reports/fraud-live/20261125T090000Z.json',
      'html report  s3://monitoring-bucket/reports/fraud-live/20261125T090000Z.html',
      '',
      '   FEATURE  TYPE         METHOD           SCORE  THRESHOLD  VERDICT      KS P     PSI      JS    WASS    CHI2 P',
      '   age      numeric      wasserstein     0.0452  ≥ 0.1      ok         0.4213  0.0123  0.0311  0.0452',
      '*  income   numeric      wasserstein       1.02  ≥ 0.1      drifted  3.20e-45   0.912  0.3874    1.02',
      '*  plan     categorical  jensen_shannon  0.2269  ≥ 0.1      drifted               0.4  0.2269          1.10e-30',
      '   region   categorical  jensen_shannon       -  ≥ 0.1      no data',
      '',
      'no data: region is not in the window',
      '',
    ].join('\n');
    expect(stdout.startsWith(header)).toBe(true);
    const chartTitles = stdout.split('\n').filter((line) => line.endsWith(': share of values per bin'));
    expect(chartTitles).toEqual(['income (wasserstein 1.02 ≥ 0.1): share of values per bin', 'plan (jensen_shannon 0.2269 ≥ 0.1): share of values per bin']);
    expect(stdout).toMatch(/^ {2}>= 30 {5}█{12}▌ {2}25\.0% {2}█{30} {2}60\.0%$/m);
    expect(stdout.endsWith('\nDataset drift: YES — 2 of 3 features drifted (66.7% ≥ the 50% drift share); 1 feature without data left out\n')).toBe(true);
    expect(cli.invocations('query-monitoring-fn')).toEqual([
      { query: 'getCheck', monitor: 'fraud-live' },
      { query: 'getReport', monitor: 'fraud-live', checkId: '20261125T090000Z' },
    ]);
  });

  it('prints the table monitor check prints, from the same renderer', async () => {
    answerChecks(drifted);

    const { stdout } = await report('fraud-live');

    expect(stdout).toContain(`\n\n${renderDriftTable(windowDriftFixture)}\n`);
  });

  it('reports the check --check names, and gives a window with too few records no verdict', async () => {
    // Arrange
    answerChecks(drifted, earlier);

    // Act
    const { code, stdout } = await report('fraud-live', '--check', '20261125T080000Z');

    // Assert
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 7)).toEqual([
      'Drift report: monitor fraud-live, check 20261125T080000Z',
      '',
      'model        fraud-detector version 12 (baseline of 2000 rows)',
      'window       2026-11-25 07:00 to 2026-11-25 08:00',
      'checked      2026-11-25 08:01',
      'records      40 from 12 capture files (3 outside the window, skipped)',
      'status       insufficient data',
    ]);
    expect(stdout).not.toContain('Dataset drift: YES');
    expect(
      stdout.endsWith("\nDataset drift: no verdict — 40 records in the window, fewer than the monitor's minimum (the scores above are for information)\n"),
    ).toBe(true);
    expect(cli.invocations('query-monitoring-fn')).toEqual([
      { query: 'getCheck', monitor: 'fraud-live', checkId: '20261125T080000Z' },
      { query: 'getReport', monitor: 'fraud-live', checkId: '20261125T080000Z' },
    ]);
  });

  it('saves the HTML report from the monitoring bucket with --html', async () => {
    // Arrange
    answerChecks(drifted);
    cli.mocks.s3.on(GetObjectCommand).resolves({ Body: sdkStreamMixin(Readable.from([Buffer.from(HTML)])) });
    const file = join(directory, 'report.html');

    // Act
    const { code, stdout } = await report('fraud-live', '--html', file);

    // Assert
    expect(code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(HTML);
    expect(cli.mocks.s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'monitoring-bucket', Key: 'reports/fraud-live/20261125T090000Z.html' },
    ]);
    expect(stdout.endsWith(`\nsaved the HTML report to ${file} (${Buffer.byteLength(HTML)} B)\n`)).toBe(true);
  });

  it('prints the check and its report as JSON with --json', async () => {
    answerChecks(drifted);

    const { code, stdout } = await cli.run(['--json', 'monitor', 'report', 'fraud-live'], { env: MONITORING_ENV });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ check: drifted, report: driftReport(drifted) });
  });

  describe('fails', () => {
    it('fails with exit code 1 when the monitor has no checks', async () => {
      cli.answer('query-monitoring-fn', () => ({ errorType: 'NotFoundError', errorMessage: 'monitor fraud-lve has no checks yet' }));

      const { code, stdout, stderr } = await report('fraud-lve');

      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe('error (NotFoundError): monitor fraud-lve has no checks yet\n');
    });

    it('fails with exit code 1 on a malformed check id, before invoking anything', async () => {
      const { code, stderr } = await report('fraud-live', '--check', '2026/11/25');

      expect(code).toBe(1);
      expect(stderr).toBe('error (ValidationError): checkId: must hold only letters, digits and "._:-"\n');
      expect(cli.invocations()).toEqual([]);
    });

    it('fails with exit code 1 when the HTML report is gone from the bucket', async () => {
      answerChecks(drifted);
      cli.mocks.s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

      const { code, stderr } = await report('fraud-live', '--html', join(directory, 'gone.html'));

      expect(code).toBe(1);
      expect(stderr).toBe('error (NotFoundError): no HTML report at s3://monitoring-bucket/reports/fraud-live/20261125T090000Z.html\n');
    });

    it('fails with exit code 2 when the HTML report cannot be written', async () => {
      answerChecks(drifted);
      cli.mocks.s3.on(GetObjectCommand).resolves({ Body: sdkStreamMixin(Readable.from([Buffer.from(HTML)])) });
      const file = join(directory, 'no-such-directory', 'report.html');

      const { code, stderr } = await report('fraud-live', '--html', file);

      expect(code).toBe(2);
      expect(stderr).toBe(`error: cannot write ${file}: no such file or directory\n`);
    });
  });
});
