import { version } from '../package.json';

/** The platform's version, as `mlops --version` prints it (the bundle carries it inline). */
export const VERSION: string = version;

const VERSION_FLAGS = new Set(['--version', '-V']);

/** `mlops --version` (or `-V`) alone: answered before anything else loads. */
export const isVersionRequest = (argv: readonly string[]): boolean => argv.length === 1 && VERSION_FLAGS.has(argv[0]);
