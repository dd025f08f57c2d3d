import { version } from '../../package.json';
import { cliHarness } from './harness';

const cli = cliHarness();

beforeEach(() => cli.reset());

describe('mlops --version', () => {
  it.each([['--version'], ['-V']])('prints the package version for %s with exit code 0', async (flag) => {
    const { code, stdout, stderr } = await cli.run([flag]);

    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
    expect(stderr).toBe('');
  });

  it('prints the same version when other options come with it', async () => {
    const { code, stdout } = await cli.run(['--json', '--version']);

    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });
});
