import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startShim } from '../../local/serving-shim-process';
import { answersHttp, nonLoopbackAddress } from '../support/network';

const FIXTURES = path.join(__dirname, '..', 'lambda', 'images', 'fixtures');
const SHIM = path.join(__dirname, '..', '..', 'lambda', 'images', 'serving', 'serve.py');

describe('startShim', () => {
  it("runs the shim (the image's entry script, user code) on loopback only", async () => {
    const address = nonLoopbackAddress();
    const modelDirectory = mkdtempSync(path.join(tmpdir(), 'mlops-shim-process-'));
    cpSync(path.join(FIXTURES, 'model'), modelDirectory, { recursive: true });
    const shim = await startShim({ shimFile: SHIM, entryScript: path.join(FIXTURES, 'score.py'), modelDirectory });
    try {
      const port = Number(new URL(shim.endpoint).port);
      expect(await answersHttp('127.0.0.1', port)).toBe(true);
      if (!address) {
        console.warn('skipped the non-loopback half: this machine has no non-loopback IPv4 address');
        return;
      }
      expect(await answersHttp(address, port)).toBe(false);
    } finally {
      await shim.stop();
      rmSync(modelDirectory, { recursive: true, force: true });
    }
  }, 30_000);
});
