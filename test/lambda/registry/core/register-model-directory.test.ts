import type { SourceRuns } from '../../../../lambda/registry/core/ports';
import { registerModel } from '../../../../lambda/registry/core/register-model';
import { RegisterModelRequest } from '../../../../lambda/registry/core/schemas';
import { ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { FakeClock } from '../../shared/fake-clock';
import { InMemoryArtifactStore, InMemoryRegistryStore, RecordingEventPublisher, refusal, sha256Base64 } from '../fakes';

const BUCKET = 'artifact-bucket';
const PREFIX = 'mlflow/1/models/m-123/artifacts';
const URI = `s3://${BUCKET}/${PREFIX}`;

function setUp() {
  const store = new InMemoryRegistryStore();
  const artifacts = new InMemoryArtifactStore();
  const events = new RecordingEventPublisher();
  for (const [path, body] of Object.entries({ MLmodel: 'flavors: {}', 'model.pkl': 'pickled' })) {
    artifacts.put(`s3://${BUCKET}/${PREFIX}/${path}`, body, { checksumSha256: sha256Base64(body) });
  }
  const sourceRuns: SourceRuns = { get: async () => undefined, linkVersion: async () => undefined };
  const register = registerModel({ store, artifacts, events, clock: new FakeClock(), artifactBucket: BUCKET, sourceRuns });
  const command = (artifact: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
    parseRequest(RegisterModelRequest, { name: 'churn', artifact: { kind: 'directory', uri: URI, ...artifact }, ...overrides });
  return { store, artifacts, events, register, command };
}

describe('registerModel with a directory artifact', () => {
  it('records the directory pinned by its manifest, written once, and announces it', async () => {
    const { store, artifacts, events, register, command } = setUp();

    const result = await register(command({}));

    expect(result.artifact).toMatchObject({ kind: 'directory', uri: URI, prefix: `${PREFIX}/`, fileCount: 2, sizeBytes: 18 });
    const manifestUri = `s3://${BUCKET}/registry-manifests/${result.artifact.sha256}.json`;
    expect(result.artifact).toMatchObject({ manifestUri, manifestVersionId: 'version-1' });
    expect(artifacts.written).toEqual([manifestUri]);
    expect((await store.getVersion('churn', 1))?.artifact).toEqual(result.artifact);
    expect(events.published).toMatchObject([{ type: 'ModelVersionRegistered', detail: { artifact: result.artifact } }]);
  });

  it('registers the same files twice with the same digest', async () => {
    const { register, command } = setUp();

    const [first, second] = [await register(command({})), await register(command({}))];

    expect(second.artifact.sha256).toBe(first.artifact.sha256);
    expect(second.version).toBe(2);
  });

  it.each([
    ['a versionId', { versionId: 'v1' }, {}, 'artifact.versionId'],
    ['a sha256 that is not the manifest digest', { sha256: 'f'.repeat(64) }, {}, 'artifact.sha256'],
    ['an empty directory', { uri: `s3://${BUCKET}/mlflow/1/empty` }, {}, 'artifact.uri'],
    ['a prefix outside the model upload and MLflow prefixes', { uri: `s3://${BUCKET}/training-data/churn` }, {}, 'artifact.uri'],
    ['an unknown source run', {}, { sourceRunId: 'b'.repeat(32) }, 'sourceRunId'],
  ])('fails on %s, writing nothing', async (_, artifact, overrides, path) => {
    const { store, artifacts, events, register, command } = setUp();

    expect((await refusal(() => register(command(artifact, overrides)))).paths).toEqual([path]);
    expect(artifacts.written).toEqual([]);
    expect(store.reservations).toEqual([]);
    expect(events.published).toEqual([]);
  });

  it('fails on an unknown artifact kind', () => {
    const { command } = setUp();

    expect(() => command({ kind: 'folder' })).toThrow(ValidationError);
  });
});
