import { type RegisterModelResult, registerModel } from '../../../../lambda/registry/core/register-model';
import { RegisterModelRequest } from '../../../../lambda/registry/core/schemas';
import { ConflictError, ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { FakeClock } from '../../shared/fake-clock';
import { InMemoryArtifactStore, InMemoryRegistryStore, RecordingEventPublisher, sha256Base64, sha256Hex } from '../fakes';

const BUCKET = 'artifact-bucket';
const URI = `s3://${BUCKET}/models/churn/model.tar.gz`;
const BODY = 'model weights';

function setUp() {
  const store = new InMemoryRegistryStore();
  const artifacts = new InMemoryArtifactStore();
  const events = new RecordingEventPublisher();
  const clock = new FakeClock();
  artifacts.put(URI, BODY, { checksumSha256: sha256Base64(BODY), checksumType: 'FULL_OBJECT' });
  const register = registerModel({ store, artifacts, events, clock, artifactBucket: BUCKET });
  const command = (overrides: Record<string, unknown> = {}) =>
    parseRequest(RegisterModelRequest, { name: 'churn', artifact: { uri: URI }, metrics: { auc: 0.91 }, ...overrides });
  return { store, artifacts, events, clock, register, command };
}

describe('registerModel', () => {
  it('numbers the versions of a model 1, 2, 3', async () => {
    const { register, command } = setUp();

    const results: RegisterModelResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await register(command()));

    expect(results.map((result) => result.version)).toEqual([1, 2, 3]);
  });

  it('numbers each model from 1', async () => {
    const { register, command } = setUp();

    await register(command());
    const other = await register(command({ name: 'fraud' }));

    expect(other.version).toBe(1);
  });

  it('stores the version with its artifact, metadata and actor, updates the model and announces it', async () => {
    const { store, events, clock, register, command } = setUp();

    const result = await register(command({ tags: { stage: 'candidate' }, actor: 'pipeline/train', framework: 'xgboost' }));

    const stored = await store.getVersion('churn', 1);
    expect(stored).toMatchObject({
      name: 'churn',
      version: 1,
      createdAt: clock.now().toISOString(),
      createdBy: 'pipeline/train',
      framework: 'xgboost',
      metrics: { auc: 0.91 },
      tags: { stage: 'candidate' },
      artifact: { uri: URI, sha256: sha256Hex(BODY), sha256Source: 's3-checksum' },
    });
    expect(result).toEqual({ name: 'churn', version: 1, artifact: stored?.artifact, createdAt: stored?.createdAt });
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 1 });
    expect(events.published).toEqual([{ type: 'ModelVersionRegistered', detail: stored }]);
  });

  it('replays a retried client token: same version, nothing written, the event published again', async () => {
    const { store, events, register, command } = setUp();
    const first = await register(command({ clientToken: 'run-42' }));

    const replayed = await register(command({ clientToken: 'run-42' }));

    expect(replayed).toEqual(first);
    expect(store.writes).toHaveLength(1);
    expect(events.published).toHaveLength(2);
    expect(events.published[1]).toEqual(events.published[0]);
  });

  it('replays a client token whatever the key order of the retried request', async () => {
    const { store, register } = setUp();
    await register(parseRequest(RegisterModelRequest, { clientToken: 't', name: 'churn', artifact: { uri: URI }, metrics: { a: 1, b: 2 } }));

    const replayed = await register(parseRequest(RegisterModelRequest, { metrics: { b: 2, a: 1 }, artifact: { uri: URI }, name: 'churn', clientToken: 't' }));

    expect(replayed.version).toBe(1);
    expect(store.writes).toHaveLength(1);
  });

  it('replays a client token even when the artifact has gone since, reserving nothing', async () => {
    const { store, artifacts, events, register, command } = setUp();
    const first = await register(command({ clientToken: 'run-42' }));
    jest.spyOn(artifacts, 'describe').mockResolvedValue(undefined);

    const replayed = await register(command({ clientToken: 'run-42' }));

    expect(replayed).toEqual(first);
    expect(store.reservations).toHaveLength(1);
    expect(events.published).toHaveLength(2);
  });

  it('fails with ValidationError on a new client token when the artifact is missing, reserving nothing', async () => {
    const { store, register, command } = setUp();

    await expect(register(command({ clientToken: 'run-42', artifact: { uri: `s3://${BUCKET}/models/churn/missing.tar.gz` } }))).rejects.toThrow(
      ValidationError,
    );
    expect(store.reservations).toEqual([]);
  });

  it('fails when a client token is reused for a different request, writing nothing', async () => {
    const { store, register, command } = setUp();
    await register(command({ clientToken: 'run-42' }));

    await expect(register(command({ clientToken: 'run-42', metrics: { auc: 0.5 } }))).rejects.toThrow(ConflictError);
    expect(store.writes).toHaveLength(1);
  });

  it('gives concurrent registrations distinct consecutive versions, without waiting or wasting a number', async () => {
    const { store, events, clock, register, command } = setUp();

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => register(command({ description: `run ${i}` }))));

    const numbers = results.map((result) => result.version).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(store.reservations).toHaveLength(50);
    expect((await store.listVersions('churn', { limit: 100 })).items).toHaveLength(50);
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 50 });
    expect(events.published).toHaveLength(50);
    expect(clock.sleeps).toEqual([]);
  });

  it('keeps the higher version latest when a registration commits after a later-numbered concurrent one', async () => {
    const { store, register, command } = setUp();
    let concurrent: Promise<RegisterModelResult> | undefined;
    store.interleaveBeforeNextCommit(() => (concurrent = register(command({ description: 'concurrent' }))));

    const result = await register(command());

    expect(result.version).toBe(1);
    expect((await concurrent)?.version).toBe(2);
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 2 });
    expect((await store.getVersion('churn', 2))?.description).toBe('concurrent');
  });

  it('fails when the commit fails, publishing nothing; the number it took is skipped, never reused', async () => {
    const { store, events, register, command } = setUp();
    await register(command());
    store.failNextCommit();

    await expect(register(command({ description: 'lost' }))).rejects.toThrow('injected failure');
    const next = await register(command());

    expect(next.version).toBe(3);
    expect(await store.getVersion('churn', 2)).toBeUndefined();
    expect((await store.listVersions('churn', { limit: 10 })).items.map((version) => version.version)).toEqual([3, 1]);
    expect(events.published.map((event) => (event.detail as { version: number }).version)).toEqual([1, 3]);
  });

  it('completes a registration whose caller failed after the commit when it is retried with its client token', async () => {
    const { store, events, register, command } = setUp();
    store.failNextCommitAfterWriting();
    await expect(register(command({ clientToken: 'run-42' }))).rejects.toThrow('injected failure');
    expect(events.published).toEqual([]);
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 0 });

    const retried = await register(command({ clientToken: 'run-42' }));

    const committed = await store.getVersion('churn', 1);
    expect(retried.version).toBe(1);
    expect(store.reservations).toHaveLength(1);
    expect(store.writes).toHaveLength(1);
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 1, updatedAt: committed?.createdAt });
    expect(events.published).toEqual([{ type: 'ModelVersionRegistered', detail: committed }]);
  });

  it('raises the latest version again on a replay, catching up a model item left behind by a caller that failed after the commit', async () => {
    const { store, clock, register, command } = setUp();
    await register(command());
    store.failNextCommitAfterWriting();
    await expect(register(command({ clientToken: 'run-42' }))).rejects.toThrow('injected failure');
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 1 });
    const committedAt = (await store.getVersion('churn', 2))?.createdAt;
    clock.advance(60_000);

    await register(command({ clientToken: 'run-42' }));

    // Raised to the replayed version, with that version's time, not the replay's.
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 2, updatedAt: committedAt });
  });

  it('leaves a higher latest version in place when replaying an older version', async () => {
    const { store, register, command } = setUp();
    const first = await register(command({ clientToken: 'run-42' }));
    const second = await register(command({ description: 'later' }));

    const replayed = await register(command({ clientToken: 'run-42' }));

    expect(replayed).toEqual(first);
    expect(await store.getModel('churn')).toMatchObject({ latestVersion: 2, updatedAt: second.createdAt });
  });

  it('replays when a concurrent call with the same client token commits first, leaving its own number unused', async () => {
    const { store, events, register, command } = setUp();
    store.interleaveBeforeNextCommit(() => register(command({ clientToken: 'run-42' })));

    const result = await register(command({ clientToken: 'run-42' }));

    // This call reserved 1, the concurrent one 2 and committed it with the token first.
    expect(result.version).toBe(2);
    expect(store.writes).toHaveLength(1);
    expect(await store.getVersion('churn', 1)).toBeUndefined();
    expect(store.commitAttempts.map((outcome) => outcome.kind)).toEqual(['committed', 'token-taken']);
    const committed = await store.getVersion('churn', 2);
    expect(events.published.map((event) => event.detail)).toEqual([committed, committed]);
  });

  it('fails when a concurrent call took the client token for a different request', async () => {
    const { store, register, command } = setUp();
    store.interleaveBeforeNextCommit(() => register(command({ clientToken: 'run-42', description: 'other' })));

    await expect(register(command({ clientToken: 'run-42' }))).rejects.toThrow(ConflictError);
    expect(store.writes).toHaveLength(1);
  });

  it('fails with ValidationError on a missing artifact, reserving, committing and publishing nothing', async () => {
    const { store, events, register, command } = setUp();

    const attempt = register(command({ artifact: { uri: `s3://${BUCKET}/models/churn/missing.tar.gz` } }));

    await expect(attempt).rejects.toThrow(ValidationError);
    expect(store.reservations).toEqual([]);
    expect(await store.getModel('churn')).toBeUndefined();
    expect(store.commitAttempts).toEqual([]);
    expect(events.published).toEqual([]);
  });
});
