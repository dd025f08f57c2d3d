import { spawn } from 'node:child_process';

/** The serving shim running as a process on this machine, as the image's container runs it. */
export interface ShimProcess {
  /** `http://127.0.0.1:<port>`: `GET /ping`, `POST /invocations`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface ShimOptions {
  readonly shimFile: string;
  readonly entryScript: string;
  readonly modelDirectory: string;
  /** @default 30000 */
  readonly startTimeoutMs?: number;
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/**
 * Starts the shim with the machine's python3 (`MLOPS_PYTHON`) on a free loopback port, and resolves once it
 * listens (after the script's `init()`), or fails with the last line it wrote to stderr.
 */
export function startShim(options: ShimOptions): Promise<ShimProcess> {
  const shim = spawn(process.env.MLOPS_PYTHON ?? 'python3', [options.shimFile], {
    // Loopback only: the image's script is the user's code, and no other machine should reach it.
    env: {
      ...process.env,
      PORT: '0',
      MLOPS_BIND_ADDRESS: '127.0.0.1',
      MLOPS_ENTRY_SCRIPT: options.entryScript,
      MLOPS_MODEL_DIR: options.modelDirectory,
      PYTHONDONTWRITEBYTECODE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  shim.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => shim.once('exit', () => resolve()));
  const stop = async () => {
    if (shim.exitCode === null && shim.signalCode === null) shim.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(reason)));
    };
    const timer = setTimeout(
      () => fail(`the serving shim did not start within ${(options.startTimeoutMs ?? 30_000) / 1000} s: ${lastLine(stderr)}`),
      options.startTimeoutMs ?? 30_000,
    );
    let stdout = '';
    shim.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const port = /listening on port (\d+)/.exec(stdout)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ endpoint: `http://127.0.0.1:${port}`, stop });
      }
    });
    shim.once('exit', (code) => fail(`the serving shim exited with ${code}: ${lastLine(stderr)}`));
    shim.once('error', (error) => fail(`the serving shim could not start: ${error.message}`));
  });
}
