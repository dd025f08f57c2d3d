import { type RegisterModelResult, registerModel } from '../../../../lambda/registry/core/register-model';
import { RegisterModelRequest } from '../../../../lambda/registry/core/schemas';
import { ConflictError, ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { FakeClock, InMemoryArtifactStore, InMemoryRegistryStore, RecordingEventPublisher, sha256Base64, sha256Hex } from '../fakes';

const BUCKET = 'artifact-bucket';
const URI = `s3://${BUCKET}/churn/model.tar.gz`;
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

  it('replays a client token without looking at the artifact again', async () => {
    const { artifacts, register, command } = setUp();
    await register(command({ clientToken: 'run-42' }));
    const describe = jest.spyOn(artifacts, 'describe');

    await register(command({ clientToken: 'run-42' }));

    expect(describe).not.toHaveBeenCalled();
  });

  it('fails when a client token is reused for a different request, writing nothing', async () => {
    const { store, register, command } = setUp();
    await register(command({ clientToken: 'run-42' }));

    await expect(register(command({ clientToken: 'run-42', metrics: { auc: 0.5 } }))).rejects.toThrow(ConflictError);
    expect(store.writes).toHaveLength(1);
  });

  it('retries a commit that lost a race a few times, then takes the next free version', async () => {
    const { store, clock, register, command } = setUp();
    store.reportStale(3);

    const result = await register(command());

    expect(result.version).toBe(1);
    expect(store.commitAttempts.map((outcome) => outcome.kind)).toEqual(['stale', 'stale', 'stale', 'committed']);
    expect(clock.sleeps).toHaveLength(3);
  });

  it('takes the version after the one a concurrent registration took', async () => {
    const { store, register, command } = setUp();
    store.interleaveBeforeNextCommit(() => register(command({ description: 'concurrent' })));

    const result = await register(command());

    expect(result.version).toBe(2);
    expect((await store.getVersion('churn', 1))?.description).toBe('concurrent');
  });

  it('fails with ConflictError once contention outlasts the 20 s deadline, having written nothing', async () => {
    const { store, events, clock, register, command } = setUp();
    store.reportStaleForever();
    const start = clock.now().getTime();

    const attempt = register(command());

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(/retry with the same clientToken/);
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(20_000);
    expect(store.commitAttempts.length).toBeGreaterThan(1);
    expect(store.writes).toEqual([]);
    expect(events.published).toEqual([]);
  });

  it('replays when a concurrent call with the same client token commits first', async () => {
    const { store, events, register, command } = setUp();
    store.interleaveBeforeNextCommit(() => register(command({ clientToken: 'run-42' })));

    const result = await register(command({ clientToken: 'run-42' }));

    expect(result.version).toBe(1);
    expect(store.writes).toHaveLength(1);
    expect(store.commitAttempts.map((outcome) => outcome.kind)).toEqual(['committed', 'token-taken']);
    const committed = await store.getVersion('churn', 1);
    expect(events.published.map((event) => event.detail)).toEqual([committed, committed]);
  });

  it('fails when a concurrent call took the client token for a different request', async () => {
    const { store, register, command } = setUp();
    store.interleaveBeforeNextCommit(() => register(command({ clientToken: 'run-42', description: 'other' })));

    await expect(register(command({ clientToken: 'run-42' }))).rejects.toThrow(ConflictError);
    expect(store.writes).toHaveLength(1);
  });

  it('fails with ValidationError on a missing artifact, committing and publishing nothing', async () => {
    const { store, events, register, command } = setUp();

    const attempt = register(command({ artifact: { uri: `s3://${BUCKET}/churn/missing.tar.gz` } }));

    await expect(attempt).rejects.toThrow(ValidationError);
    expect(store.commitAttempts).toEqual([]);
    expect(events.published).toEqual([]);
  });
});
