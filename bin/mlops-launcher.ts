/**
 * The installed `mlops` (`dist/mlops.cjs`): answers `--version` itself, else runs the CLI bundle
 * beside it (`dist/mlops-cli.cjs`) through V8's code cache. Node 20 has no compile cache of its own
 * (`module.enableCompileCache` came in 22), and compiling the bundle was a third of every call.
 * The cache, in `$MLOPS_HOME/cache` (0600: it is code), is written after a call that found none, or
 * one V8 refused; it starts with the hash of the bundle and Node's version it was made from.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { Script } from 'node:vm';
import { isVersionRequest, VERSION } from '../cli/version';
import { mlopsHome } from '../client/shared/mlops-home';

const HASH_BYTES = 32;

function readCache(file: string, hash: Buffer): Buffer | undefined {
  try {
    const cached = readFileSync(file);
    return cached.subarray(0, HASH_BYTES).equals(hash) ? cached.subarray(HASH_BYTES) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, hash: Buffer, script: Script): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.concat([hash, script.createCachedData()]), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // A home that cannot be written (read-only, full) only costs the cache.
  }
}

function runBundle(file: string): void {
  const source = readFileSync(file, 'utf8');
  const hash = createHash('sha256').update(process.version).update(source).digest();
  const cacheFile = path.join(mlopsHome(), 'cache', 'mlops-cli.v8');
  const cachedData = readCache(cacheFile, hash);
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  // At exit, so the cache holds every function this call compiled, not only the top level.
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCache(cacheFile, hash, script));
  script.runInThisContext()(module.exports, require, module, file, path.dirname(file));
}

if (isVersionRequest(process.argv.slice(2))) process.stdout.write(`${VERSION}\n`);
else runBundle(path.join(__dirname, 'mlops-cli.cjs'));
