import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findFreePort } from '../local/emulators';
import { round } from './stats';

/**
 * `npm run local` and `npm run demo` timed as a user sees them: `tsx bin/local.ts` (what the npm
 * script runs) until its ready line, with an empty synthesis cache (cold) and with the cache it
 * left (warm), and the demo from start to exit on that warm cache. Each platform is in memory, on a
 * free port, with a home of its own (the per-user descriptor never lands in the real one).
 */

const ROOT = path.join(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const READY = 'The platform is running';
const START_TIMEOUT_MS = 600_000;

export interface BenchPlatform {
  /** The running platform's descriptor: `MLOPS_LOCAL=<it> mlops --local ...` answers it. */
  readonly descriptorFile: string;
  /** The `MLOPS_HOME` it announced itself in (`local-platform.json`). */
  readonly mlopsHome: string;
  /** Wall time from spawn to the ready line. */
  readonly readyMs: number;
  /** What it printed up to the ready line (its phase times). */
  readonly output: string;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `npm run local` (in memory) as the npm script does, and resolves when it is ready. */
export async function startBenchPlatform(options: { readonly synthCacheDirectory?: string } = {}): Promise<BenchPlatform> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'mlops-bench-local-'));
  const dataDirectory = path.join(workDir, '.local');
  const mlopsHome = path.join(workDir, 'home');
  const args = ['--in-memory', '--data-dir', dataDirectory, '--port', String(await findFreePort()), '--mlflow-port', String(await findFreePort())];
  if (options.synthCacheDirectory) args.push('--synth-cache', options.synthCacheDirectory);
  const started = performance.now();
  const child = spawn(TSX, [path.join(ROOT, 'bin', 'local.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, MLOPS_HOME: mlopsHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const output = await untilLine(child, READY, START_TIMEOUT_MS);
    return { descriptorFile: path.join(dataDirectory, 'platform.json'), mlopsHome, readyMs: round(performance.now() - started, 0), output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function untilLine(child: ChildProcess, line: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "${line}" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(line)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before "${line}":\n${output}`));
    });
  });
}

/** `local: synth: cached (0.4 s)` and the other phase lines, as numbers. */
function phases(output: string): Record<string, number | string> {
  const seconds = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN) * 1000;
  return {
    synth: /synth: (cached|fresh)/.exec(output)?.[1] ?? 'unknown',
    synthMs: seconds(/synth: \w+ \(([\d.]+) s\)/),
    emulatorsMs: seconds(/emulators: ready \(([\d.]+) s\)/),
    provisioningMs: seconds(/provisioning: .*\(([\d.]+) s\)/),
    readyReportedMs: seconds(/ready in ([\d.]+) s/),
  };
}

async function timeStart(synthCacheDirectory: string) {
  const platform = await startBenchPlatform({ synthCacheDirectory });
  await platform.stop();
  return { wallMs: platform.readyMs, ...phases(platform.output) };
}

/** `npm run demo` from spawn to exit, its synthesis from `synthCacheDirectory`. */
async function timeDemo(synthCacheDirectory: string) {
  const started = performance.now();
  const child = spawn(TSX, [path.join(ROOT, 'bin', 'demo.ts'), '--synth-cache', synthCacheDirectory], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`npm run demo exited ${code}:\n${output.slice(-4000)}`);
  return { wallMs: round(performance.now() - started, 0), synth: /synth: (cached|fresh)/.exec(output)?.[1] ?? 'unknown' };
}

/**
 * The local section of the bench: cold and warm starts of `npm run local` (warm: median of
 * `warmRuns`), then the demo, run once more when its own synthesis (other monitors, so another
 * cache entry) was fresh, so its figure is on a warm cache as a user's second run is.
 */
export async function measureLocalStart(options: { readonly warmRuns: number; readonly progress: (message: string) => void }) {
  const cache = mkdtempSync(path.join(tmpdir(), 'mlops-bench-synth-cache-'));
  try {
    options.progress('npm run local, cold (empty synthesis cache)');
    const cold = await timeStart(cache);
    const warm = [];
    for (let run = 1; run <= options.warmRuns; run++) {
      options.progress(`npm run local, warm (${run}/${options.warmRuns})`);
      warm.push(await timeStart(cache));
    }
    options.progress('npm run demo');
    const firstDemo = await timeDemo(cache);
    let demo = firstDemo;
    if (firstDemo.synth === 'fresh') {
      options.progress('npm run demo again, on the warm cache');
      demo = await timeDemo(cache);
    }
    const warmWall = warm.map((run) => run.wallMs).sort((a, b) => a - b);
    return { cold, warm, warmMedianMs: warmWall[Math.floor(warmWall.length / 2)], demo, ...(demo === firstDemo ? {} : { demoFreshSynth: firstDemo }) };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
