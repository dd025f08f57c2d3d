import { cliHarness, EXPLICIT_ENV } from '../../harness';

const cli = cliHarness();
const moved = { name: 'fraud-detector', alias: 'prod', version: 12, previousVersion: 11, revision: 3, changedAt: '2026-11-24T15:00:00.000Z', changed: true };

beforeEach(() => {
  cli.reset();
});

describe('mlops model alias set', () => {
  it('moves the alias with the compare-and-set guard, reason and actor, and says what moved', async () => {
    // Arrange
    cli.answer('alias-fn', () => moved);

    // Act
    const { code, stdout } = await cli.run(['model', 'alias', 'set', 'fraud-detector', 'prod', '12', '--expect', '11', '--reason', 'better AUC']);

    // Assert
    expect(code).toBe(0);
    expect(cli.invocations('alias-fn')).toEqual([
      { name: 'fraud-detector', alias: 'prod', version: 12, expectedVersion: 11, reason: 'better AUC', actor: 'ana@laptop' },
    ]);
    expect(stdout).toBe('prod of fraud-detector moved from 11 to version 12 (revision 3)\n');
  });

  it('asks for a new alias with --expect none', async () => {
    cli.answer('alias-fn', () => ({ ...moved, previousVersion: undefined, revision: 1 }));

    const { stdout } = await cli.run(['model', 'alias', 'set', 'fraud-detector', 'prod', '12', '--expect', 'none']);

    expect(cli.invocations('alias-fn')[0].expectedVersion).toBeNull();
    expect(stdout).toBe('prod of fraud-detector created at version 12 (revision 1)\n');
  });

  it('says nothing changed when the alias already points at the version', async () => {
    cli.answer('alias-fn', () => ({ ...moved, previousVersion: 12, changed: false }));

    const { code, stdout } = await cli.run(['model', 'alias', 'set', 'fraud-detector', 'prod', '12']);

    expect(code).toBe(0);
    expect(stdout).toBe('prod of fraud-detector already points at version 12; nothing changed\n');
  });

  it('prints the result as JSON with --json', async () => {
    cli.answer('alias-fn', () => moved);

    const { stdout } = await cli.run(['--json', 'model', 'alias', 'set', 'fraud-detector', 'prod', '12']);

    expect(JSON.parse(stdout)).toEqual(moved);
  });

  it('records <os user>@<hostname> as the actor when MLOPS_ACTOR is unset', async () => {
    cli.answer('alias-fn', () => moved);

    await cli.run(['model', 'alias', 'set', 'fraud-detector', 'prod', '12'], { env: { ...EXPLICIT_ENV, MLOPS_ACTOR: undefined } });

    expect(cli.invocations('alias-fn')[0].actor).toBe('osuser@host');
  });

  it('fails with exit code 1 and the conflict message when the alias moved meanwhile', async () => {
    cli.answer('alias-fn', () => ({
      errorType: 'ConflictError',
      errorMessage: 'alias "prod" of fraud-detector points at version 10; expected it to point at version 11',
    }));

    const { code, stdout, stderr } = await cli.run(['model', 'alias', 'set', 'fraud-detector', 'prod', '12', '--expect', '11']);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error (ConflictError): alias "prod" of fraud-detector points at version 10; expected it to point at version 11\n');
  });

  it('fails with exit code 1 before invoking when the alias name is invalid', async () => {
    const { code, stderr } = await cli.run(['model', 'alias', 'set', 'fraud-detector', 'Prod', '12']);

    expect(code).toBe(1);
    expect(stderr).toBe('error (ValidationError): alias: must hold only lowercase letters, digits and "-"\n');
    expect(cli.invocations()).toHaveLength(0);
  });

  it.each([
    [['fraud-detector', 'prod', 'twelve'], "argument 'version'"],
    [['fraud-detector', 'prod', '12', '--expect', 'latest'], "option '--expect <version|none>'"],
    [['fraud-detector', 'prod'], "missing required argument 'version'"],
  ])('fails with exit code 2 on bad usage %p', async (args, message) => {
    const { code, stderr } = await cli.run(['model', 'alias', 'set', ...args]);

    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(cli.invocations()).toHaveLength(0);
  });
});
