import { spawn } from 'node:child_process';
import * as path from 'node:path';

const TSX = path.join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
const WATCHER = path.join(__dirname, 'fixtures', 'orphan-watcher.ts');

describe('stopWithParent', () => {
  it('stops a process whose parent was killed without passing a signal on (SIGKILL to tsx)', async () => {
    // tsx runs the watcher in a child process of its own: the watcher's parent is tsx.
    const tsx = spawn(process.execPath, [TSX, WATCHER], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    const said = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" within 20 s; output: ${output}`)), 20_000);
        const check = () => {
          if (!output.includes(text)) return;
          clearTimeout(timer);
          resolve();
        };
        tsx.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          check();
        });
        check();
      });
    await said('ready');
    const watcher = Number(/ready (\d+)/.exec(output)![1]);

    tsx.kill('SIGKILL');

    try {
      await said(`stopped: its parent process ${tsx.pid} ended`);
    } finally {
      try {
        process.kill(watcher, 'SIGKILL');
      } catch {
        // it has stopped, as it should
      }
    }
  }, 30_000);
});
