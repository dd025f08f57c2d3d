import { MlopsError } from '../client/shared/errors';
import type { CliContext } from './context';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, ExitStatus } from './exit-status';
import { printable } from './render/printable';
import { VERSION } from './version';

/** Commander's codes for output that is not an error. */
const INFORMATIONAL = new Set(['commander.helpDisplayed', 'commander.version']);
const VERSION_FLAGS = new Set(['--version', '-V']);

function describe(error: unknown): string {
  if (error instanceof MlopsError) return `error (${error.errorType}): ${error.message}`;
  // Duck-typed: errors from Node's internals may come from another realm (as under jest).
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message !== 'string') return `error: ${String(error)}`;
  return typeof name === 'string' && name !== 'Error' && name !== '' ? `error (${name}): ${message}` : `error: ${message}`;
}

/**
 * Runs `mlops` with `argv` (the arguments after the program name) and returns the exit code:
 * 0 on success, 1 when the command failed, 2 for a usage error (or the code a command chose, as
 * `run exec` its child's). Failures are one line on stderr,
 * without a stack trace; commander has already printed its own usage errors.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  // Answered before the command tree and its clients load: `mlops --version` costs Node's start alone.
  if (argv.length === 1 && VERSION_FLAGS.has(argv[0])) {
    context.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  // Required here, not imported above, so that the version answer loads none of it.
  const { createProgram } = require('./program') as typeof import('./program');
  const { CommanderError } = require('commander') as typeof import('commander');
  try {
    await createProgram(context).parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return INFORMATIONAL.has(error.code) ? EXIT_OK : EXIT_USAGE;
    if (error instanceof ExitStatus) return error.code;
    // A refusal may quote stored text (a param's value): its controls print as escapes.
    context.stderr.write(`${printable(describe(error))}\n`);
    return EXIT_FAILED;
  }
}
