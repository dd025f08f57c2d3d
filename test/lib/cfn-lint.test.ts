import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MlopsPlatformStack } from '../../lib';
import { testApp } from '../support/platform-app';

// W3005: CDK adds a DependsOn from each function to its role, which a GetAtt already implies.
const IGNORED_CHECKS = ['W3005'];

describe('cfn-lint', () => {
  test('reports no error or warning on the synthesized templates, with and without a customer-managed key', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-cfn-lint-'));
    try {
      const app = testApp({ outdir });
      new MlopsPlatformStack(app, 'MlopsPlatform');
      new MlopsPlatformStack(app, 'MlopsPlatformWithKey', { customerManagedKey: true });
      app.synth();
      const templates = ['MlopsPlatform', 'MlopsPlatformWithKey'].map((stack) => path.join(outdir, `${stack}.template.json`));

      // One run for both templates: cfn-lint takes seconds to start.
      const lint = spawnSync('cfn-lint', ['--ignore-checks', ...IGNORED_CHECKS, '--', ...templates], { encoding: 'utf8' });

      if (lint.error) throw new Error(`cfn-lint could not run (${lint.error.message}); install it with: pip install cfn-lint`);
      expect(lint.stdout + lint.stderr).toBe('');
      expect(lint.status).toBe(0);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
