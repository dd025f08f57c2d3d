/**
 * Bundles the `mlops` CLI into one JavaScript file, `dist/mlops.cjs`, that runs with plain Node:
 * no TypeScript compilation at each call, and nothing to install beside it (every library it
 * uses is inside). Run by `npm run build:cli`, and by `prepare` and `prepack` so `npm ci` and
 * `npm pack` build it. `--metafile` also writes `dist/mlops.meta.json` for `esbuild --analyze`.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.join(__dirname, '..');
export const CLI_BUNDLE = path.join(ROOT, 'dist', 'mlops.cjs');

export async function buildCli(options: { readonly metafile?: boolean } = {}): Promise<void> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'bin', 'mlops.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Minified names in a stack trace would say nothing, and failures print no trace anyway.
    sourcemap: false,
    banner: { js: '#!/usr/bin/env node' },
    metafile: options.metafile === true,
    logLevel: 'warning',
  });
  if (result.metafile) writeFileSync(path.join(ROOT, 'dist', 'mlops.meta.json'), JSON.stringify(result.metafile));
}

if (require.main === module) {
  buildCli({ metafile: process.argv.includes('--metafile') }).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
