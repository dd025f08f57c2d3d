import { join } from 'node:path';
import * as z from 'zod/mini';
import { commandLine } from '../../../../cli/commands/experiments/run-exec';
import type { CliClock, ForwardedSignal, ProcessControl } from '../../../../cli/context';
import { nodeProcesses } from '../../../../cli/exec/node-process';
import { redactSecrets } from '../../../../cli/exec/redact-command';
import { StartRunRequest } from '../../../../lambda/experiments/core/schemas';
import { cliHarness } from '../../harness';
import { RUN_A, runRecord, TRACKING_ENV } from './run-fixtures';

const cli = cliHarness();
const TRAIN = join(__dirname, '..', '..', 'fixtures', 'train.js');
const WAIT_FOR_SIGNAL = join(__dirname, '..', '..', 'fixtures', 'wait-for-signal.js');
const NOW = Date.parse('2026-11-24T10:00:00.000Z');
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** Real children; git, the working directory, signals and time faked. */
function testProcesses() {
  const signalHandlers = new Map<ForwardedSignal, () => void>();
  const childOutput: string[] = [];
  const processes: ProcessControl = {
    spawn: (command, args, options) => {
      const child = nodeProcesses.spawn(command, args, options);
      child.stdout?.on('data', (chunk: Buffer) => childOutput.push(chunk.toString()));
      return child;
    },
    cwd: () => __dirname,
    gitSource: async () => ({ commit: COMMIT, dirty: true }),
    onSignal: (signal, handler) => {
      signalHandlers.set(signal, handler);
      return () => void signalHandlers.delete(signal);
    },
  };
  let now = NOW;
  const clock: CliClock = { now: () => (now += 1000), sleep: async () => undefined };
  return {
    context: { processes, clock },
    signal: (signal: ForwardedSignal) => signalHandlers.get(signal)?.(),
    signalHandlers,
    childSaid: (text: string) => childOutput.join('').includes(text),
  };
}

interface SentPoint {
  name: string;
  value: number;
  step: number;
  timestamp: number;
}

/** Every point sent to LogMetrics, by metric then step (stdout and stderr lines interleave in any order). */
const sentPoints = () =>
  cli
    .invocations('log-metrics-fn')
    .flatMap((payload) => (payload.metrics ?? []) as SentPoint[])
    .sort((a, b) => a.name.localeCompare(b.name) || a.step - b.step);

beforeEach(() => {
  cli.reset();
  cli.answer('start-run-fn', (payload) =>
    runRecord({
      experiment: payload.experiment as string,
      runName: (payload.runName as string) ?? 'fraud-7',
      params: (payload.params as Record<string, string>) ?? {},
    }),
  );
  cli.answer('log-metrics-fn', (payload) => ({
    runId: payload.runId,
    status: 'RUNNING',
    revision: 1,
    accepted: 1,
    replayed: false,
    publishedToCloudWatch: true,
  }));
  cli.answer('end-run-fn', (payload) =>
    runRecord({ status: payload.status as 'COMPLETED', reason: payload.reason as string | undefined, endTime: '2026-11-24T10:00:09.000Z' }),
  );
});

