import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../client/shared/errors';
import { DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE, userDescriptorFile } from '../client/shared/local-connection';

/** Set to a descriptor path (or `1`) to use the platform `npm run local` started. */
export const LOCAL_ENV = 'MLOPS_LOCAL';

/**
 * The descriptor `--local` uses: the file `MLOPS_LOCAL` names (unless it is `1` or `true`), else
 * `.local/platform.json` in `cwd` (a platform started in this folder), else the per-user copy a
 * running platform writes (`$MLOPS_HOME/local-platform.json`), so `--local` works from any folder.
 */
export function localDescriptorFile(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const setting = env[LOCAL_ENV];
  if (setting && !['1', 'true'].includes(setting)) return resolve(cwd, setting);
  const inFolder = join(cwd, DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE);
  if (existsSync(inFolder)) return inFolder;
  const perUser = userDescriptorFile(env);
  if (existsSync(perUser)) return perUser;
  throw new ConfigurationError(
    `no local platform found: looked at ${inFolder} and ${perUser}; start one with \`npm run local\` in the mlops-platform folder, or point ${LOCAL_ENV} at its platform.json`,
  );
}
