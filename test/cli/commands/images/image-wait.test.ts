import type { CliClock } from '../../../../cli/context';
import { EXIT_FAILED } from '../../../../cli/exit-status';
import type { ImageVersionRecord } from '../../../../lambda/images/core/model';
import { cliHarness } from '../../harness';
import { BUILD_ID, buildingImage, DIGEST, failedImage, IMAGES_ENV, LOGS_URL, REPOSITORY_URI, readyImage } from './image-fixtures';

const cli = cliHarness();

/** A clock that moves only when the command sleeps; the sleeps are recorded. */
function fakeClock(start = Date.parse('2026-11-25T10:00:30.000Z')) {
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

/** Answers `getImage` with `records` in turn, then the last one again. */
function answerPolls(...records: ImageVersionRecord[]) {
  let poll = 0;
  cli.answer('query-images-fn', (payload) => {
    if (payload.query !== 'getImage') throw new Error(`unexpected query ${String(payload.query)}`);
    return records[Math.min(poll++, records.length - 1)];
  });
}

const phase = (name: string | undefined) => buildingImage({ build: name === undefined ? undefined : { id: BUILD_ID, phase: name } });

beforeEach(() => {
  cli.reset();
});

describe('mlops image wait', () => {
  it('prints a line per phase reached on stderr, then the pinned image, scan and package approvals once READY, exiting 0', async () => {
    // Arrange
    answerPolls(phase(undefined), phase('PROVISIONING'), phase('PRE_BUILD'), phase('PRE_BUILD'), readyImage());
    const { clock, sleeps } = fakeClock();

    // Act
    const { code, stdout, stderr } = await cli.run(['image', 'wait', 'churn-scorer:4', '--interval', '10s'], { env: IMAGES_ENV, context: { clock } });

    // Assert
    expect(code).toBe(0);
    expect(sleeps).toEqual([10_000, 10_000, 10_000, 10_000]);
    expect(cli.invocations('query-images-fn').every((payload) => payload.version === 4)).toBe(true);
    expect(stderr).toBe(
      [
        'churn-scorer version 4  waiting for the build to start  elapsed 30.0s',
        'churn-scorer version 4  PROVISIONING 3/11  elapsed 40.0s',
        'churn-scorer version 4  PRE_BUILD 6/11  elapsed 50.0s',
        '',
      ].join('\n'),
    );
    expect(stdout).toBe(
      [
        'churn-scorer version 4 is READY after 4m 12s',
        '',
        `image   ${REPOSITORY_URI}@${DIGEST}`,
        'models  churn@production → 3, fraud-detector:12',
        'scan    COMPLETE: 2 high, 5 medium, 1 low',
        `build   ${BUILD_ID}`,
        '',
        'MODEL              PACKAGE GROUP   APPROVAL               ARN                                                                      BLOCKED BY',
        'churn:3            churn           Approved               arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7           -',
        'fraud-detector:12  fraud-detector  PendingManualApproval  arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/2  -',
        '',
      ].join('\n'),
    );
  });

  it('redraws one progress line in place on a terminal and clears it at the end', async () => {
    answerPolls(phase('PROVISIONING'), phase('BUILD'), readyImage());

    const { stderr, stdout } = await cli.run(['image', 'wait', 'churn-scorer:4'], { env: IMAGES_ENV, context: { clock: fakeClock().clock }, stderrTTY: true });

    expect(stderr).toBe(
      '\r\x1b[2Kchurn-scorer version 4  PROVISIONING 3/11  elapsed 30.0s...' + '\r\x1b[2Kchurn-scorer version 4  BUILD 7/11  elapsed 35.0s...' + '\r\x1b[2K',
    );
    expect(stdout.split('\n')[0]).toBe('churn-scorer version 4 is READY after 4m 12s');
  });

  it(`prints the failure and the logs link and exits ${EXIT_FAILED} when the build FAILED`, async () => {
    answerPolls(phase('INSTALL'), failedImage());

    const { code, stdout } = await cli.run(['image', 'wait', 'churn-scorer:4'], { env: IMAGES_ENV, context: { clock: fakeClock().clock } });

    expect(code).toBe(EXIT_FAILED);
    expect(stdout).toBe(
      [
        'churn-scorer version 4 FAILED after 2m 30s',
        '',
        'failure  BUILD FAILED: COMMAND_EXECUTION_ERROR: Error while executing command: docker build. Reason: exit status 1',
        `logs     ${LOGS_URL}`,
        `build    ${BUILD_ID}`,
        '',
      ].join('\n'),
    );
  });

  it('follows the version that was newest when it started, and prints the final record alone with --json', async () => {
    answerPolls(phase('BUILD'), readyImage());

    const { code, stdout, stderr } = await cli.run(['--json', 'image', 'wait', 'churn-scorer'], { env: IMAGES_ENV, context: { clock: fakeClock().clock } });

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual(readyImage());
    expect(cli.invocations('query-images-fn')).toEqual([
      { query: 'getImage', name: 'churn-scorer' },
      { query: 'getImage', name: 'churn-scorer', version: 4 },
    ]);
  });

  it('returns at once for a version that is no longer building', async () => {
    answerPolls(readyImage());
    const { clock, sleeps } = fakeClock();

    const { code } = await cli.run(['image', 'wait', 'churn-scorer:4'], { env: IMAGES_ENV, context: { clock } });

    expect(code).toBe(0);
    expect(sleeps).toEqual([]);
  });

  it('fails with exit code 1 when the build has not ended by --timeout', async () => {
    answerPolls(phase('BUILD'));
    const { clock, sleeps } = fakeClock();

    const { code, stdout, stderr } = await cli.run(['image', 'wait', 'churn-scorer:4', '--timeout', '1m', '--interval', '25s'], {
      env: IMAGES_ENV,
      context: { clock },
    });

    expect(code).toBe(1);
    expect(sleeps).toEqual([25_000, 25_000, 10_000]);
    expect(stdout).toBe('');
    expect(stderr.split('\n').slice(-2)).toEqual([
      'error (Timeout): image churn-scorer version 4 is still BUILDING (phase BUILD) after 60 s of waiting: wait again, or look at its build',
      '',
    ]);
  });

  it.each([
    ['--timeout', '0'],
    ['--interval', 'soon'],
  ])('fails with exit code 2 on %s %s', async (flag, value) => {
    const { code, stderr } = await cli.run(['image', 'wait', 'churn-scorer:4', flag, value], { env: IMAGES_ENV });

    expect(code).toBe(2);
    expect(stderr).toContain('expected a duration like 90s, 30m or 1h (a bare number is seconds), more than 0.');
  });
});
