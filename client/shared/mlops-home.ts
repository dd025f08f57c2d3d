import { homedir } from 'node:os';
import { join } from 'node:path';

/** Overrides the per-user folder of the platform's files: the running local platform's descriptor, the CLI's code cache. */
export const MLOPS_HOME_ENV = 'MLOPS_HOME';

/** The per-user folder: `$MLOPS_HOME`, by default `~/.mlops`. */
export const mlopsHome = (env: NodeJS.ProcessEnv = process.env): string => env[MLOPS_HOME_ENV] || join(homedir(), '.mlops');
