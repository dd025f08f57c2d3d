import { type RunningEmulators, startEmulators } from './emulators';

declare global {
  /** The running emulators, kept by the global setup for the global teardown (same process). */
  var __MLOPS_EMULATORS__: RunningEmulators | undefined;
}

/**
 * Starts DynamoDB Local and the moto server once per jest run. Workers are forked after this runs,
 * so the endpoints set on `process.env` reach every test file (and the SDK clients it creates).
 */
export default async function globalSetup(): Promise<void> {
  const emulators = await startEmulators();
  globalThis.__MLOPS_EMULATORS__ = emulators;
  Object.assign(process.env, emulators.environment, {
    // The SDK warns once per module registry that its 2027 releases need Node 22 (known: LOCAL-AWS.md).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}
