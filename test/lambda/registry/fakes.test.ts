import type { AliasMove, ModelVersionRecord } from '../../../lambda/registry/core/model';
import { InMemoryRegistryStore } from './fakes';

/** The fake store must keep the RegistryStore contract, or the core tests prove nothing. */

const version = (n: number, name = 'churn'): ModelVersionRecord => ({
  name,
  version: n,
  createdAt: `2025-06-0${n}T00:00:00.000Z`,
  artifact: { uri: 's3://b/k', bucket: 'b', key: 'k', sizeBytes: 1, etag: 'e', sha256: 'a'.repeat(64), sha256Source: 'client' },
  metrics: {},
  parameters: {},
  tags: {},
  properties: {},
  datasets: [],
});

const move = (revision: number, toVersion: number): AliasMove => ({
  name: 'churn',
  alias: 'prod',
  revision,
  toVersion,
  changedAt: `2025-06-0${revision}T00:00:00.000Z`,
});

/** Reserves, commits and records as latest versions 1..n of `name`, in order, as a registration does. */
async function withVersions(store: InMemoryRegistryStore, n: number, name = 'churn'): Promise<InMemoryRegistryStore> {
  for (let i = 1; i <= n; i++) {
    const record = version(i, name);
    await store.reserveVersion(name, record.createdAt);
    await store.commitVersion(record);
    await store.recordLatestVersion(name, i, record.createdAt);
  }
  return store;
}

