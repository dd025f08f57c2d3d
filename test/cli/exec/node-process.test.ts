import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeProcesses } from '../../../cli/exec/node-process';

let root: string;

/** git in `cwd`, with an identity of its own and no user or system configuration. */
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  })
    .toString()
    .trim();

/** A repository with one commit of `train.py`, returning that commit. */
function repository(folder: string): string {
  mkdirSync(folder, { recursive: true });
  git(folder, 'init', '-q');
  writeFileSync(join(folder, 'train.py'), 'print(1)\n');
  git(folder, 'add', 'train.py');
  git(folder, 'commit', '-q', '-m', 'first');
  return git(folder, 'rev-parse', 'HEAD');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mlops-git-'));
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('nodeProcesses.gitSource', () => {
  it('gives the commit checked out, clean, in the repository holding the folder', async () => {
    const commit = repository(join(root, 'project'));
    mkdirSync(join(root, 'project', 'src'));

    await expect(nodeProcesses.gitSource(join(root, 'project', 'src'))).resolves.toEqual({ commit, dirty: false });
  });

  it('says the tree is dirty when a tracked file differs from the commit', async () => {
    const commit = repository(join(root, 'project'));
    writeFileSync(join(root, 'project', 'train.py'), 'print(2)\n');

    await expect(nodeProcesses.gitSource(join(root, 'project'))).resolves.toEqual({ commit, dirty: true });
  });

  it('does not count untracked files (outputs, data) as dirty', async () => {
    const commit = repository(join(root, 'project'));
    writeFileSync(join(root, 'project', 'model.bin'), 'weights');

    await expect(nodeProcesses.gitSource(join(root, 'project'))).resolves.toEqual({ commit, dirty: false });
  });

  it('gives nothing outside a git repository, or in one without a commit', async () => {
    mkdirSync(join(root, 'plain'));
    mkdirSync(join(root, 'empty'));
    git(join(root, 'empty'), 'init', '-q');

    await expect(nodeProcesses.gitSource(join(root, 'plain'))).resolves.toBeUndefined();
    await expect(nodeProcesses.gitSource(join(root, 'empty'))).resolves.toBeUndefined();
  });
});
