/**
 * CLI start-up, as a user waits for it: `mlops --version` and `mlops --local model list` against a
 * running local platform, each a fresh `node dist/mlops.cjs` process (the way an installed `mlops`
 * runs), with the AWS CLI's `aws --version` timed in the same run as the reference.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildCli, CLI_BUNDLE } from '../bin/build-cli';
import { startBenchPlatform } from './local-start';
import { round, summarize } from './stats';

/** Below 0.3 s, and at most 0.4x the AWS CLI's `aws --version`. */
export const CLI_TARGETS = { startMs: 300, overAwsVersion: 0.4 };

export interface CliStartOptions {
  /** Fresh processes per command. @default 10 */
  readonly runs?: number;
  /**
   * The descriptor of a running local platform for `--local model list`.
   * @default - `npm run local` started for the bench (in memory) and stopped after
   */
  readonly descriptorFile?: string;
  readonly progress?: (message: string) => void;
}

/**
 * Wall time of `command args` in a fresh process, in ms; fails unless it exits 0. Spawned, not
 * spawnSync'd, so a platform that answers from this process's event loop is not blocked.
 */
async function timeRun(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(command, [...args], { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  return elapsedMs;
}

/** Medians of `runs` runs, one after another, after one unmeasured run (which warms the file cache). */
async function median(runs: number, run: () => Promise<number>) {
  await run();
  const samples: number[] = [];
  for (let index = 0; index < runs; index++) samples.push(await run());
  return summarize(samples);
}

const awsInstalled = () => !spawnSync('aws', ['--version'], { stdio: 'ignore' }).error;

export async function measureCliStart(options: CliStartOptions = {}) {
  const runs = options.runs ?? 10;
  const progress = options.progress ?? (() => undefined);
  progress('building the CLI bundle');
  await buildCli();
  // The user's own files stay out of it: a home of the bench's own.
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-bench-cli-'));
  const env = { ...process.env, MLOPS_HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  // A platform in a process of its own, as `npm run local` runs: the CLI's calls do not wait on this event loop.
  if (!options.descriptorFile) progress('starting npm run local (in memory) for --local model list');
  const platform = options.descriptorFile ? undefined : await startBenchPlatform();
  try {
    const descriptorFile = options.descriptorFile ?? platform?.descriptorFile;
    if (!descriptorFile) throw new Error('no local platform descriptor');
    progress(`timing mlops --version, mlops --local model list and aws --version (${runs} fresh processes each)`);
    // Run from a folder of the bench's own, as from a training project's: no .local/ of the repository's.
    const version = await median(runs, () => timeRun(process.execPath, [CLI_BUNDLE, '--version'], env, home));
    const localEnv = { ...env, MLOPS_LOCAL: descriptorFile };
    const localModelList = await median(runs, () => timeRun(process.execPath, [CLI_BUNDLE, '--local', 'model', 'list'], localEnv, home));
    const awsVersion = awsInstalled() ? await median(runs, () => timeRun('aws', ['--version'], env, home)) : undefined;
    const target = (p50Ms: number) => ({
      p50Ms,
      overAwsVersion: awsVersion ? round(p50Ms / awsVersion.p50Ms, 2) : 'unavailable (aws not installed)',
      met: p50Ms < CLI_TARGETS.startMs && (!awsVersion || p50Ms <= CLI_TARGETS.overAwsVersion * awsVersion.p50Ms),
    });
    return {
      figures: { version, localModelList, awsVersion: awsVersion ?? 'unavailable (aws not installed)' },
      targets: {
        cliVersionUnder300MsAnd0_4xAws: { target: CLI_TARGETS, ...target(version.p50Ms) },
        cliLocalModelListUnder300MsAnd0_4xAws: { target: CLI_TARGETS, ...target(localModelList.p50Ms) },
      },
    };
  } finally {
    await platform?.stop();
  }
}
