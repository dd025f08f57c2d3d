import { version } from '../package.json';

/** The platform's version, as `mlops --version` prints it (the bundle carries it inline). */
export const VERSION: string = version;
