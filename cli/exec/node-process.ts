import { execFile, spawn } from 'node:child_process';
import type { CliClock, CliContext, ProcessControl } from '../context';

const GIT_COMMIT = /^[0-9a-f]{7,64}$/;

/** This process: real children, real signals, git in the working directory. */
export const nodeProcesses: ProcessControl = {
  spawn: (command, args, { env, cwd }) => spawn(command, [...args], { env: { ...env }, cwd, stdio: ['inherit', 'pipe', 'pipe'] }),
  onSignal: (signal, handler) => {
    process.on(signal, handler);
    return () => void process.off(signal, handler);
  },
  cwd: () => process.cwd(),
  gitCommit: (cwd) =>
    new Promise((resolve) => {
      execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5000, windowsHide: true }, (error, stdout) => {
        const commit = String(stdout).trim();
        resolve(!error && GIT_COMMIT.test(commit) ? commit : undefined);
      });
    }),
};

export const systemClock: CliClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const processesOf = (context: CliContext): ProcessControl => context.processes ?? nodeProcesses;
export const clockOf = (context: CliContext): CliClock => context.clock ?? systemClock;
