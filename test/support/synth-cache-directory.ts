import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * One cache of synthesized platforms for every test that starts one, across test files, workers
 * and runs: entries are named by the content hash of their sources and renamed into place whole
 * (local/synth-cache.ts), so sharing is safe, and only a change of the sources bundles again.
 * Per user: the cache makes its folder 0700 and fails on one it does not own.
 */
export const TEST_SYNTH_CACHE = path.join(tmpdir(), `mlops-test-synth-cache-${process.getuid?.() ?? 'user'}`);