describe('mlops run exec', () => {
  it('logs the metrics a failing command prints, streams its output, ends the run FAILED and exits with its code', async () => {
    // Arrange
    const { context } = testProcesses();

    // Act
    const { code, stdout, stderr } = await cli.run(
      ['run', 'exec', '--experiment', 'fraud', '--param', 'seed=7', '--tag', 'team=risk', '--', process.execPath, TRAIN, '1'],
      { env: TRACKING_ENV, context },
    );

    // Assert
    expect(code).toBe(1);
    expect(cli.invocations('start-run-fn')).toEqual([
      {
        experiment: 'fraud',
        params: { seed: '7' },
        tags: { 'mlflow.source.git.commit': COMMIT, 'mlops.source.git.dirty': 'true', team: 'risk' },
        gitCommit: COMMIT,
        command: commandLine([process.execPath, TRAIN, '1']),
        actor: 'ana@laptop',
        clientToken: expect.any(String),
      },
    ]);
    expect(sentPoints()).toEqual([
      { name: 'accuracy', value: 0.5, step: 1, timestamp: expect.any(Number) },
      { name: 'accuracy', value: 0.8, step: 3, timestamp: expect.any(Number) },
      { name: 'loss', value: 0.9, step: 1, timestamp: expect.any(Number) },
      { name: 'loss', value: 0.7, step: 2, timestamp: expect.any(Number) },
      { name: 'loss', value: 0.5, step: 3, timestamp: expect.any(Number) },
      { name: 'lr_decay', value: 0.001, step: 3, timestamp: 1764000000000 },
    ]);
    const batches = cli.invocations('log-metrics-fn');
    expect(batches.every((batch) => batch.runId === RUN_A && typeof batch.batchId === 'string')).toBe(true);
    expect(Object.assign({}, ...batches.map((batch) => batch.params))).toEqual({ lr: '0.01', optimizer: 'adam' });
    expect(Object.assign({}, ...batches.map((batch) => batch.tags))).toEqual({ phase: 'final' });
    expect(cli.invocations('end-run-fn')).toEqual([{ runId: RUN_A, status: 'FAILED', reason: 'exit code 1' }]);

    // The command's own output passes through unchanged, tracking lines and all.
    expect(stdout).toBe(
      [
        'epoch 1 starting',
        'mlops:param lr=0.01 optimizer=adam',
        'mlops:metric loss=0.9 accuracy=0.5 step=1',
        '{"mlops":{"metrics":{"loss":0.5,"accuracy":0.8},"step":3,"tags":{"phase":"final"}}}',
        '{"level":"info","msg":"plain json stays output"}',
        'mlops:metric loss=NaN',
        'mlops:metric lr_decay=1e-3 step=3 timestamp=1764000000000',
        `run ${RUN_A} of fraud`,
        '',
      ].join('\n'),
    );
    expect(stderr).toContain('mlops:metric loss=0.7 step=2\n');
    expect(stderr).toContain('warning from training\n');
    expect(stderr).toContain('mlops: warning: skipped stdout line 6 (mlops:metric loss=NaN): loss=NaN: not a finite decimal number\n');
    expect(stderr.match(/mlops: warning/g)).toHaveLength(1);
    expect(stderr).toContain(`mlops: started run fraud-7 (${RUN_A}) in experiment fraud\n`);
    expect(stderr).toMatch(
      new RegExp(`mlops: run fraud-7 \\(${RUN_A}\\) in experiment fraud ended FAILED \\(exit code 1\\) after [\\d.]+s; 6 metric points logged\\.\\n$`),
    );
  });

  it('ends the run COMPLETED and exits 0 when the command succeeds', async () => {
    const { context, signalHandlers } = testProcesses();

    const { code } = await cli.run(['run', 'exec', '--experiment', 'fraud', '--name', 'baseline', '--', process.execPath, TRAIN, '0'], {
      env: TRACKING_ENV,
      context,
    });

    expect(code).toBe(0);
    expect(cli.invocations('start-run-fn')[0]).toMatchObject({ runName: 'baseline' });
    expect(cli.invocations('end-run-fn')).toEqual([{ runId: RUN_A, status: 'COMPLETED' }]);
    expect(sentPoints()).toHaveLength(6);
    expect(signalHandlers.size).toBe(0);
  });

  it('passes SIGTERM on to the command, logs what it prints on the way out, ends the run KILLED and exits 130', async () => {
    const { context, signal, childSaid } = testProcesses();
    const running = cli.run(['run', 'exec', '--experiment', 'fraud', '--', process.execPath, WAIT_FOR_SIGNAL], { env: TRACKING_ENV, context });
    await waitFor(() => childSaid('ready'));

    signal('SIGTERM');
    const { code, stdout } = await running;

    expect(code).toBe(130);
    expect(stdout).toBe('ready\ngot SIGTERM\nmlops:metric final_loss=0.25\n');
    expect(sentPoints()).toEqual([{ name: 'final_loss', value: 0.25, step: 0, timestamp: expect.any(Number) }]);
    expect(cli.invocations('end-run-fn')).toEqual([{ runId: RUN_A, status: 'KILLED', reason: 'interrupted by SIGTERM' }]);
  });

  it('ends the run FAILED and exits 127 when the command does not exist', async () => {
    const { context } = testProcesses();

    const { code, stderr } = await cli.run(['run', 'exec', '--experiment', 'fraud', '--', 'no-such-command-mlops-test'], { env: TRACKING_ENV, context });

    expect(code).toBe(127);
    expect(stderr).toContain('mlops: could not start no-such-command-mlops-test: spawn no-such-command-mlops-test ENOENT');
    expect(cli.invocations('end-run-fn')).toEqual([{ runId: RUN_A, status: 'FAILED', reason: 'could not start: spawn no-such-command-mlops-test ENOENT' }]);
  });

  it('with --json sends the command output to stderr and prints only the ended run on stdout', async () => {
    const { context } = testProcesses();

    const { code, stdout, stderr } = await cli.run(['--json', 'run', 'exec', '--experiment', 'fraud', '--', process.execPath, TRAIN, '0'], {
      env: TRACKING_ENV,
      context,
    });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ runId: RUN_A, status: 'COMPLETED' });
    expect(stderr).toContain('epoch 1 starting\n');
    expect(stderr).not.toContain('ended COMPLETED');
  });

  it('fails with exit code 1 and starts nothing when the run cannot be started', async () => {
    cli.answer('start-run-fn', () => ({ errorType: 'ValidationError', errorMessage: 'experiment: must start with a letter or digit' }));
    const { context } = testProcesses();

    const { code, stderr } = await cli.run(['run', 'exec', '--experiment', 'fraud', '--', process.execPath, TRAIN], { env: TRACKING_ENV, context });

    expect(code).toBe(1);
    expect(stderr).toBe('error (ValidationError): experiment: must start with a letter or digit\n');
    expect(cli.invocations('end-run-fn')).toEqual([]);
  });

  it('records the command line with the values of secret arguments as ***, and runs the command with them', async () => {
    const { context, childSaid } = testProcesses();

    const { code } = await cli.run(['run', 'exec', '--experiment', 'fraud', '--', process.execPath, TRAIN, '0', '--api-key=abc123', '--password', 'hunter2'], {
      env: TRACKING_ENV,
      context,
    });

    expect(code).toBe(0);
    expect(cli.invocations('start-run-fn')[0].command).toBe(commandLine([process.execPath, TRAIN, '0', '--api-key=***', '--password', '***']));
    expect(JSON.stringify(cli.invocations())).not.toMatch(/abc123|hunter2/);
    expect(childSaid('epoch 1 starting')).toBe(true);
  });

  it('with --no-record-command records no command line', async () => {
    const { context } = testProcesses();

    const { code } = await cli.run(['run', 'exec', '--experiment', 'fraud', '--no-record-command', '--', process.execPath, TRAIN, '0', 'opaque-secret'], {
      env: TRACKING_ENV,
      context,
    });

    expect(code).toBe(0);
    expect(cli.invocations('start-run-fn')).toEqual([expect.not.objectContaining({ command: expect.anything() })]);
    expect(JSON.stringify(cli.invocations())).not.toContain('opaque-secret');
  });

  it('records no commit and no source tags outside a git repository, and still runs the command', async () => {
    const { context } = testProcesses();
    const processes = { ...context.processes, gitSource: async () => undefined };

    const { code } = await cli.run(['run', 'exec', '--experiment', 'fraud', '--', process.execPath, TRAIN, '0'], {
      env: TRACKING_ENV,
      context: { ...context, processes },
    });

    expect(code).toBe(0);
    const [started] = cli.invocations('start-run-fn');
    expect(started).not.toHaveProperty('gitCommit');
    expect(started.tags ?? {}).toEqual({});
  });

  it('lets a --tag given for a source tag win over the one git gives', async () => {
    const { context } = testProcesses();
    const processes = { ...context.processes, gitSource: async () => ({ commit: COMMIT }) };

    await cli.run(['run', 'exec', '--experiment', 'fraud', '--tag', 'mlflow.source.git.commit=abc1234', '--', process.execPath, TRAIN, '0'], {
      env: TRACKING_ENV,
      context: { ...context, processes },
    });

    expect(cli.invocations('start-run-fn')[0]).toMatchObject({ gitCommit: COMMIT, tags: { 'mlflow.source.git.commit': 'abc1234' } });
  });

  it('fails with exit code 2 when no command is given', async () => {
    const { code, stderr } = await cli.run(['run', 'exec', '--experiment', 'fraud'], { env: TRACKING_ENV });

    expect(code).toBe(2);
    expect(stderr).toContain("missing required argument 'command'");
    expect(cli.invocations()).toEqual([]);
  });
});

