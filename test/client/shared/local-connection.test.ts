import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type LocalPlatformDescriptor, readDescriptor, writeDescriptor } from '../../../client/shared/local-connection';

const DESCRIPTOR = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'LOCAL0123', secretAccessKey: 'secret' },
  endpoints: { lambda: 'http://127.0.0.1:3001', dynamodb: 'http://127.0.0.1:8000', s3: 'http://127.0.0.1:5000' },
} as unknown as LocalPlatformDescriptor;

describe('writeDescriptor', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'mlops-descriptor-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('writes the descriptor (it holds the credentials) readable by this user only, 0600', () => {
    const file = path.join(directory, 'new.json');

    writeDescriptor(file, DESCRIPTOR);

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readDescriptor(file)).toEqual(DESCRIPTOR);
  });

  it('replaces a descriptor an earlier start left with a wider mode by a 0600 one', () => {
    const file = path.join(directory, 'old.json');
    writeFileSync(file, '{}', { mode: 0o644 });

    writeDescriptor(file, DESCRIPTOR);

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readDescriptor(file).credentials).toEqual(DESCRIPTOR.credentials);
  });
});
