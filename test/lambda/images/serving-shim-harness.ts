import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** The real shim, run by the machine's Python (`MLOPS_PYTHON` picks another, e.g. a 3.9). */
const PYTHON = process.env.MLOPS_PYTHON ?? 'python3';
const SHIM = join(__dirname, '..', '..', '..', 'lambda', 'images', 'serving', 'serve.py');
export const FIXTURES = join(__dirname, 'fixtures');
export const SCORE = join(FIXTURES, 'score.py');
export const SPAWN_TIMEOUT_MS = 20_000;

export interface Shim {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly exited: Promise<number | null>;
  /** What the shim wrote to stderr so far. */
  stderr(): string;
}

/** Starts the shim on a free port and resolves once it prints the port. `env` wins over this process's, and `undefined` removes a variable. */
export function startShim(env: Record<string, string | undefined>): Promise<Shim> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', PYTHONDONTWRITEBYTECODE: '1', ...env };
  delete childEnv.SAGEMAKER_BIND_TO_PORT;
  for (const name of Object.keys(childEnv)) if (childEnv[name] === undefined) delete childEnv[name];
  const child = spawn(PYTHON, [SHIM], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the shim printed no port in ${SPAWN_TIMEOUT_MS} ms:\n${stderr}`)), SPAWN_TIMEOUT_MS);
    child.once('error', reject);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the shim exited with ${code} before listening:\n${stderr}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening on port (\d+)$/m.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({ child, port, url: `http://127.0.0.1:${port}`, exited, stderr: () => stderr });
    });
  });
}

export async function stopShim(shim: Shim | undefined): Promise<void> {
  if (shim && shim.child.exitCode === null && shim.child.signalCode === null) {
    shim.child.kill('SIGKILL');
    await shim.exited;
  }
}

export const invoke = (shim: Shim, contentType: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${shim.url}/invocations`, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body });

/** What SageMaker Runtime passes the container of a caller's InferenceId and CustomAttributes. */
export const CALLER_HEADERS = { 'X-Amzn-SageMaker-Inference-Id': 'order-1234', 'X-Amzn-SageMaker-Custom-Attributes': 'caller=checkout-service' };
