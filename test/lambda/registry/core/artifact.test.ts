import { MAX_DIGESTED_ARTIFACT_BYTES, resolveArtifact } from '../../../../lambda/registry/core/artifact';
import { InMemoryArtifactStore, refusal, sha256Base64, sha256Hex } from '../fakes';

const BUCKET = 'artifact-bucket';
const URI = `s3://${BUCKET}/models/churn/model.tar.gz`;
const BODY = 'model weights';

describe('resolveArtifact', () => {
  let artifacts: InMemoryArtifactStore;

  beforeEach(() => {
    artifacts = new InMemoryArtifactStore();
  });

  it("uses S3's full-object SHA-256 checksum and pins the object version", async () => {
    const facts = artifacts.put(URI, BODY, { checksumSha256: sha256Base64(BODY), checksumType: 'FULL_OBJECT' });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI });

    expect(record).toEqual({
      uri: URI,
      bucket: BUCKET,
      key: 'models/churn/model.tar.gz',
      s3VersionId: facts.versionId,
      sizeBytes: BODY.length,
      etag: facts.etag,
      sha256: sha256Hex(BODY),
      sha256Source: 's3-checksum',
    });
    expect(artifacts.digested).toEqual([]);
  });

  it("accepts a claimed sha256 that matches S3's checksum", async () => {
    artifacts.put(URI, BODY, { checksumSha256: sha256Base64(BODY) });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI, sha256: sha256Hex(BODY) });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 's3-checksum' });
  });

  it("fails when the claimed sha256 differs from S3's checksum", async () => {
    artifacts.put(URI, BODY, { checksumSha256: sha256Base64(BODY) });

    const { paths, message } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: URI, sha256: sha256Hex('other') }));

    expect(paths).toEqual(['artifact.sha256']);
    expect(message).toContain(sha256Hex(BODY));
  });

  it.each([
    ['a -<parts> suffix', { checksumSha256: `${sha256Base64('parts')}-3` }],
    ['checksumType COMPOSITE', { checksumSha256: sha256Base64('parts'), checksumType: 'COMPOSITE' as const }],
  ])('ignores a composite multipart checksum (%s) in favour of the claimed digest', async (_, composite) => {
    artifacts.put(URI, BODY, composite);

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI, sha256: sha256Hex(BODY) });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'client' });
    expect(artifacts.digested).toEqual([]);
  });

  it("ignores a composite checksum in favour of the uploader's sha256 metadata, lowercased", async () => {
    artifacts.put(URI, BODY, { checksumSha256: `${sha256Base64('parts')}-2`, metadataSha256: sha256Hex(BODY).toUpperCase() });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'client' });
  });

  it('computes the digest of the pinned object version when S3 and the client give none', async () => {
    const first = artifacts.put(URI, BODY);
    artifacts.put(URI, 'a later upload');

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI, versionId: first.versionId });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'computed', s3VersionId: first.versionId });
    expect(artifacts.digested).toEqual([{ bucket: BUCKET, key: 'models/churn/model.tar.gz', versionId: first.versionId }]);
  });

  it('computes the digest when the metadata holds no valid digest', async () => {
    artifacts.put(URI, BODY, { metadataSha256: 'not-a-digest' });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'computed' });
  });

  it('computes the digest of a composite-checksum object when no digest is claimed', async () => {
    artifacts.put(URI, BODY, { checksumSha256: sha256Base64('parts'), checksumType: 'COMPOSITE' });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'computed' });
    expect(artifacts.digested).toHaveLength(1);
  });

  it('verifies a claimed sha256 against the computed digest when S3 holds no checksum', async () => {
    artifacts.put(URI, BODY);

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI, sha256: sha256Hex(BODY) });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'computed' });
    expect(artifacts.digested).toHaveLength(1);
  });

  it('fails at artifact.sha256 when the claimed sha256 differs from the computed digest and S3 holds no checksum', async () => {
    artifacts.put(URI, BODY);

    const { paths, message } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: URI, sha256: sha256Hex('other') }));

    expect(paths).toEqual(['artifact.sha256']);
    expect(message).toContain(sha256Hex(BODY));
    expect(artifacts.digested).toHaveLength(1);
  });

  it("records the computed digest, not the uploader's sha256 metadata, when S3 holds no checksum", async () => {
    artifacts.put(URI, BODY, { metadataSha256: sha256Hex('other') });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'computed' });
    expect(artifacts.digested).toHaveLength(1);
  });

  it('fails at artifact.uri, asking for an upload with a SHA-256 checksum, when the artifact is too big to digest and S3 holds no checksum', async () => {
    artifacts.put(URI, BODY, { sizeBytes: MAX_DIGESTED_ARTIFACT_BYTES + 1 });

    const { paths, message } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain('upload it with a SHA-256 checksum');
    expect(artifacts.digested).toEqual([]);
  });

  it.each([
    ['a claimed sha256', { sha256: sha256Hex(BODY) }, {}],
    ["the uploader's sha256 metadata", {}, { metadataSha256: sha256Hex(BODY) }],
  ])('fails at artifact.uri when the artifact is too big to digest and S3 holds no checksum, whatever %s says', async (_, claim, metadata) => {
    artifacts.put(URI, BODY, { sizeBytes: MAX_DIGESTED_ARTIFACT_BYTES + 1, ...metadata });

    const { paths } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: URI, ...claim }));

    expect(paths).toEqual(['artifact.uri']);
    expect(artifacts.digested).toEqual([]);
  });

  it('trusts a claimed sha256 for an artifact too big to digest when S3 holds a composite checksum', async () => {
    artifacts.put(URI, BODY, { sizeBytes: MAX_DIGESTED_ARTIFACT_BYTES + 1, checksumSha256: `${sha256Base64('parts')}-3` });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI, sha256: sha256Hex(BODY) });

    expect(record).toMatchObject({ sha256: sha256Hex(BODY), sha256Source: 'client' });
    expect(artifacts.digested).toEqual([]);
  });

  it('fails at artifact.sha256 when a multipart artifact is too big to digest and no digest is claimed', async () => {
    artifacts.put(URI, BODY, { sizeBytes: MAX_DIGESTED_ARTIFACT_BYTES + 1, checksumSha256: `${sha256Base64('parts')}-3` });

    const { paths, message } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.sha256']);
    expect(message).toContain('give the digest its uploader computed');
    expect(artifacts.digested).toEqual([]);
  });

  it('digests an artifact of exactly the size limit', async () => {
    artifacts.put(URI, BODY, { sizeBytes: MAX_DIGESTED_ARTIFACT_BYTES });

    const record = await resolveArtifact(artifacts, BUCKET, { uri: URI });

    expect(record.sha256Source).toBe('computed');
  });

  it("fails on an artifact outside the platform's artifact bucket, naming both buckets", async () => {
    artifacts.put('s3://someone-elses-bucket/model.tar.gz', BODY);

    const { paths, message } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: 's3://someone-elses-bucket/model.tar.gz' }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain(BUCKET);
    expect(message).toContain('someone-elses-bucket');
  });

  it.each([
    ['a build context the platform wrote', 'images/victim/1/context/score.py'],
    ['the model data of an image', 'images/victim/1/model.tar.gz'],
    ['an image input', 'image-inputs/victim/abc/requirements.txt'],
    ['training data', 'training-data/churn/1/train.csv'],
    ['a key at the top of the bucket', 'model.tar.gz'],
    ['the upload prefix itself', 'models/'],
  ])('fails on an artifact outside the model upload prefixes (%s), before reading it', async (_what, key) => {
    const uri = `s3://${BUCKET}/${key}`;
    artifacts.put(uri, BODY, { checksumSha256: sha256Base64(BODY), checksumType: 'FULL_OBJECT' });

    const { paths, message } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain('"models/" or "uploads/"');
    expect(artifacts.digested).toEqual([]);
  });

  it('accepts artifacts under either model upload prefix', async () => {
    for (const key of ['models/churn/1f0c/model.tar.gz', 'uploads/1f0c/model.tar.gz']) {
      artifacts.put(`s3://${BUCKET}/${key}`, BODY, { checksumSha256: sha256Base64(BODY), checksumType: 'FULL_OBJECT' });
      await expect(resolveArtifact(artifacts, BUCKET, { uri: `s3://${BUCKET}/${key}` })).resolves.toMatchObject({ key });
    }
  });

  it('fails on a missing object at artifact.uri', async () => {
    const { paths } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
  });

  it('fails on a missing object version at artifact.uri, naming the version', async () => {
    artifacts.put(URI, BODY);

    const { paths, message } = await refusal(() => resolveArtifact(artifacts, BUCKET, { uri: URI, versionId: 'no-such-version' }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain('no-such-version');
  });
});
