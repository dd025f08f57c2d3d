import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { nodeProcesses } from '../../cli/exec/node-process';
import { version } from '../../package.json';
import { cliHarness } from './harness';

const cli = cliHarness();
let home: string;
let project: string;

/** The CLI run from `project`, a folder without a local platform, with `home` as MLOPS_HOME. */
const fromProject = (argv: string[], env: Record<string, string> = {}) =>
  cli.run(argv, { env: { MLOPS_HOME: home, ...env }, context: { processes: { ...nodeProcesses, cwd: () => project } } });

/** A loopback port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A descriptor of a platform that has stopped: its endpoints refuse connections. */
function staleDescriptor(file: string, port: number): string {
  const endpoint = `http://127.0.0.1:${port}`;
  const functions = Object.fromEntries(
    ['registerModel', 'setModelAlias', 'queryRegistry', 'startRun', 'logMetrics', 'endRun', 'queryRuns'].map((name) => [name, name]),
  );
  mkdirSync(join(file, '..'), { recursive: true });
  const descriptor = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'LOCALTEST', secretAccessKey: 'secret' },
    endpoints: { lambda: endpoint, dynamodb: endpoint, s3: endpoint },
    functions,
    artifactBucket: 'artifacts',
    monitoringBucket: 'monitoring',
    eventBus: 'bus',
  };
  writeFileSync(file, JSON.stringify(descriptor));
  return file;
}

beforeEach(() => {
  cli.reset();
  home = mkdtempSync(join(tmpdir(), 'mlops-home-'));
  project = mkdtempSync(join(tmpdir(), 'mlops-project-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

describe('mlops --version', () => {
  it.each([['--version'], ['-V']])('prints the package version for %s with exit code 0', async (flag) => {
    const { code, stdout, stderr } = await cli.run([flag]);

    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
    expect(stderr).toBe('');
  });
});

describe('mlops when no platform can be reached', () => {
  it('fails saying how to start one when the local platform found from another folder does not answer', async () => {
    const port = await closedPort();
    const descriptor = staleDescriptor(join(home, 'local-platform.json'), port);

    const { code, stderr } = await fromProject(['--local', 'model', 'list']);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `error (UnreachableError): no local platform answers at http://127.0.0.1:${port} (descriptor ${descriptor}): ` +
        'start one with `npm run local` in the mlops-platform folder, or point MLOPS_LOCAL at its platform.json\n',
    );
  });

  it('fails naming the descriptor MLOPS_LOCAL points at when its platform does not answer', async () => {
    const port = await closedPort();
    const descriptor = staleDescriptor(join(project, 'elsewhere', 'platform.json'), port);

    const { code, stderr } = await fromProject(['run', 'list', '--experiment', 'churn'], { MLOPS_LOCAL: 'elsewhere/platform.json' });

    expect(code).toBe(1);
    expect(stderr).toContain(`no local platform answers at http://127.0.0.1:${port} (descriptor ${descriptor}): start one with \`npm run local\``);
  });

  it('fails saying where it looked when --local finds no descriptor', async () => {
    const { code, stderr } = await fromProject(['--local', 'model', 'list']);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `error (ConfigurationError): no local platform found: looked at ${join(project, '.local', 'platform.json')} and ${join(home, 'local-platform.json')}; ` +
        'start one with `npm run local` in the mlops-platform folder, or point MLOPS_LOCAL at its platform.json\n',
    );
  });

  it('fails saying how to deploy, name or start a platform when there are no AWS credentials', async () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    cli.mocks.cloudFormation.on(DescribeStacksCommand).rejects(noCredentials);

    const { code, stderr } = await fromProject(['model', 'list']);

    expect(code).toBe(1);
    expect(stderr).toBe(
      'error (CredentialsProviderError): no AWS credentials found (Could not load credentials from any providers); to reach a platform, ' +
        'deploy one with `npx cdk deploy`, name its stack with --stack or MLOPS_STACK, or use --local for the one `npm run local` started\n',
    );
  });

  it('fails saying how to deploy, name or start a platform when the stack does not exist', async () => {
    cli.mocks.cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));

    const { code, stderr } = await fromProject(['--stack', 'Nope', 'model', 'list']);

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error \(ConfigurationError\): stack "Nope" does not exist in this account and region: .*; to reach a platform, deploy one with `npx cdk deploy`, name its stack with --stack or MLOPS_STACK, or use --local for the one `npm run local` started\n$/,
    );
  });
});
