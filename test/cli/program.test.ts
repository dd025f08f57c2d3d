import { createProgram } from '../../cli/program';
import { cliHarness } from './harness';

const context = { stdout: process.stdout, stderr: process.stderr, env: {}, awsClients: () => ({}), defaultActor: () => 'osuser@host' } as never;
const groups = (argv: string[]) => createProgram(context, argv).commands.map((command) => command.name());
const EVERY_GROUP = ['model', 'experiment', 'run', 'monitor', 'image', 'deploy', 'endpoint'];

describe('createProgram', () => {
  it('adds only the group the command line names', () => {
    expect(groups(['model', 'list'])).toEqual(['model']);
    expect(groups(['--local', '--json', 'monitor', 'status'])).toEqual(['monitor']);
  });

  it("skips global options' values when it looks for the group, so a stack named like a group is not taken for one", () => {
    expect(groups(['--stack', 'run', 'model', 'list'])).toEqual(['model']);
    expect(groups(['--region', 'eu-west-1', '--query-function', 'image', 'model', 'list'])).toEqual(['model']);
  });

  it('adds every group for help, a bare call, a misspelt group or an option value it cannot place', () => {
    expect(groups([])).toEqual(EVERY_GROUP);
    expect(groups(['--help'])).toEqual(EVERY_GROUP);
    expect(groups(['help', 'model'])).toEqual(EVERY_GROUP);
    expect(groups(['modle', 'list'])).toEqual(EVERY_GROUP);
    expect(groups(['--stack=x'])).toEqual(EVERY_GROUP);
  });

  it('still lists every command group in the help and suggests the group meant for a misspelt one', async () => {
    const cli = cliHarness();
    cli.reset();

    const help = await cli.run(['--help']);
    const misspelt = await cli.run(['modle', 'list']);

    for (const group of EVERY_GROUP) expect(help.stdout).toMatch(new RegExp(`^\\s+${group}\\b`, 'm'));
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('(Did you mean model?)');
  });
});
