import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EXIT_DRIFT_DETECTED } from '../../../../cli/exit-status';
import { STACK_OUTPUTS } from '../../../../client/shared/catalogue';
import type { CheckRecord } from '../../../../lambda/monitoring/core/model';
import { checkRecord } from '../../../support/monitoring-records';
import { cliHarness } from '../../harness';
import { MONITORING_ENV } from './monitor-fixtures';

const cli = cliHarness();

const fraudDrifted = checkRecord('2026-11-25T09:00:00.000Z', { status: 'drift', driftShare: 2 / 3, driftedFeatures: ['income', 'plan', 'score', 'tenure'] });
const churnStable = checkRecord('2026-11-25T09:00:00.000Z', { monitor: 'churn-live', model: 'churn', version: 3, records: 2410 });
const quietHours = checkRecord('2026-11-25T03:00:00.000Z', {
  monitor: 'quiet-hours',
  status: 'insufficient_data',
  records: 12,
  driftShare: 1,
  driftedFeatures: ['age'],
});

/** Checks of fraud-live, newest first: drift now, a drifted feature before, a quiet hour, a clean window. */
const fraudChecks: CheckRecord[] = [
  fraudDrifted,
  checkRecord('2026-11-25T08:00:00.000Z', { driftShare: 0.25, driftedFeatures: ['plan'] }),
  checkRecord('2026-11-25T07:00:00.000Z', { status: 'insufficient_data', records: 40, driftShare: 0.75, driftedFeatures: ['age', 'plan', 'income'] }),
  checkRecord('2026-11-25T06:00:00.000Z', { records: 1795 }),
];

const status = (args: string[], env: Record<string, string | undefined> = MONITORING_ENV) => cli.run(['monitor', 'status', ...args], { env });

/** Answers `listChecks` from `checks`, `pageSize` a page, with the page's offset as the token. */
function answerChecks(checks: readonly CheckRecord[], pageSize = 100) {
  cli.answer('query-monitoring-fn', (payload) => {
    if (payload.query !== 'listChecks') throw new Error(`unexpected query ${String(payload.query)}`);
    const start = Number(payload.nextToken ?? 0);
    const end = Math.min(checks.length, start + Math.min(pageSize, payload.limit as number));
    return { items: checks.slice(start, end), ...(end < checks.length ? { nextToken: String(end) } : {}) };
  });
}

beforeEach(() => {
  cli.reset();
});

