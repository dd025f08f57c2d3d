import { rmSync } from 'node:fs';

/** Stops the emulators the global setup started and removes its template (globals declared there). */
export default async function globalTeardown(): Promise<void> {
  const emulators = globalThis.__MLOPS_EMULATORS__;
  globalThis.__MLOPS_EMULATORS__ = undefined;
  await emulators?.stop();
  const templateDirectory = globalThis.__MLOPS_TEMPLATE_DIRECTORY__;
  globalThis.__MLOPS_TEMPLATE_DIRECTORY__ = undefined;
  if (templateDirectory) rmSync(templateDirectory, { recursive: true, force: true });
}