describe('commandLine', () => {
  it('quotes only the words a shell would split or expand', () => {
    expect(commandLine(['python', 'train.py', '--lr=0.1', 'two words', "it's", '$HOME'])).toBe(`python train.py --lr=0.1 'two words' 'it'\\''s' '$HOME'`);
  });

  it("quotes words with control characters as bash reads them back ($'...'), so the run accepts the command", () => {
    const line = commandLine(['python', 'train.py', '--sep', '\t', "it's\u001b[31m", 'nel\u0085']);

    expect(line).toBe(`python train.py --sep $'\\x09' $'it\\'s\\x1b[31m' $'nel\\u0085'`);
    expect(z.safeParse(StartRunRequest, { experiment: 'e', command: line }).success).toBe(true);
  });
});

describe('redactSecrets', () => {
  it.each([
    [
      ['train.py', '--api-key=abc', '--apiKey=abc', '--token', 'abc', '-password', 'abc'],
      ['train.py', '--api-key=***', '--apiKey=***', '--token', '***', '-password', '***'],
    ],
    [
      ['env', 'AWS_SECRET_ACCESS_KEY=abc', 'GITHUB_TOKEN=abc', 'db.password=abc', 'python'],
      ['env', 'AWS_SECRET_ACCESS_KEY=***', 'GITHUB_TOKEN=***', 'db.password=***', 'python'],
    ],
    [
      ['--client-secret', 'abc', '--credentials=abc', '--passwd=abc', '--auth', 'abc', '--authToken=abc'],
      ['--client-secret', '***', '--credentials=***', '--passwd=***', '--auth', '***', '--authToken=***'],
    ],
    [
      ['mysql', '-u', 'root', '-pabc'],
      ['mysql', '-u', 'root', '-p***'],
    ],
    [
      ['mysql', '-p', 'abc', '-p=abc'],
      ['mysql', '-p', '***', '-p=***'],
    ],
    [
      ['sh', '-c', 'API_KEY=abc python train.py --secret abc\t--lr 0.1'],
      ['sh', '-c', 'API_KEY=*** python train.py --secret ***\t--lr 0.1'],
    ],
    [
      ['curl', '-H', 'Authorization: Bearer abc', 'https://ana:abc@example.com/x'],
      ['curl', '-H', 'Authorization: *** ***', 'https://ana:***@example.com/x'],
    ],
    [
      ['--password', '--verbose'],
      ['--password', '--verbose'],
    ],
  ])('redacts %j', (words, recorded) => {
    expect(redactSecrets(words)).toEqual(recorded);
  });

  it.each([
    [['python', 'train.py', '--lr=0.1', '--epochs', '3', 'seed=7', '--author', 'ana', '--keyboard', 'us', '--output', 'out/model.pt']],
    [['docker', 'run', '-v', 'a:b', 'https://example.com:8443/x', 'Content-Type: text/csv']],
  ])('keeps %j as it is', (words) => {
    expect(redactSecrets(words)).toEqual(words);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