describe('mlops monitor status', () => {
  it('lists every monitor by name with its latest check, and exits 0 whatever the checks found', async () => {
    // Arrange
    cli.answer('query-monitoring-fn', () => ({ monitors: [fraudDrifted, churnStable, quietHours] }));

    // Act
    const { code, stdout, stderr } = await status([]);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'MONITOR      MODEL              WINDOW END        STATUS             RECORDS  DRIFT SHARE  DRIFTED',
        'churn-live   churn:3            2026-11-25 09:00  no drift              2410           0%  -',
        'fraud-live   fraud-detector:12  2026-11-25 09:00  drift                 1840        66.7%  income, plan, score +1',
        'quiet-hours  fraud-detector:12  2026-11-25 03:00  insufficient data       12            -  -',
        '',
      ].join('\n'),
    );
    expect(cli.invocations('query-monitoring-fn')).toEqual([{ query: 'listMonitors' }]);
  });

  it('prints the latest checks as JSON with --json', async () => {
    cli.answer('query-monitoring-fn', () => ({ monitors: [fraudDrifted, churnStable] }));

    const { code, stdout } = await cli.run(['--json', 'monitor', 'status'], { env: MONITORING_ENV });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([fraudDrifted, churnStable]);
  });

  it('says so when no monitor has been checked', async () => {
    cli.answer('query-monitoring-fn', () => ({ monitors: [] }));

    const { code, stdout } = await status([]);

    expect(code).toBe(0);
    expect(stdout).toBe('no monitor has been checked yet\n');
  });

  it(`lists a monitor's checks newest first with the drift share's trend, and exits ${EXIT_DRIFT_DETECTED} when the latest found drift`, async () => {
    // Arrange
    answerChecks(fraudChecks);

    // Act
    const { code, stdout, stderr } = await status(['fraud-live']);

    // Assert
    expect(code).toBe(EXIT_DRIFT_DETECTED);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'monitor fraud-live: its latest 4 checks, newest first',
        '',
        'CHECK             MODEL              WINDOW END        STATUS             RECORDS  DRIFT SHARE  DRIFTED',
        '20261125T090000Z  fraud-detector:12  2026-11-25 09:00  drift                 1840        66.7%  income, plan, score +1',
        '20261125T080000Z  fraud-detector:12  2026-11-25 08:00  no drift              1840          25%  plan',
        '20261125T070000Z  fraud-detector:12  2026-11-25 07:00  insufficient data       40            -  -',
        '20261125T060000Z  fraud-detector:12  2026-11-25 06:00  no drift              1795           0%  -',
        '',
        // Oldest first, the quiet hour left out: 0%, 25%, 66.7%.
        'drift share over 3 checks, oldest first: ▁▄█ (0% to 66.7%; 1 without enough records left out)',
        '',
      ].join('\n'),
    );
    expect(cli.invocations('query-monitoring-fn')).toEqual([{ query: 'listChecks', monitor: 'fraud-live', limit: 20 }]);
  });

  it.each([
    ['no drift', fraudChecks.slice(1)],
    ['insufficient data', fraudChecks.slice(2)],
  ])('exits 0 when the latest check found %s, even after drift', async (_status, checks) => {
    answerChecks([...checks, fraudDrifted]);

    const { code, stdout } = await status(['fraud-live']);

    expect(code).toBe(0);
    expect(stdout).toContain('20261125T090000Z  fraud-detector:12  2026-11-25 09:00  drift');
  });

  it('shows no trend for a single check', async () => {
    answerChecks([churnStable]);

    const { stdout } = await status(['churn-live']);

    expect(stdout).toBe(
      [
        'monitor churn-live: its latest check',
        '',
        'CHECK             MODEL    WINDOW END        STATUS    RECORDS  DRIFT SHARE  DRIFTED',
        '20261125T090000Z  churn:3  2026-11-25 09:00  no drift     2410           0%  -',
        '',
      ].join('\n'),
    );
  });

  it('reads pages until --limit checks are shown', async () => {
    // Arrange
    answerChecks(fraudChecks, 2);

    // Act
    const { stdout } = await status(['fraud-live', '--limit', '3']);

    // Assert
    expect(stdout).toContain('its latest 3 checks, newest first');
    expect(stdout).not.toContain('20261125T060000Z');
    expect(cli.invocations('query-monitoring-fn')).toEqual([
      { query: 'listChecks', monitor: 'fraud-live', limit: 3 },
      { query: 'listChecks', monitor: 'fraud-live', limit: 1, nextToken: '2' },
    ]);
  });

  it(`prints a monitor's checks as JSON with --json, still exiting ${EXIT_DRIFT_DETECTED} on drift`, async () => {
    answerChecks(fraudChecks);

    const { code, stdout } = await cli.run(['--json', 'monitor', 'status', 'fraud-live'], { env: MONITORING_ENV });

    expect(code).toBe(EXIT_DRIFT_DETECTED);
    expect(JSON.parse(stdout)).toEqual(fraudChecks);
  });

  it('says so when a monitor has no checks', async () => {
    answerChecks([]);

    const { code, stdout } = await status(['fraud-lve']);

    expect(code).toBe(0);
    expect(stdout).toBe('monitor fraud-lve has no checks (yet): mlops monitor status lists the monitors that have\n');
  });

  it('fails with exit code 2 on a --limit that is not a count', async () => {
    const { code, stderr } = await status(['fraud-live', '--limit', '0']);

    expect(code).toBe(2);
    expect(stderr).toContain("error: option '--limit <count>' argument '0' is invalid. expected a whole number, 1 or more.");
  });

  it('fails with exit code 1 on a bad monitor name, before invoking anything', async () => {
    const { code, stderr } = await status(['fraud live']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/^error \(ValidationError\): monitor: must start with a letter or digit and hold only letters, digits, "-" and "_"\n$/);
    expect(cli.invocations()).toEqual([]);
  });
});

