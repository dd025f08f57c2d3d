import { fraudModel, fraudVersion } from '../../fixtures';
import { cliHarness } from '../../harness';
import { RUN_A, RUN_B, RUN_C, runRecord, summaryOf, TRACKING_ENV } from './run-fixtures';

const cli = cliHarness();

const runs = [
  runRecord({
    runId: RUN_A,
    runName: 'fraud-7',
    status: 'COMPLETED',
    params: { lr: '0.01', optimizer: 'adam', epochs: '12', seed: '1' },
    metrics: { val_loss: summaryOf([0.6, 0.41]), auc: summaryOf([0.88, 0.912]), train_time_s: summaryOf([311]) },
  }),
  runRecord({
    runId: RUN_B,
    runName: 'fraud-8',
    runNumber: 8,
    status: 'COMPLETED',
    startTime: '2026-11-24T11:00:00.000Z',
    params: { lr: '0.003', optimizer: 'adam', epochs: '12', seed: '1' },
    metrics: { val_loss: summaryOf([0.5, 0.38]), auc: summaryOf([0.9, 0.925]) },
  }),
  runRecord({
    runId: RUN_C,
    runName: 'fraud-9',
    runNumber: 9,
    status: 'FAILED',
    startTime: '2026-11-24T12:00:00.000Z',
    params: { lr: '0.003', optimizer: 'sgd', epochs: '12', seed: '1', momentum: '0.9' },
    metrics: { val_loss: summaryOf([0.7, 0.52]), auc: summaryOf([0.85, 0.87]) },
  }),
];

const answerGetRuns = () =>
  cli.answer('query-runs-fn', (payload) => {
    if (payload.query !== 'getRuns') throw new Error(`unexpected query ${String(payload.query)}`);
    return { runs: (payload.runIds as string[]).map((runId) => runs.find((run) => run.runId === runId)) };
  });

/** fraud-detector 8..12 with their AUCs; production points at 11. */
const AUC: Record<number, number> = { 8: 0.89, 9: 0.9, 10: 0.905, 11: 0.9132, 12: 0.9301 };
const versions = [12, 11, 10, 9, 8].map((version) => fraudVersion(version, { metrics: { auc: AUC[version], f1: 0.8 } }));

function answerRegistry(aliases: Record<string, number> = { production: 11, staging: 12 }, overrides: Record<number, ReturnType<typeof fraudVersion>> = {}) {
  const byVersion = (version: number) => overrides[version] ?? versions.find((record) => record.version === version)!;
  cli.answerQueries({
    getModel: () => ({ ...fraudModel, aliases }),
    getVersion: (payload) => byVersion(payload.version === 'latest' ? 12 : (payload.version as number)),
    listVersions: () => ({ items: versions.map((record) => byVersion(record.version)) }),
  });
}

beforeEach(() => {
  cli.reset();
});

describe('mlops run compare (runs)', () => {
  it('shows the params that differ, every last metric and the best run by the first shared metric', async () => {
    // Arrange
    answerGetRuns();

    // Act
    const { code, stdout } = await cli.run(['run', 'compare', RUN_A, RUN_B, RUN_C], { env: TRACKING_ENV });

    // Assert
    expect(code).toBe(0);
    expect(cli.invocations('query-runs-fn')).toEqual([{ query: 'getRuns', runIds: [RUN_A, RUN_B, RUN_C] }]);
    expect(stdout).toBe(
      [
        `         fraud-7                           fraud-8                           fraud-9`,
        `id       ${RUN_A}  ${RUN_B}  ${RUN_C}`,
        'status   COMPLETED                         COMPLETED                         FAILED',
        'started  2026-11-24 10:00                  2026-11-24 11:00                  2026-11-24 12:00',
        '',
        'PARAMETER  fraud-7  fraud-8  fraud-9',
        'lr         0.01     0.003    0.003',
        'momentum   -        -        0.9',
        'optimizer  adam     adam     sgd',
        '',
        '2 params equal in every run',
        '',
        'LAST METRIC   fraud-7   fraud-8   fraud-9',
        'auc             0.912     0.925*     0.87',
        'train_time_s      311         -         -',
        'val_loss         0.41      0.38      0.52',
        '',
        `best by auc (higher is better): fraud-8 (${RUN_B}) with 0.925`,
        '',
      ].join('\n'),
    );
  });

  it('picks the best by the metric given, lower is better for losses, leaving out runs without it', async () => {
    answerGetRuns();

    const { stdout } = await cli.run(['run', 'compare', RUN_A, RUN_C, '--metric', 'val_loss'], { env: TRACKING_ENV });
    const timed = await cli.run(['run', 'compare', RUN_A, RUN_B, '--metric', 'train_time_s', '--mode', 'min'], { env: TRACKING_ENV });

    expect(stdout).toContain(`best by val_loss (lower is better): fraud-7 (${RUN_A}) with 0.41\n`);
    expect(timed.stdout).toContain(`best by train_time_s (lower is better): fraud-7 (${RUN_A}) with 311 (1 run without it left out)\n`);
  });

  it('gives the comparison as JSON with --json', async () => {
    answerGetRuns();

    const { stdout } = await cli.run(['--json', 'run', 'compare', RUN_A, RUN_B], { env: TRACKING_ENV });

    expect(JSON.parse(stdout)).toEqual({
      runIds: [RUN_A, RUN_B],
      metric: 'auc',
      mode: 'max',
      best: [{ runId: RUN_B, runName: 'fraud-8', value: 0.925 }],
      differingParams: { lr: ['0.01', '0.003'] },
      equalParams: 3,
      metrics: { auc: [0.912, 0.925], train_time_s: [311, null], val_loss: [0.41, 0.38] },
    });
  });

  it('fails with exit code 2 when fewer than two runs are given', async () => {
    const { code, stderr } = await cli.run(['run', 'compare', RUN_A], { env: TRACKING_ENV });

    expect(code).toBe(2);
    expect(stderr).toContain('compare needs two or more run ids (or --model NAME)');
    expect(cli.invocations()).toEqual([]);
  });
});

