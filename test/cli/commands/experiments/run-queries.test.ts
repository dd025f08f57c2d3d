import type { CliClock } from '../../../../cli/context';
import { cliHarness } from '../../harness';
import { pointsOf, RUN_A, RUN_B, RUN_C, runRecord, summaryOf, TRACKING_ENV } from './run-fixtures';

const cli = cliHarness();
const clock: CliClock = { now: () => Date.parse('2026-11-24T11:00:00.000Z'), sleep: async () => undefined };

type Handler = (payload: Record<string, unknown>) => unknown;
const answerRunQueries = (byQuery: Record<string, Handler>) =>
  cli.answer('query-runs-fn', (payload) => {
    const handler = byQuery[payload.query as string];
    if (!handler) throw new Error(`unexpected query ${String(payload.query)}`);
    return handler(payload);
  });

const finished = runRecord({
  status: 'COMPLETED',
  endTime: '2026-11-24T10:42:30.000Z',
  gitCommit: '0123456789abcdef0123456789abcdef01234567',
  command: 'python train.py --epochs 12',
  params: { lr: '0.01', optimizer: 'adam' },
  tags: { team: 'risk' },
  metrics: { loss: summaryOf([0.93, 0.7, 0.55, 0.45, 0.38, 0.34, 0.33]), auc: summaryOf([0.71, 0.8, 0.86, 0.9, 0.91]) },
  registeredVersions: ['fraud-detector:12'],
});

beforeEach(() => {
  cli.reset();
});

describe('mlops run list', () => {
  it('prints the runs newest first with their duration and the last value of the metrics most runs have', async () => {
    // Arrange
    answerRunQueries({
      listRuns: () => ({
        items: [
          runRecord({ runId: RUN_C, runName: 'fraud-9', runNumber: 9, startTime: '2026-11-24T10:55:00.000Z', metrics: { loss: summaryOf([0.8, 0.6]) } }),
          runRecord({
            runId: RUN_B,
            runName: 'fraud-8',
            runNumber: 8,
            status: 'FAILED',
            reason: 'exit code 1',
            endTime: '2026-11-24T10:00:12.500Z',
            metrics: { loss: summaryOf([0.9]) },
          }),
          { ...finished, metrics: { ...finished.metrics, f1: summaryOf([0.8]), precision: summaryOf([0.7]) } },
        ],
      }),
    });

    // Act
    const { code, stdout } = await cli.run(['run', 'list', '--experiment', 'fraud'], { env: TRACKING_ENV, context: { clock } });

    // Assert
    expect(code).toBe(0);
    expect(cli.invocations('query-runs-fn')).toEqual([{ query: 'listRuns', experiment: 'fraud', limit: 20 }]);
    expect(stdout).toBe(
      [
        'NAME     ID                                STATUS     STARTED           DURATION  LOSS   AUC   F1',
        `fraud-9  ${RUN_C}  RUNNING    2026-11-24 10:55    5m 00s   0.6     -    -`,
        `fraud-8  ${RUN_B}  FAILED     2026-11-24 10:00     12.5s   0.9     -    -`,
        `fraud-7  ${RUN_A}  COMPLETED  2026-11-24 10:00   42m 30s  0.33  0.91  0.8`,
        '',
      ].join('\n'),
    );
  });

  it('asks for the status given and stops at the limit, across pages', async () => {
    answerRunQueries({
      listRuns: (payload) =>
        payload.nextToken
          ? { items: [runRecord({ runId: RUN_B }), runRecord({ runId: RUN_C })], nextToken: 'page-3' }
          : { items: [runRecord()], nextToken: 'page-2' },
    });

    const { stdout } = await cli.run(['--json', 'run', 'list', '--experiment', 'fraud', '--status', 'RUNNING', '--limit', '2'], { env: TRACKING_ENV });

    expect(cli.invocations('query-runs-fn')).toEqual([
      { query: 'listRuns', experiment: 'fraud', status: 'RUNNING', limit: 2 },
      { query: 'listRuns', experiment: 'fraud', status: 'RUNNING', limit: 1, nextToken: 'page-2' },
    ]);
    expect((JSON.parse(stdout) as { runId: string }[]).map((run) => run.runId)).toEqual([RUN_A, RUN_B]);
  });

  it('says so when the experiment has no runs in that status', async () => {
    answerRunQueries({ listRuns: () => ({ items: [] }) });

    const { stdout } = await cli.run(['run', 'list', '--experiment', 'fraud', '--status', 'CRASHED'], { env: TRACKING_ENV });

    expect(stdout).toBe('no CRASHED runs in experiment fraud\n');
  });

  it('fails with exit code 2 on an unknown status, invoking nothing', async () => {
    const { code, stderr } = await cli.run(['run', 'list', '--experiment', 'fraud', '--status', 'DONE'], { env: TRACKING_ENV });

    expect(code).toBe(2);
    expect(stderr).toContain('Allowed choices are RUNNING, COMPLETED, FAILED, KILLED, CRASHED');
    expect(cli.invocations()).toEqual([]);
  });
});

