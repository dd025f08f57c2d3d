import { execFile, spawn } from 'node:child_process';
import type { CliClock, CliContext, ProcessControl } from '../context';

const GIT_COMMIT = /^[0-9a-f]{7,64}$/;

/** What `git args` prints in `cwd`; undefined when it fails (no git, not a repository). */
const git = (cwd: string, args: readonly string[]) =>
  new Promise<string | undefined>((resolve) => {
    execFile('git', [...args], { cwd, timeout: 5000, windowsHide: true }, (error, stdout) => resolve(error ? undefined : String(stdout)));
  });

/** This process: real children, real signals, git in the working directory. */
export const nodeProcesses: ProcessControl = {
  spawn: (command, args, { env, cwd }) => spawn(command, [...args], { env: { ...env }, cwd, stdio: ['inherit', 'pipe', 'pipe'] }),
  onSignal: (signal, handler) => {
    process.on(signal, handler);
    return () => void process.off(signal, handler);
  },
  cwd: () => process.cwd(),
  gitSource: async (cwd) => {
    const [head, status] = await Promise.all([git(cwd, ['rev-parse', 'HEAD']), git(cwd, ['status', '--porcelain', '--untracked-files=no'])]);
    const commit = head?.trim();
    if (!commit || !GIT_COMMIT.test(commit)) return undefined;
    return { commit, dirty: status === undefined ? undefined : status.trim() !== '' };
  },
};

export const systemClock: CliClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const processesOf = (context: CliContext): ProcessControl => context.processes ?? nodeProcesses;
export const clockOf = (context: CliContext): CliClock => context.clock ?? systemClock;