describe('mlops monitor connection settings', () => {
  const stackWith = (outputs: Record<string, string>) => ({
    Stacks: [
      {
        StackName: 'MlopsPlatform',
        StackStatus: 'UPDATE_COMPLETE' as const,
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  const monitoringOutputs = {
    [STACK_OUTPUTS.collectDataFunctionName]: 'stack-collect-data',
    [STACK_OUTPUTS.registerBaselineFunctionName]: 'stack-register-baseline',
    [STACK_OUTPUTS.queryMonitoringFunctionName]: 'stack-query-monitoring',
    [STACK_OUTPUTS.createMonitorFunctionName]: 'stack-create-monitor',
    [STACK_OUTPUTS.deleteMonitorFunctionName]: 'stack-delete-monitor',
    [STACK_OUTPUTS.monitoringBucketName]: 'stack-monitoring-bucket',
    [STACK_OUTPUTS.artifactBucketName]: 'stack-artifacts',
  };
  const describedStacks = () => cli.mocks.cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName);

  it('discovers the monitoring functions from the stack outputs when none are given', async () => {
    cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves(stackWith(monitoringOutputs));
    cli.answer('stack-query-monitoring', () => ({ monitors: [] }));

    const { code } = await cli.run(['--stack', 'Prod', 'monitor', 'status'], { env: {} });

    expect(code).toBe(0);
    expect(describedStacks()).toEqual(['Prod']);
    expect(cli.invocations('stack-query-monitoring')).toEqual([{ query: 'listMonitors' }]);
  });

  it('reads no stack when the function is given by flag', async () => {
    cli.answer('explicit-query-monitoring', () => ({ monitors: [] }));

    const { code } = await cli.run(['--query-monitoring-function', 'explicit-query-monitoring', 'monitor', 'status'], { env: {} });

    expect(code).toBe(0);
    expect(describedStacks()).toEqual([]);
  });

  it('fails with exit code 1 naming the outputs a stack without monitoring lacks', async () => {
    cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves(stackWith({ [STACK_OUTPUTS.queryRegistryFunctionName]: 'query-fn' }));

    const { code, stderr } = await status([], {});

    expect(code).toBe(1);
    expect(stderr).toBe(
      'error (ConfigurationError): stack "MlopsPlatform" has no output CollectDataFunctionName, RegisterBaselineFunctionName, QueryMonitoringFunctionName, ' +
        'CreateMonitorFunctionName, DeleteMonitorFunctionName, MonitoringBucketName, ArtifactBucketName: does it include model monitoring, fully deployed?\n',
    );
  });

  it('fails with exit code 1 saying to restart the local platform when its descriptor predates local monitoring', async () => {
    // Arrange
    const directory = mkdtempSync(join(tmpdir(), 'mlops-local-'));
    const descriptor = join(directory, 'platform.json');
    writeFileSync(
      descriptor,
      JSON.stringify({
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        endpoints: { lambda: 'http://127.0.0.1:3001', dynamodb: 'http://127.0.0.1:8000', s3: 'http://127.0.0.1:5000' },
        functions: { registerModel: 'r', setModelAlias: 'a', queryRegistry: 'q' },
        artifactBucket: 'artifacts',
        eventBus: 'bus',
      }),
    );

    // Act
    const { code, stderr } = await status([], { MLOPS_LOCAL: descriptor });
    rmSync(directory, { recursive: true, force: true });

    // Assert
    expect(code).toBe(1);
    expect(stderr).toBe("error (ConfigurationError): the local platform's descriptor names no queryMonitoring function: restart npm run local\n");
  });
});
