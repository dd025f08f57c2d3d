import { type SetModelAliasRequest as AliasRequest, SetModelAliasRequest } from '../../../../lambda/registry/core/schemas';
import { setModelAlias } from '../../../../lambda/registry/core/set-model-alias';
import { ConflictError, NotFoundError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { fakeRegistry } from '../fakes';

/** A registry holding versions 1..3 of `churn`, with nothing published yet. */
async function setUp() {
  const { store, events, clock, registerVersion } = fakeRegistry();
  for (let i = 0; i < 3; i++) await registerVersion('churn');
  events.published.length = 0;
  store.writes.length = 0;
  store.commitAttempts.length = 0;
  const setAlias = setModelAlias({ store, events, clock });
  const request = (overrides: Partial<AliasRequest> = {}) => parseRequest(SetModelAliasRequest, { name: 'churn', alias: 'prod', version: 1, ...overrides });
  return { store, events, clock, setAlias, request };
}

describe('setModelAlias', () => {
  it('creates an alias at revision 1 and records the change without a previous version', async () => {
    const { store, events, clock, setAlias, request } = await setUp();

    const result = await setAlias(request({ actor: 'alice', reason: 'first release' }));

    const change = {
      name: 'churn',
      alias: 'prod',
      revision: 1,
      fromVersion: undefined,
      toVersion: 1,
      changedAt: clock.now().toISOString(),
      changedBy: 'alice',
      reason: 'first release',
    };
    expect(result).toEqual({ name: 'churn', alias: 'prod', version: 1, previousVersion: undefined, revision: 1, changedAt: change.changedAt, changed: true });
    expect(store.history).toEqual([change]);
    expect(await store.getAlias('churn', 'prod')).toMatchObject({ version: 1, revision: 1, updatedBy: 'alice' });
    expect(events.published).toEqual([{ type: 'ModelAliasChanged', detail: change }]);
  });

  it('moves an alias: the revision increments and the change records where it came from', async () => {
    const { store, clock, setAlias, request } = await setUp();
    await setAlias(request({ version: 1 }));
    clock.advance(60_000);

    const result = await setAlias(request({ version: 3 }));

    expect(result).toMatchObject({ version: 3, previousVersion: 1, revision: 2, changed: true });
    expect(store.history.map(({ revision, fromVersion, toVersion }) => ({ revision, fromVersion, toVersion }))).toEqual([
      { revision: 1, fromVersion: undefined, toVersion: 1 },
      { revision: 2, fromVersion: 1, toVersion: 3 },
    ]);
  });

  it('writes nothing when the alias already points at the version', async () => {
    const { store, clock, setAlias, request } = await setUp();
    const created = await setAlias(request({ version: 2 }));
    clock.advance(60_000);

    const result = await setAlias(request({ version: 2 }));

    expect(result).toEqual({ ...created, previousVersion: 2, changed: false });
    expect(store.writes).toHaveLength(1);
    expect(store.commitAttempts).toHaveLength(1);
  });

  it('moves the alias when expectedVersion matches where it points', async () => {
    const { setAlias, request } = await setUp();
    await setAlias(request({ version: 1 }));

    const result = await setAlias(request({ version: 2, expectedVersion: 1 }));

    expect(result).toMatchObject({ version: 2, revision: 2 });
  });

  it('creates the alias when expectedVersion is null and it does not exist', async () => {
    const { setAlias, request } = await setUp();

    const result = await setAlias(request({ version: 2, expectedVersion: null }));

    expect(result).toMatchObject({ version: 2, revision: 1, changed: true });
  });

  it('fails with ConflictError when the alias no longer points at expectedVersion, writing nothing', async () => {
    const { store, setAlias, request } = await setUp();
    await setAlias(request({ version: 2 }));

    const attempt = setAlias(request({ version: 3, expectedVersion: 1 }));

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow('points at version 2; expected it to point at version 1');
    expect(store.writes).toHaveLength(1);
  });

  it('fails with ConflictError when expectedVersion is null and the alias exists', async () => {
    const { store, setAlias, request } = await setUp();
    await setAlias(request({ version: 2 }));

    await expect(setAlias(request({ version: 3, expectedVersion: null }))).rejects.toThrow(ConflictError);
    expect(store.writes).toHaveLength(1);
  });

  it('fails with ConflictError when expectedVersion names a version and the alias does not exist', async () => {
    const { setAlias, request } = await setUp();

    await expect(setAlias(request({ version: 3, expectedVersion: 2 }))).rejects.toThrow(ConflictError);
  });

  it('fails with NotFoundError when the version does not exist, writing and publishing nothing', async () => {
    const { store, events, setAlias, request } = await setUp();

    await expect(setAlias(request({ version: 4 }))).rejects.toThrow(NotFoundError);
    expect(store.writes).toEqual([]);
    expect(events.published).toEqual([]);
  });

  it('fails with NotFoundError for a model that does not exist', async () => {
    const { setAlias, request } = await setUp();

    await expect(setAlias(request({ name: 'fraud' }))).rejects.toThrow(NotFoundError);
  });

  it('rereads and moves from the new position when a concurrent move wins the race', async () => {
    const { store, setAlias, request } = await setUp();
    await setAlias(request({ version: 1 }));
    store.interleaveBeforeNextCommit(() => setAlias(request({ version: 2 })));

    const result = await setAlias(request({ version: 3 }));

    expect(result).toMatchObject({ version: 3, previousVersion: 2, revision: 3 });
    expect(store.history.map((change) => change.revision)).toEqual([1, 2, 3]);
  });

  it('fails with ConflictError when a concurrent move wins the race against a compare-and-set', async () => {
    const { store, setAlias, request } = await setUp();
    await setAlias(request({ version: 1 }));
    store.interleaveBeforeNextCommit(() => setAlias(request({ version: 2 })));

    await expect(setAlias(request({ version: 3, expectedVersion: 1 }))).rejects.toThrow(ConflictError);
    expect(await store.getAlias('churn', 'prod')).toMatchObject({ version: 2 });
  });

  it('fails with ConflictError once contention outlasts the deadline', async () => {
    const { store, clock, setAlias, request } = await setUp();
    store.reportStaleForever();
    const start = clock.now().getTime();

    await expect(setAlias(request())).rejects.toThrow(ConflictError);
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(20_000);
  });
});