describe('InMemoryRegistryStore', () => {
  it('hands out 1, 2, 3 per model, creating the model at its first reservation and keeping its creation time', async () => {
    const store = new InMemoryRegistryStore();

    const churn = [await store.reserveVersion('churn', 't1'), await store.reserveVersion('churn', 't2'), await store.reserveVersion('churn', 't3')];
    const fraud = await store.reserveVersion('fraud', 't4');

    expect(churn).toEqual([1, 2, 3]);
    expect(fraud).toBe(1);
    // Like the DynamoDB item: latest version 0 and updated at the first reservation until a latest version is recorded; the counter hidden.
    expect(await store.getModel('churn')).toEqual({ name: 'churn', createdAt: 't1', updatedAt: 't1', latestVersion: 0 });
  });

  it('hands every concurrent reservation a different number', async () => {
    const store = new InMemoryRegistryStore();

    const numbers = await Promise.all(Array.from({ length: 20 }, () => store.reserveVersion('churn', 't')));

    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('commits a reserved version with its token, leaving the model latest version to be recorded', async () => {
    const store = new InMemoryRegistryStore();
    await store.reserveVersion('churn', 't1');

    const outcome = await store.commitVersion(version(1), { clientToken: 't', fingerprint: 'f' });

    expect(outcome).toEqual({ kind: 'committed' });
    expect(await store.getVersion('churn', 1)).toEqual(version(1));
    expect(await store.getToken('churn', 't')).toEqual({ version: 1, fingerprint: 'f' });
    expect(await store.getModel('churn')).toEqual({ name: 'churn', createdAt: 't1', updatedAt: 't1', latestVersion: 0 });
  });

  it('records a committed version as the model latest version, with its time', async () => {
    const store = new InMemoryRegistryStore();
    await store.reserveVersion('churn', 't1');
    await store.commitVersion(version(1));

    await store.recordLatestVersion('churn', 1, version(1).createdAt);

    expect(await store.getModel('churn')).toEqual({ name: 'churn', createdAt: 't1', updatedAt: version(1).createdAt, latestVersion: 1 });
  });

  it('raises the latest version only upwards when raises land out of order, and leaves it alone when recorded again', async () => {
    const store = new InMemoryRegistryStore();
    await store.reserveVersion('churn', 't1');
    await store.reserveVersion('churn', 't2');
    await store.commitVersion(version(2));
    await store.commitVersion(version(1));

    await store.recordLatestVersion('churn', 2, version(2).createdAt);
    await store.recordLatestVersion('churn', 1, version(1).createdAt);
    await store.recordLatestVersion('churn', 2, 'a retry');

    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 2, updatedAt: version(2).createdAt });
    expect((await store.getLatestVersion('churn'))?.version).toBe(2);
  });

  it('records no latest version for a model never reserved, creating nothing', async () => {
    const store = new InMemoryRegistryStore();

    await store.recordLatestVersion('churn', 1, 't1');

    expect(await store.getModel('churn')).toBeUndefined();
  });

  it('reads the latest version from the committed versions, skipping a reserved number never committed', async () => {
    const store = await withVersions(new InMemoryRegistryStore(), 2);
    await store.reserveVersion('churn', 't3');

    const latest = await store.getLatestVersion('churn');

    expect(latest).toEqual(version(2));
    expect(await store.getLatestVersion('fraud')).toBeUndefined();
  });

  it('reports a taken client token, writing nothing', async () => {
    const store = new InMemoryRegistryStore();
    await store.reserveVersion('churn', 't1');
    await store.reserveVersion('churn', 't2');
    await store.commitVersion(version(1), { clientToken: 't', fingerprint: 'f' });

    const outcome = await store.commitVersion(version(2), { clientToken: 't', fingerprint: 'f' });

    expect(outcome).toEqual({ kind: 'token-taken' });
    expect(await store.getVersion('churn', 2)).toBeUndefined();
    expect(store.writes).toHaveLength(1);
    expect(await store.getToken('churn', 't')).toEqual({ version: 1, fingerprint: 'f' });
  });

  it('fails to commit a version that already exists or was never reserved, writing nothing', async () => {
    const store = await withVersions(new InMemoryRegistryStore(), 1);

    await expect(store.commitVersion({ ...version(1), description: 'again' })).rejects.toThrow('version 1 of churn already exists');
    await expect(store.commitVersion(version(2))).rejects.toThrow('version 2 of churn was never reserved');
    await expect(store.commitVersion(version(1, 'fraud'))).rejects.toThrow('version 1 of fraud was never reserved');
    expect(store.writes).toHaveLength(1);
  });

  it('fails an injected commit without writing, and keeps counting from the number it consumed', async () => {
    const store = new InMemoryRegistryStore().failNextCommit();
    await store.reserveVersion('churn', 't1');

    await expect(store.commitVersion(version(1))).rejects.toThrow('injected failure');
    const next = await store.reserveVersion('churn', 't2');

    expect(next).toBe(2);
    expect(store.writes).toEqual([]);
    expect(await store.getVersion('churn', 1)).toBeUndefined();
    expect(await store.getModel('churn')).toEqual({ name: 'churn', createdAt: 't1', updatedAt: 't1', latestVersion: 0 });
  });

  it('fails an injected commit after writing the version and its token, leaving the model latest version behind', async () => {
    const store = (await withVersions(new InMemoryRegistryStore(), 1)).failNextCommitAfterWriting();
    await store.reserveVersion('churn', 't2');

    await expect(store.commitVersion(version(2), { clientToken: 't', fingerprint: 'f' })).rejects.toThrow('injected failure');

    expect(await store.getVersion('churn', 2)).toEqual(version(2));
    expect(await store.getToken('churn', 't')).toEqual({ version: 2, fingerprint: 'f' });
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 1 });
    expect((await store.getLatestVersion('churn'))?.version).toBe(2);
  });

  it('reports a missing version before a stale alias', async () => {
    const store = new InMemoryRegistryStore();

    expect(await store.commitAlias(move(2, 1))).toEqual({ kind: 'version-missing' });
  });

  it('moves an alias only from the revision before the change', async () => {
    const store = await withVersions(new InMemoryRegistryStore(), 2);

    const outcomes = [
      await store.commitAlias(move(1, 1)),
      await store.commitAlias(move(1, 2)),
      await store.commitAlias(move(3, 2)),
      await store.commitAlias(move(2, 2)),
    ];

    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['committed', 'stale', 'stale', 'committed']);
    expect(await store.getAlias('churn', 'prod')).toMatchObject({ version: 2, revision: 2 });
    expect(store.history.map((change) => change.revision)).toEqual([1, 2]);
  });
});
