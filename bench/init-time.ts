import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { round, summarize } from './stats';

const IMPORT_AND_TIME = `const started = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - started));`;

/** Milliseconds to import `modulePath` in a fresh Node process, `runs` times: a function's init phase. */
export function measureInit(modulePath: string, environment: Record<string, string>, runs: number): number[] {
  return Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', IMPORT_AND_TIME, pathToFileURL(modulePath).href], {
        env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...environment },
        encoding: 'utf8',
      }),
    ),
  );
}

export function bundleFigures(bundlePath: string, environment: Record<string, string>, runs: number) {
  const code = readFileSync(bundlePath);
  const init = summarize(measureInit(bundlePath, environment, runs));
  return {
    bytes: code.length,
    kib: round(code.length / 1024),
    gzipKib: round(gzipSync(code).length / 1024),
    initMedianMs: init.p50Ms,
    initP95Ms: init.p95Ms,
    initRuns: runs,
  };
}
