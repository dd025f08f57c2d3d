import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LocalPlatformDescriptor } from '../../client/shared/local-connection';
import { answersHttp } from '../support/network';
import { TEST_SYNTH_CACHE } from '../support/synth-cache-directory';

// One `npm run local`: DynamoDB Local and moto, and a synthesis with bundling unless the tests'
// shared cache has it (minutes on a busy 2-core machine when it has not).
jest.setTimeout(600_000);

const ROOT = path.join(__dirname, '..', '..');
const STARTED = 'The platform is running';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Whether any process of the group is left (npm, its shell, tsx, the platform). */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('npm run local', () => {
  let npm: ChildProcess | undefined;
  let dataDirectory: string;

  afterAll(() => {
    // Whatever the outcome, nothing of this test may outlive it.
    if (npm?.pid && groupAlive(npm.pid)) process.kill(-npm.pid, 'SIGKILL');
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  test('stops the platform, its emulators and its Lambda endpoint when the npm process gets SIGTERM', async () => {
    dataDirectory = mkdtempSync(path.join(tmpdir(), 'mlops-local-signals-'));
    const port = await freePort();
    // Its own process group, so the test can tell when every process of it is gone; the signal goes to npm alone.
    const mlopsHome = path.join(dataDirectory, 'home');
    const userFile = path.join(mlopsHome, 'local-platform.json');
    const args = ['--in-memory', '--data-dir', dataDirectory, '--port', String(port), '--synth-cache', TEST_SYNTH_CACHE];
    npm = spawn('npm', ['run', 'local', '--', ...args], {
      cwd: ROOT,
      // Its per-user descriptor goes to the test's folder, not the real home.
      env: { ...process.env, MLOPS_HOME: mlopsHome },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const npmExited = new Promise<void>((resolve) => npm!.once('exit', () => resolve()));
    await waitUntil(() => output.includes(STARTED) || npm!.exitCode !== null, 480_000, `the platform did not start:\n${output}`);
    expect(output).toContain(STARTED);
    const { endpoints } = JSON.parse(readFileSync(path.join(dataDirectory, 'platform.json'), 'utf8')) as LocalPlatformDescriptor;
    const listeners = [endpoints.lambda, endpoints.dynamodb, endpoints.s3, endpoints.sagemakerRuntime!].map((endpoint) => Number(new URL(endpoint).port));
    expect(await Promise.all(listeners.map((listener) => answersHttp('127.0.0.1', listener)))).toEqual([true, true, true, true]);
    // It announced itself where `mlops --local` looks from any folder.
    expect((JSON.parse(readFileSync(userFile, 'utf8')) as LocalPlatformDescriptor).endpoints).toEqual(endpoints);

    process.kill(npm.pid!, 'SIGTERM');

    await npmExited;
    await waitUntil(() => !groupAlive(npm!.pid!), 30_000, `processes of npm run local were still running`);
    await waitUntil(
      async () => !(await Promise.all(listeners.map((listener) => answersHttp('127.0.0.1', listener)))).some(Boolean),
      15_000,
      'a listener still answered',
    );
    expect(output).toContain('local: stopping (SIGTERM)');
    expect(existsSync(userFile)).toBe(false);
  });
});
