import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { version } from '../../package.json';

const ROOT = path.join(__dirname, '..', '..');
let scratch: string;
let prefix: string;
let elsewhere: string;
/** Nothing from the repository's or the user's npm settings, and a home of the test's own. */
let env: NodeJS.ProcessEnv;

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env, encoding: 'utf8', stdio: 'pipe' });

/** `mlops` as installed, run from a folder that has nothing to do with the repository. */
function mlops(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(path.join(prefix, 'bin', 'mlops'), args, { cwd: elsewhere, env: { ...env, ...extraEnv }, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'mlops-install-'));
  prefix = path.join(scratch, 'prefix');
  elsewhere = path.join(scratch, 'training-project');
  mkdirSync(elsewhere);
  const home = path.join(scratch, 'home');
  mkdirSync(home);
  env = { PATH: process.env.PATH, HOME: home, MLOPS_HOME: path.join(home, '.mlops'), npm_config_cache: path.join(scratch, 'npm-cache') };

  // npm pack builds the bundle (prepack); the tarball installs without the network: it has no dependencies.
  npm(['pack', '--pack-destination', scratch], ROOT);
  const [tarball] = readdirSync(scratch).filter((name) => name.endsWith('.tgz'));
  npm(['install', '--global', '--prefix', prefix, '--offline', path.join(scratch, tarball)], scratch);
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('mlops installed from the packed tarball', () => {
  it('installs the CLI alone: the launcher and the bundle, no dependencies', () => {
    const installed = path.join(prefix, 'lib', 'node_modules', 'mlops-platform');

    expect(readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(readdirSync(path.join(installed, 'dist')).sort()).toEqual(['mlops-cli.cjs', 'mlops.cjs']);
  });

  it('prints its version from another folder', () => {
    expect(mlops(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints its help from another folder', () => {
    const { code, stdout } = mlops(['--help']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: mlops \[options\] \[command\]/);
    expect(stdout).toContain('model ');
  });

  it('keeps a private code cache in MLOPS_HOME, and runs the same when the cache is damaged', () => {
    const cache = path.join(env.MLOPS_HOME as string, 'cache', 'mlops-cli.v8');
    const first = mlops(['model', '--help']);

    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(mlops(['model', '--help'])).toEqual(first);
    writeFileSync(cache, randomBytes(4096));
    expect(mlops(['model', '--help'])).toEqual(first);
    expect(first.stdout).toMatch(/^Usage: mlops model/);
  });

  it('finds the local platform through the per-user descriptor and says how to start it when it does not answer', async () => {
    const port = await closedPort();
    const descriptor = path.join(env.MLOPS_HOME as string, 'local-platform.json');
    mkdirSync(path.dirname(descriptor), { recursive: true });
    const endpoint = `http://127.0.0.1:${port}`;
    writeFileSync(
      descriptor,
      JSON.stringify({
        region: 'us-east-1',
        credentials: { accessKeyId: 'LOCALTEST', secretAccessKey: 'secret' },
        endpoints: { lambda: endpoint, dynamodb: endpoint, s3: endpoint },
        functions: { registerModel: 'r', setModelAlias: 's', queryRegistry: 'q' },
        artifactBucket: 'artifacts',
      }),
    );

    const { code, stderr } = mlops(['--local', 'model', 'list']);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `error (UnreachableError): no local platform answers at ${endpoint} (descriptor ${descriptor}): ` +
        'start one with `npm run local` in the mlops-platform folder, or point MLOPS_LOCAL at its platform.json\n',
    );
  });
});
