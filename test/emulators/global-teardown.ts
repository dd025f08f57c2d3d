/** Stops the emulators the global setup started (`globalThis.__MLOPS_EMULATORS__`, declared there). */
export default async function globalTeardown(): Promise<void> {
  const emulators = globalThis.__MLOPS_EMULATORS__;
  globalThis.__MLOPS_EMULATORS__ = undefined;
  await emulators?.stop();
}
