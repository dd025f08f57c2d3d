import type { CliClock } from '../../../../cli/context';
import type { RunRecord } from '../../../../lambda/experiments/core/model';
import { cliHarness } from '../../harness';
import { pointsOf, RUN_A, runRecord, summaryOf, TRACKING_ENV } from './run-fixtures';

const cli = cliHarness();

/** A clock that moves only when the command sleeps; the sleeps are recorded. */
function fakeClock(start = Date.parse('2026-11-24T10:02:05.000Z')) {
  let now = start;
  const sleeps: number[] = [];
  const clock: CliClock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { clock, sleeps };
}

const LOSS = [0.93, 0.81, 0.7, 0.62, 0.55, 0.49, 0.45, 0.41, 0.38, 0.36, 0.34, 0.33];
const ACCURACY = [0.5, 0.61, 0.7, 0.76, 0.8, 0.83, 0.85, 0.87, 0.88, 0.89, 0.9, 0.905];

/** The run as three polls see it: early, later, ended. */
function polls(final: Partial<RunRecord>): RunRecord[] {
  return [
    runRecord({ metrics: { loss: summaryOf(LOSS.slice(0, 4)), accuracy: summaryOf(ACCURACY.slice(0, 4)) } }),
    runRecord({ metrics: { loss: summaryOf(LOSS.slice(0, 8)), accuracy: summaryOf(ACCURACY.slice(0, 8)) } }),
    runRecord({ metrics: { loss: summaryOf(LOSS), accuracy: summaryOf(ACCURACY) }, endTime: '2026-11-24T10:02:09.000Z', ...final }),
  ];
}

function answerPolls(runs: RunRecord[]) {
  let poll = 0;
  cli.answer('query-runs-fn', (payload) => {
    if (payload.query === 'getRun') return runs[Math.min(poll++, runs.length - 1)];
    if (payload.query === 'metricHistory') {
      const run = runs[Math.min(poll, runs.length) - 1];
      const count = run.metrics[payload.metric as string].count;
      return { runId: RUN_A, metric: payload.metric, items: pointsOf((payload.metric === 'loss' ? LOSS : ACCURACY).slice(0, count)) };
    }
    throw new Error(`unexpected query ${String(payload.query)}`);
  });
}

beforeEach(() => {
  cli.reset();
});

describe('mlops run watch', () => {
  it('polls until the run ends and prints only the final view when stdout is not a terminal, exiting 0 on COMPLETED', async () => {
    // Arrange
    answerPolls(polls({ status: 'COMPLETED' }));
    const { clock, sleeps } = fakeClock();

    // Act
    const { code, stdout, stderr } = await cli.run(['run', 'watch', RUN_A, '--interval', '0.5'], { env: TRACKING_ENV, context: { clock }, columns: 80 });

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(sleeps).toEqual([500, 500]);
    expect(stdout).toBe(
      [
        'fraud-7  COMPLETED  ran 2m 09s  step 11',
        `run ${RUN_A} of experiment fraud`,
        '',
        'METRIC     LAST   MIN    MAX  STEP  POINTS  HISTORY',
        'accuracy  0.905  0.5   0.905    11      12  ▁▃▄▅▆▇▇▇████',
        'loss      0.33   0.33  0.93     11      12  █▇▅▄▄▃▂▂▂▁▁▁',
        '',
      ].join('\n'),
    );
  });

  it('reads a metric history again only when its point count changed', async () => {
    const runs = polls({ status: 'COMPLETED' });
    answerPolls([runs[0], runs[0], runs[2]]);

    await cli.run(['run', 'watch', RUN_A], { env: TRACKING_ENV, context: { clock: fakeClock().clock } });

    const historyReads = cli.invocations('query-runs-fn').filter((payload) => payload.query === 'metricHistory');
    expect(historyReads).toHaveLength(4);
  });

  it('redraws the view in place on a terminal', async () => {
    answerPolls(polls({ status: 'COMPLETED' }));

    const { stdout } = await cli.run(['run', 'watch', RUN_A], { env: TRACKING_ENV, context: { clock: fakeClock().clock }, stdoutTTY: true, columns: 60 });

    // Three views; before the second and third the cursor goes back up the six lines drawn and clears.
    expect(stdout.split('\x1b[6F\x1b[J')).toHaveLength(3);
    expect(stdout).toContain('fraud-7  RUNNING  elapsed 2m 05s  step 3\n');
    expect(stdout).toContain('fraud-7  RUNNING  elapsed 2m 07s  step 7\n');
    expect(stdout.split('\n').every((line) => [...line.replace(/\x1b\[\d*[A-Z]/g, '')].length < 60)).toBe(true);
  });

  it('exits 1 when the run ended otherwise than COMPLETED, showing why', async () => {
    answerPolls(polls({ status: 'FAILED', reason: 'exit code 1' }));

    const { code, stdout } = await cli.run(['run', 'watch', RUN_A], { env: TRACKING_ENV, context: { clock: fakeClock().clock } });

    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toBe('fraud-7  FAILED (exit code 1)  ran 2m 09s  step 11');
  });

  it('stops at CRASHED too, and prints the final record with --json', async () => {
    answerPolls(polls({ status: 'CRASHED', reason: 'no heartbeat since 2026-11-24T10:02:09.000Z (the sweep waits 600 s)' }));

    const { code, stdout } = await cli.run(['--json', 'run', 'watch', RUN_A], { env: TRACKING_ENV, context: { clock: fakeClock().clock } });

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ runId: RUN_A, status: 'CRASHED' });
    expect(cli.invocations('query-runs-fn').every((payload) => payload.query === 'getRun')).toBe(true);
  });

  it('fails with exit code 2 on an interval that is not a positive number', async () => {
    const { code, stderr } = await cli.run(['run', 'watch', RUN_A, '--interval', '0'], { env: TRACKING_ENV });

    expect(code).toBe(2);
    expect(stderr).toContain('expected a number of seconds, more than 0.');
  });
});
