/**
 * Bundles the `mlops` CLI for plain Node, with no TypeScript compilation at each call and nothing
 * to install beside it (every library it uses is inside): `dist/mlops-cli.cjs`, the CLI, and
 * `dist/mlops.cjs`, the small launcher `bin` points at (it answers `--version` and runs the CLI
 * through V8's code cache: bin/mlops-launcher.ts). Run by `npm run build:cli`, and by `prepare`
 * and `prepack` so `npm ci` and `npm pack` build it. `--metafile` also writes
 * `dist/mlops-cli.meta.json` for `esbuild --analyze`.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type BuildOptions, build } from 'esbuild';

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** What `mlops` runs: the launcher. */
export const CLI_BUNDLE = path.join(DIST, 'mlops.cjs');

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Minified names in a stack trace would say nothing, and failures print no trace anyway.
  sourcemap: false,
  logLevel: 'warning',
};

export async function buildCli(options: { readonly metafile?: boolean } = {}): Promise<void> {
  const [cli] = await Promise.all([
    build({ ...COMMON, entryPoints: [path.join(ROOT, 'bin', 'mlops.ts')], outfile: path.join(DIST, 'mlops-cli.cjs'), metafile: options.metafile === true }),
    build({ ...COMMON, entryPoints: [path.join(ROOT, 'bin', 'mlops-launcher.ts')], outfile: CLI_BUNDLE, banner: { js: '#!/usr/bin/env node' } }),
  ]);
  if (cli.metafile) writeFileSync(path.join(DIST, 'mlops-cli.meta.json'), JSON.stringify(cli.metafile));
}

if (require.main === module) {
  buildCli({ metafile: process.argv.includes('--metafile') }).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
