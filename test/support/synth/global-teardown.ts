import { rmSync } from 'node:fs';
import { SHAPES_DIRECTORY_VARIABLE } from './shape-templates';

/** Removes the shapes the global setup wrote (same process, so its `process.env` is here). */
export default function globalTeardown(): void {
  const directory = process.env[SHAPES_DIRECTORY_VARIABLE];
  if (directory) rmSync(directory, { recursive: true, force: true });
  delete process.env[SHAPES_DIRECTORY_VARIABLE];
}
