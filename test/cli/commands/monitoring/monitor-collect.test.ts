import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliHarness } from '../../harness';
import { MONITORING_ENV } from './monitor-fixtures';

const cli = cliHarness();
const directory = mkdtempSync(join(tmpdir(), 'mlops-collect-'));
const collect = (args: string[]) => cli.run(['monitor', 'collect', ...args], { env: MONITORING_ENV });

beforeEach(() => {
  cli.reset();
  cli.answer('collect-data-fn', (payload) => ({ monitor: payload.monitor, records: (payload.records as unknown[]).length, key: 'collected/x.jsonl' }));
});

describe('mlops monitor collect', () => {
  it("sends a CSV file's rows as records, numbers as numbers, blanks as missing, excluded columns left out", async () => {
    // Arrange
    const file = join(directory, 'production.csv');
    writeFileSync(file, 'tenure,plan,churned\n12,basic,1\n,premium,0\n');

    // Act
    const { code, stdout, stderr } = await collect(['churn-live', file, '--exclude', 'churned', '--inference-time', '2026-12-06T14:30:00Z']);

    // Assert
    expect([code, stderr]).toEqual([0, '']);
    expect(cli.invocations('collect-data-fn')).toEqual([
      expect.objectContaining({
        monitor: 'churn-live',
        records: [
          { tenure: 12, plan: 'basic' },
          { tenure: null, plan: 'premium' },
        ],
        inferenceTime: '2026-12-06T14:30:00Z',
      }),
    ]);
    expect(stdout).toBe(`sent 2 records from ${file} to monitor churn-live in 1 batch (inference time 2026-12-06T14:30:00Z)\n`);
  });

  it('sends a large JSON Lines file in batches of 1000, all with one inference time', async () => {
    // Arrange
    const file = join(directory, 'production.jsonl');
    writeFileSync(file, `${Array.from({ length: 2500 }, (_, index) => JSON.stringify({ score: index })).join('\n')}\n`);

    // Act
    const { code } = await collect(['churn-live', file]);

    // Assert
    const batches = cli.invocations('collect-data-fn');
    expect(code).toBe(0);
    expect(batches.map((batch) => (batch.records as unknown[]).length)).toEqual([1000, 1000, 500]);
    expect(new Set(batches.map((batch) => batch.inferenceTime)).size).toBe(1);
    expect(new Set(batches.map((batch) => batch.batchId)).size).toBe(3);
  });

  it('fails on a file that cannot be read, sending nothing', async () => {
    // Act
    const { code, stderr } = await collect(['churn-live', join(directory, 'missing.csv')]);

    // Assert
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/missing\.csv/);
    expect(cli.invocations('collect-data-fn')).toEqual([]);
  });
});
