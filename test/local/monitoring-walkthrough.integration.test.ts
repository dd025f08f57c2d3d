import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TEST_SYNTH_CACHE } from '../support/synth-cache-directory';

// The README's monitoring walkthrough, its commands run as written: a local platform start (fresh
// synthesis when the sources changed), a few CLI calls of 2-3 s each, and a wait for the schedule.
jest.setTimeout(600_000);

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const READY = 'The platform is running';

/** The walkthrough's shell lines: the ```bash block between the README's markers. */
function walkthroughCommands(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /<!-- walkthrough:monitoring:start -->([\s\S]*?)<!-- walkthrough:monitoring:end -->/.exec(readme)?.[1];
  const block = section && /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```bash block between the walkthrough:monitoring markers');
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('the README monitoring walkthrough', () => {
  let workDir: string;
  let platform: ChildProcess | undefined;

  afterAll(() => {
    if (platform?.pid) {
      try {
        process.kill(platform.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  test('ends with monitor status showing a drift check and monitor report --html naming the drifted features', async () => {
    // A user's shell in the repository: its data files, `mlops` on PATH (the CLI as the package installs it),
    // a home of its own (the per-user descriptor), and everything the commands write in a folder of the test's.
    workDir = mkdtempSync(path.join(tmpdir(), 'mlops-walkthrough-'));
    symlinkSync(path.join(ROOT, 'demo'), path.join(workDir, 'demo'));
    const bin = path.join(workDir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'mlops'), `#!/bin/sh\nexec "${TSX}" "${path.join(ROOT, 'bin', 'mlops.ts')}" "$@"\n`);
    chmodSync(path.join(bin, 'mlops'), 0o755);
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, MLOPS_HOME: path.join(workDir, 'home') };
    const shell = (line: string) => spawnSync('bash', ['-c', line], { cwd: workDir, env, encoding: 'utf8', timeout: 120_000 });
    const outputs: { line: string; stdout: string }[] = [];

    for (const line of walkthroughCommands()) {
      const local = /^npm run local -- (.*?)\s*(#.*)?$/.exec(line);
      const sleep = /^sleep (\d+)/.exec(line);
      if (local) {
        // `npm run local` is `tsx bin/local.ts`; a free port and the tests' shared synthesis cache are added.
        const args = [...local[1].split(/\s+/), '--port', String(await freePort()), '--synth-cache', TEST_SYNTH_CACHE];
        platform = spawn(TSX, [path.join(ROOT, 'bin', 'local.ts'), ...args], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        platform.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        platform.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const deadline = Date.now() + 300_000;
        while (!output.includes(READY)) {
          if (platform.exitCode !== null || Date.now() > deadline) throw new Error(`npm run local did not start:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } else if (sleep) {
        // The README waits for the schedule's next check; the test waits for that check itself, with margin for a busy machine.
        const deadline = Date.now() + (Number(sleep[1]) + 120) * 1000;
        for (;;) {
          const checks = JSON.parse(shell('mlops --local --json monitor status').stdout || '[]') as { monitor: string; records: number }[];
          if (checks.some((check) => check.monitor === 'churn-production' && check.records > 0)) break;
          if (Date.now() > deadline) throw new Error(`no check of churn-production with records: ${JSON.stringify(checks)}`);
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        }
      } else {
        const result = shell(line);
        if (result.status !== 0) throw new Error(`"${line}" exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
        outputs.push({ line, stdout: result.stdout });
      }
    }

    const status = outputs.find(({ line }) => line.includes('monitor status'))!.stdout;
    expect(status).toMatch(/churn-production\s.*\bdrift\b/);
    expect(status).not.toMatch(/no drift|insufficient/);
    const report = outputs.find(({ line }) => line.includes('monitor report'))!.stdout;
    expect(report).toMatch(/monthly_charges/);
    const html = readFileSync(path.join(workDir, 'report.html'), 'utf8');
    expect(html).toMatch(/Dataset drift: yes/);
    for (const feature of ['monthly_charges', 'support_calls']) {
      expect(html).toMatch(new RegExp(`<article[^>]*class="feature drifted">\\s*<h3>${feature} `));
    }
  });
});
