import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type RunningEmulators, startEmulators } from '../../local/emulators';
import { writeSynthesizedTemplate } from './synthesized-template';

declare global {
  /** The running emulators, kept by the global setup for the global teardown (same process). */
  var __MLOPS_EMULATORS__: RunningEmulators | undefined;
  /** The synthesized template's temporary directory, removed by the global teardown. */
  var __MLOPS_TEMPLATE_DIRECTORY__: string | undefined;
}

/**
 * Starts DynamoDB Local and the moto server once per jest run, and synthesizes the stack whose
 * resources the test files create on them. Workers are forked after this runs, so what it sets on
 * `process.env` reaches every test file (and the SDK clients it creates).
 */
export default async function globalSetup(): Promise<void> {
  const starting = startEmulators();
  globalThis.__MLOPS_TEMPLATE_DIRECTORY__ = mkdtempSync(path.join(tmpdir(), 'mlops-template-'));
  writeSynthesizedTemplate(path.join(globalThis.__MLOPS_TEMPLATE_DIRECTORY__, 'MlopsPlatform.template.json'));
  const emulators = await starting;
  globalThis.__MLOPS_EMULATORS__ = emulators;
  Object.assign(process.env, emulators.environment, {
    // The SDK warns once per module registry that its 2027 releases need Node 22 (known: LOCAL-AWS.md).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}
