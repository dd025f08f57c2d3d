import type { StoredMonitor } from '../../../../lambda/monitoring/core/stored-monitor';
import { sampleStoredMonitor } from '../../../lambda/monitoring/stored-monitor-fakes';
import { cliHarness } from '../../harness';
import { MONITORING_ENV } from './monitor-fixtures';

const cli = cliHarness();
const run = (args: string[]) => cli.run(args, { env: MONITORING_ENV });

/** The deployment's stored monitor, as CreateMonitor answers it. */
const stored = (overrides: Partial<StoredMonitor> = {}): StoredMonitor =>
  sampleStoredMonitor(
    { monitor: 'churn-live', model: 'churn', version: 5, bucket: 'monitoring-bucket', prefix: 'captured/mlops-churn-live/' },
    { nextCheckAt: '2026-12-01T11:00:00.000Z', deployment: 'churn-live', createdBy: 'ana@laptop', ...overrides },
  );

beforeEach(() => cli.reset());

describe('mlops monitor create', () => {
  it("stores a monitor of a deployment's capture and shows what it compares, how often and when it is next checked", async () => {
    cli.answer('create-monitor-fn', () => stored());

    const { code, stdout } = await run([
      'monitor',
      'create',
      'churn-live',
      '--model',
      'churn:5',
      '--deployment',
      'churn-live',
      '--every',
      '1h',
      '--min-records',
      '50',
    ]);

    expect(code).toBe(0);
    expect(cli.invocations('create-monitor-fn')).toEqual([
      expect.objectContaining({
        monitor: 'churn-live',
        model: 'churn',
        version: 5,
        deployment: 'churn-live',
        scheduleMinutes: 60,
        minRecords: 50,
        actor: 'ana@laptop',
      }),
    ]);
    expect(stdout).toContain("compares    churn:5's baseline\n");
    expect(stdout).toContain('with        deployment churn-live (s3://monitoring-bucket/captured/mlops-churn-live/)\n');
    expect(stdout).toContain('next check  2026-12-01 11:00\n');
  });

  it('takes MODEL@ALIAS, and refuses anything else before calling', async () => {
    cli.answer('create-monitor-fn', () => stored());

    await run(['monitor', 'create', 'batch', '--model', 'churn@production']);
    const refused = await run(['monitor', 'create', 'batch', '--model', 'churn']);

    expect(cli.invocations('create-monitor-fn')).toEqual([expect.objectContaining({ model: 'churn', alias: 'production' })]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--model expects MODEL:VERSION or MODEL@ALIAS, got "churn"');
  });

  it('passes the refusal of a version without a baseline on', async () => {
    cli.answer('create-monitor-fn', () => ({ errorType: 'ValidationError', errorMessage: 'version: model churn version 7 has no baseline to compare with' }));

    const { code, stderr } = await run(['monitor', 'create', 'm', '--model', 'churn:7']);

    expect(code).not.toBe(0);
    expect(stderr).toContain('has no baseline to compare with');
  });
});

describe('mlops monitor list and delete', () => {
  it('lists the stored monitors in a table', async () => {
    cli.answer('query-monitoring-fn', () => ({
      monitors: [
        stored(),
        stored({ config: { ...stored().config, monitor: 'batch', version: undefined, alias: 'production' }, deployment: undefined, scheduleMinutes: 1440 }),
      ],
    }));

    const { stdout } = await run(['monitor', 'list']);

    expect(cli.invocations('query-monitoring-fn')).toEqual([{ query: 'listStoredMonitors' }]);
    expect(stdout).toBe(
      [
        'MONITOR     COMPARES          RECORDS                EVERY  NEXT CHECK',
        'churn-live  churn:5           deployment churn-live    60m  2026-12-01 11:00',
        'batch       churn@production  collected records      1440m  2026-12-01 11:00',
        '',
      ].join('\n'),
    );
  });

  it('deletes a stored monitor', async () => {
    cli.answer('delete-monitor-fn', () => stored());

    const { code, stdout } = await run(['monitor', 'delete', 'churn-live']);

    expect(code).toBe(0);
    expect(cli.invocations('delete-monitor-fn')).toEqual([{ monitor: 'churn-live', actor: 'ana@laptop' }]);
    expect(stdout).toBe('deleted monitor churn-live: it is no longer checked; its checks and reports stay\n');
  });
});
