import type { AliasChangeRecord, ModelVersionRecord } from '../../../lambda/registry/core/model';
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

const move = (revision: number, toVersion: number): AliasChangeRecord => ({
  name: 'churn',
  alias: 'prod',
  revision,
  toVersion,
  changedAt: `2025-06-0${revision}T00:00:00.000Z`,
});

describe('InMemoryRegistryStore', () => {
  it('commits a version when the latest version is the one expected, and keeps the model creation time', async () => {
    const store = new InMemoryRegistryStore();

    const outcomes = [await store.commitVersion(version(1), 0), await store.commitVersion(version(2), 1)];

    expect(outcomes).toEqual([{ kind: 'committed' }, { kind: 'committed' }]);
    expect(await store.getModel('churn')).toEqual({ name: 'churn', createdAt: version(1).createdAt, updatedAt: version(2).createdAt, latestVersion: 2 });
  });

  it('reports stale, writing nothing, when the latest version is not the one expected', async () => {
    const store = new InMemoryRegistryStore();
    await store.commitVersion(version(1), 0);

    const outcome = await store.commitVersion(version(2), 0);

    expect(outcome).toEqual({ kind: 'stale' });
    expect(await store.getVersion('churn', 2)).toBeUndefined();
  });

  it('reports a taken client token before a stale model, writing nothing', async () => {
    const store = new InMemoryRegistryStore();
    await store.commitVersion(version(1), 0, { clientToken: 't', fingerprint: 'f' });

    const outcome = await store.commitVersion(version(1), 0, { clientToken: 't', fingerprint: 'f' });

    expect(outcome).toEqual({ kind: 'token-taken' });
    expect(store.writes).toHaveLength(1);
    expect(await store.getToken('churn', 't')).toEqual({ version: 1, fingerprint: 'f' });
  });

  it('reports a missing version before a stale alias', async () => {
    const store = new InMemoryRegistryStore();

    expect(await store.commitAlias(move(2, 1))).toEqual({ kind: 'version-missing' });
  });

  it('moves an alias only from the revision before the change', async () => {
    const store = new InMemoryRegistryStore();
    await store.commitVersion(version(1), 0);
    await store.commitVersion(version(2), 1);

    const outcomes = [await store.commitAlias(move(1, 1)), await store.commitAlias(move(1, 2)), await store.commitAlias(move(3, 2)), await store.commitAlias(move(2, 2))];

    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['committed', 'stale', 'stale', 'committed']);
    expect(await store.getAlias('churn', 'prod')).toMatchObject({ version: 2, revision: 2 });
    expect(store.history.map((change) => change.revision)).toEqual([1, 2]);
  });
});
