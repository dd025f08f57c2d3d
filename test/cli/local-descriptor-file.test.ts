import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDescriptorFile } from '../../cli/local-descriptor-file';
import { ConfigurationError } from '../../client/shared/errors';

let root: string;
let home: string;
let project: string;

const write = (file: string) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, '{}\n');
  return file;
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mlops-local-lookup-'));
  home = join(root, 'home');
  project = join(root, 'project');
  mkdirSync(project);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('localDescriptorFile', () => {
  it('takes the file MLOPS_LOCAL names, relative to the working folder, over every other', () => {
    write(join(project, '.local', 'platform.json'));
    write(join(home, 'local-platform.json'));

    expect(localDescriptorFile({ MLOPS_LOCAL: 'elsewhere/platform.json', MLOPS_HOME: home }, project)).toBe(join(project, 'elsewhere', 'platform.json'));
  });

  it.each(['1', 'true', undefined])('takes .local/platform.json in the working folder over the per-user file (MLOPS_LOCAL=%s)', (setting) => {
    const inFolder = write(join(project, '.local', 'platform.json'));
    write(join(home, 'local-platform.json'));

    expect(localDescriptorFile({ MLOPS_LOCAL: setting, MLOPS_HOME: home }, project)).toBe(inFolder);
  });

  it('takes the per-user file in MLOPS_HOME from a folder without a platform', () => {
    const perUser = write(join(home, 'local-platform.json'));

    expect(localDescriptorFile({ MLOPS_LOCAL: '1', MLOPS_HOME: home }, project)).toBe(perUser);
  });

  it('fails naming every place it looked when no descriptor is found', () => {
    const lookup = () => localDescriptorFile({ MLOPS_HOME: home }, project);

    expect(lookup).toThrow(ConfigurationError);
    expect(lookup).toThrow(`no local platform found: looked at ${join(project, '.local', 'platform.json')} and ${join(home, 'local-platform.json')}`);
    expect(lookup).toThrow(/start one with `npm run local` in the mlops-platform folder, or point MLOPS_LOCAL at its platform.json/);
  });
});