describe('mlops run compare --model', () => {
  it('compares the latest version with its earlier versions and production, saying it is better', async () => {
    answerRegistry();

    const { code, stdout } = await cli.run(['run', 'compare', '--model', 'fraud-detector'], { env: TRACKING_ENV });

    expect(code).toBe(0);
    expect(cli.invocations('query-fn')).toEqual(
      expect.arrayContaining([
        { query: 'getVersion', name: 'fraud-detector', version: 'latest' },
        { query: 'getModel', name: 'fraud-detector' },
        { query: 'listVersions', name: 'fraud-detector', limit: 25 },
      ]),
    );
    expect(stdout).toBe(
      [
        'fraud-detector version 12 against production (version 11) and 3 earlier versions, on auc (higher is better)',
        '',
        'VERSION  ALIASES     CREATED              AUC    F1',
        '     12  staging     2026-11-22 10:15  0.9301*  0.8',
        '     11  production  2026-11-21 10:15  0.9132   0.8',
        '     10  -           2026-11-20 10:15  0.905    0.8',
        '      9  -           2026-11-19 10:15  0.9      0.8',
        '      8  -           2026-11-18 10:15  0.89     0.8',
        '',
        'version 12 is BETTER than production (version 11) on auc (higher is better): 0.9301 against 0.9132 (+0.0169)',
        '',
      ].join('\n'),
    );
  });

  it('says a version is worse than the alias named, on the metric given', async () => {
    answerRegistry({ prod: 12 });

    const { stdout } = await cli.run(['run', 'compare', '--model', 'fraud-detector:10', '--alias', 'prod', '--metric', 'auc'], { env: TRACKING_ENV });

    expect(stdout.split('\n')[0]).toBe('fraud-detector version 10 against prod (version 12) and 2 earlier versions, on auc (higher is better)');
    expect(stdout).toContain('version 10 is WORSE than prod (version 12) on auc (higher is better): 0.905 against 0.9301 (-0.0251)\n');
  });

  it('compares with earlier versions only when the model has no production alias', async () => {
    answerRegistry({ staging: 12 });

    const { stdout } = await cli.run(['run', 'compare', '--model', 'fraud-detector'], { env: TRACKING_ENV });

    expect(stdout.split('\n')[0]).toBe('fraud-detector version 12 and 4 earlier versions, on auc (higher is better)');
    expect(stdout).toContain('no alias production on fraud-detector: version 12 is compared with earlier versions only\n');
  });

  it('says when the alias points at the version already, or the aliased version lacks the metric', async () => {
    answerRegistry({ production: 12 });
    const same = await cli.run(['run', 'compare', '--model', 'fraud-detector:12'], { env: TRACKING_ENV });
    cli.reset();
    answerRegistry({ production: 11 }, { 11: fraudVersion(11, { metrics: { f1: 0.81 } }) });
    const missing = await cli.run(['run', 'compare', '--model', 'fraud-detector', '--metric', 'auc'], { env: TRACKING_ENV });

    expect(same.stdout).toContain('production points at version 12 already\n');
    expect(missing.stdout).toContain('cannot tell whether version 12 is better than production (version 11): version 11 has no metric auc\n');
  });

  it('gives the comparison as JSON with --json', async () => {
    answerRegistry();

    const { stdout } = await cli.run(['--json', 'run', 'compare', '--model', 'fraud-detector:12'], { env: TRACKING_ENV });

    expect(JSON.parse(stdout)).toMatchObject({
      model: 'fraud-detector',
      candidate: 12,
      alias: { name: 'production', version: 11 },
      metric: 'auc',
      mode: 'max',
      verdict: { result: 'better', candidateValue: 0.9301, aliasValue: 0.9132 },
    });
  });

  it('fails with exit code 2 naming the aliases the model has when the alias given does not exist', async () => {
    answerRegistry();

    const { code, stderr } = await cli.run(['run', 'compare', '--model', 'fraud-detector', '--alias', 'prod'], { env: TRACKING_ENV });

    expect(code).toBe(2);
    expect(stderr).toContain('fraud-detector has no alias prod (it has production, staging)');
  });

  it('fails with exit code 2 when run ids and --model are both given', async () => {
    const { code, stderr } = await cli.run(['run', 'compare', RUN_A, '--model', 'fraud-detector'], { env: TRACKING_ENV });

    expect(code).toBe(2);
    expect(stderr).toContain('give run ids or --model, not both');
  });
});
