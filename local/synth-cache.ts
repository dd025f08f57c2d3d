import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import type { MonitorOptions } from '../lib/monitoring/monitor';
import type * as SynthesizeModule from './synthesize';
import type { Synthesis } from './synthesize';

/**
 * A cache of synthesized platforms (the template and the esbuild bundles of every function), so an
 * unchanged source tree does not bundle 17 functions again: one cloud assembly per content hash,
 * `<cacheDirectory>/<hash>/`. The hash covers everything the synthesis reads:
 * - the trees the stack and its bundles are built from: `lambda/`, `lib/` and `client/` (lib reads
 *   the stack outputs there), every file's path and bytes;
 * - `cdk.json` (feature flags), `package-lock.json` (aws-cdk-lib, esbuild and every bundled
 *   package's version), `tsconfig.json`, and `local/synthesize.ts` (how the app is made);
 * - the props given to the stack (the monitors), as JSON.
 * Reading these files takes tens of milliseconds; a synthesis with bundling takes 30 s and more.
 * An entry is written under a temporary name and renamed into place, so processes sharing a cache
 * (parallel test files) see whole entries only; the newest `KEPT_ENTRIES` used are kept.
 */

const ROOT = path.join(__dirname, '..');
const SOURCE_TREES = ['lambda', 'lib', 'client'];
const SOURCE_FILES = ['cdk.json', 'package-lock.json', 'tsconfig.json', 'local/synthesize.ts'];
/** Bumped when the layout of an entry changes. */
const CACHE_FORMAT = '1';
const KEPT_ENTRIES = 3;
const TEMPORARY_PREFIX = '.partial-';
/** A partial entry this old belongs to a synthesis that died: remove it. */
const ABANDONED_MS = 3_600_000;

export interface CachedSynthesisOptions {
  /**
   * Where entries are kept (created 0700).
   * @default - no cache: a fresh synthesis into a temporary directory
   */
  readonly cacheDirectory?: string;
  /** @default - none */
  readonly monitors?: readonly MonitorOptions[];
}

export interface CachedSynthesis extends Synthesis {
  /** Whether the synthesis came from the cache. */
  readonly cached: boolean;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The content hash of what the synthesis reads, with these props; undefined when the props are not plain data. */
export function synthesisKey(props: { readonly monitors?: readonly MonitorOptions[] }, root = ROOT): string | undefined {
  let propsJson: string;
  try {
    propsJson = JSON.stringify(props.monitors ?? []);
  } catch {
    return undefined; // constructs (a capture bucket, a retrain target): nothing stable to hash
  }
  const hash = createHash('sha256').update(`${CACHE_FORMAT}\0${propsJson}\0`);
  const files = [...SOURCE_TREES.flatMap((tree) => filesUnder(path.join(root, tree))), ...SOURCE_FILES.map((file) => path.join(root, file))];
  for (const file of files.map((each) => path.relative(root, each)).sort()) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/** The platform synthesized with these monitors: from the cache when an entry for the same sources and props is there. */
export function synthesizeCached(options: CachedSynthesisOptions): CachedSynthesis {
  // Loaded on use: the CDK app and aws-cdk-lib take a second or more to load, which a cached start skips.
  const { synthesizeFunctions, readSynthesizedFunctions } = require('./synthesize') as typeof SynthesizeModule;
  const props = { monitors: options.monitors };
  const key = options.cacheDirectory === undefined ? undefined : synthesisKey(props);
  if (options.cacheDirectory === undefined || key === undefined) return { ...synthesizeFunctions(undefined, props), cached: false };

  const cacheDirectory = path.resolve(options.cacheDirectory);
  mkdirSync(cacheDirectory, { recursive: true, mode: 0o700 });
  chmodSync(cacheDirectory, 0o700);
  const entry = path.join(cacheDirectory, key);
  if (existsSync(entry)) {
    try {
      const synthesis = readSynthesizedFunctions(entry);
      const now = new Date();
      utimesSync(entry, now, now); // most recently used: pruned last
      return { ...synthesis, cached: true };
    } catch {
      rmSync(entry, { recursive: true, force: true }); // damaged (a bundle deleted by hand): synthesize again
    }
  }
  const partial = path.join(cacheDirectory, `${TEMPORARY_PREFIX}${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    synthesizeFunctions(partial, props);
    renameSync(partial, entry);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    // Another process renamed the same entry into place first: use theirs.
    if (!existsSync(entry)) throw error;
  }
  pruneCache(cacheDirectory);
  return { ...readSynthesizedFunctions(entry), cached: false };
}

/** Removes all but the `KEPT_ENTRIES` most recently used entries, and partial ones left by a synthesis that died. */
export function pruneCache(cacheDirectory: string, now = Date.now()): void {
  const entries = readdirSync(cacheDirectory).map((name) => ({ name, usedMs: statSync(path.join(cacheDirectory, name)).mtimeMs }));
  const complete = entries.filter(({ name }) => !name.startsWith(TEMPORARY_PREFIX)).sort((a, b) => b.usedMs - a.usedMs);
  const abandoned = entries.filter(({ name, usedMs }) => name.startsWith(TEMPORARY_PREFIX) && now - usedMs > ABANDONED_MS);
  for (const { name } of [...complete.slice(KEPT_ENTRIES), ...abandoned]) rmSync(path.join(cacheDirectory, name), { recursive: true, force: true });
}