describe('mlops run show', () => {
  it('prints the run, its metrics with a chart of each history, params, tags and registered versions', async () => {
    answerRunQueries({
      getRun: () => finished,
      metricHistory: (payload) => ({
        runId: RUN_A,
        metric: payload.metric,
        items: pointsOf(payload.metric === 'loss' ? [0.93, 0.7, 0.55, 0.45, 0.38, 0.34, 0.33] : [0.71, 0.8, 0.86, 0.9, 0.91]),
      }),
    });

    const { code, stdout } = await cli.run(['run', 'show', RUN_A], { env: TRACKING_ENV, context: { clock } });

    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'fraud-7 (run 7 of experiment fraud)',
        '',
        `id          ${RUN_A}`,
        'status      COMPLETED',
        'started     2026-11-24 10:00 by ana@laptop',
        'ended       2026-11-24 10:42',
        'duration    42m 30s',
        'git commit  0123456789abcdef0123456789abcdef01234567',
        'command     python train.py --epochs 12',
        'registered  fraud-detector:12',
        '',
        'METRIC  LAST   MIN   MAX  STEP  POINTS  HISTORY',
        'auc     0.91  0.71  0.91     4       5  ▁▄▆██',
        'loss    0.33  0.33  0.93     6       7  █▅▄▂▂▁▁',
        '',
        'PARAM      VALUE',
        'lr         0.01',
        'optimizer  adam',
        '',
        'TAG   VALUE',
        'team  risk',
        '',
      ].join('\n'),
    );
  });

  it('shows how long a running run has been going and its last heartbeat', async () => {
    answerRunQueries({ getRun: () => runRecord() });

    const { stdout } = await cli.run(['run', 'show', RUN_A], { env: TRACKING_ENV, context: { clock } });

    expect(stdout).toContain('running for     1h 00m\nlast heartbeat  2026-11-24 10:30\n');
    expect(stdout).toContain('no metrics logged\n');
  });

  it('prints the record alone with --json, reading no history', async () => {
    answerRunQueries({ getRun: () => finished });

    const { stdout } = await cli.run(['--json', 'run', 'show', RUN_A], { env: TRACKING_ENV });

    expect(JSON.parse(stdout)).toEqual(finished);
    expect(cli.invocations('query-runs-fn')).toEqual([{ query: 'getRun', runId: RUN_A }]);
  });

  it('fails with exit code 1 and the message of the function when the run does not exist', async () => {
    answerRunQueries({ getRun: () => ({ errorType: 'NotFoundError', errorMessage: `run ${RUN_B} does not exist` }) });

    const { code, stderr } = await cli.run(['run', 'show', RUN_B], { env: TRACKING_ENV });

    expect(code).toBe(1);
    expect(stderr).toBe(`error (NotFoundError): run ${RUN_B} does not exist\n`);
  });

  it('fails with exit code 1 before invoking anything when the id is not a run id', async () => {
    const { code, stderr } = await cli.run(['run', 'show', 'fraud-7'], { env: TRACKING_ENV });

    expect(code).toBe(1);
    expect(stderr).toContain('must be a run id: 32 lowercase hex digits');
    expect(cli.invocations()).toEqual([]);
  });
});

describe('mlops run sweep', () => {
  it('runs the sweep now and lists the runs it declared crashed', async () => {
    cli.answer('sweep-runs-fn', () => ({ crashed: [RUN_B], running: 2 }));
    answerRunQueries({ getRuns: () => ({ runs: [runRecord({ runId: RUN_B, runName: 'fraud-8', status: 'CRASHED' })] }) });

    const { code, stdout } = await cli.run(['run', 'sweep'], { env: TRACKING_ENV });

    expect(code).toBe(0);
    expect(cli.invocations('sweep-runs-fn')).toEqual([{}]);
    expect(stdout).toBe(
      [
        'declared 1 run crashed; 2 runs still running',
        '',
        'EXPERIMENT  NAME     ID                                STARTED           LAST HEARTBEAT',
        `fraud       fraud-8  ${RUN_B}  2026-11-24 10:00  2026-11-24 10:30`,
        '',
      ].join('\n'),
    );
  });

  it('lists the crashed ids alone when the runs cannot be read', async () => {
    cli.answer('sweep-runs-fn', () => ({ crashed: [RUN_B, RUN_C], running: 0 }));

    const { stdout } = await cli.run(['run', 'sweep'], { env: { MLOPS_SWEEP_RUNS_FUNCTION: 'sweep-runs-fn' } });

    expect(stdout).toBe(`declared 2 runs crashed; 0 runs still running\n\n${RUN_B}\n${RUN_C}\n`);
  });

  it('says so when no run was silent, and prints the result with --json', async () => {
    cli.answer('sweep-runs-fn', () => ({ crashed: [], running: 1 }));

    const text = await cli.run(['run', 'sweep'], { env: TRACKING_ENV });
    const json = await cli.run(['--json', 'run', 'sweep'], { env: TRACKING_ENV });

    expect(text.stdout).toBe('no runs declared crashed; 1 run still running\n');
    expect(JSON.parse(json.stdout)).toEqual({ crashed: [], running: 1 });
  });
});
