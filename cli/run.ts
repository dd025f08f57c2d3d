import type { GlobalOptions } from './config';
import type { CliContext } from './context';
import { processesOf } from './exec/node-process';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, ExitStatus } from './exit-status';
import { printable } from './render/printable';
import { isVersionRequest, VERSION } from './version';

/** Commander's codes for output that is not an error. */
const INFORMATIONAL = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Runs `mlops` with `argv` (the arguments after the program name) and returns the exit code:
 * 0 on success, 1 when the command failed, 2 for a usage error (or the code a command chose, as
 * `run exec` its child's). Failures are one line on stderr,
 * without a stack trace; commander has already printed its own usage errors.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  // Answered before the command tree and its clients load: `mlops --version` costs Node's start alone.
  if (isVersionRequest(argv)) {
    context.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  // Required here, not imported above, so that the version answer loads none of it.
  const { createProgram } = require('./program') as typeof import('./program');
  const { CommanderError } = require('commander') as typeof import('commander');
  const program = createProgram(context, argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return INFORMATIONAL.has(error.code) ? EXIT_OK : EXIT_USAGE;
    if (error instanceof ExitStatus) return error.code;
    const { errorMessage } = require('./error-message') as typeof import('./error-message');
    const message = errorMessage(error, { localFlag: program.opts<GlobalOptions>().local === true, env: context.env, cwd: processesOf(context).cwd() });
    // A refusal may quote stored text (a param's value): its controls print as escapes.
    context.stderr.write(`${printable(message)}\n`);
    return EXIT_FAILED;
  }
}
