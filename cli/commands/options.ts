import type { Command } from 'commander';
import type { GlobalOptions } from '../config';

/** The global options as seen from any subcommand. */
export const globalOptions = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
