import { MAX_DIGESTED_ARTIFACT_BYTES } from '../../../../lambda/registry/core/artifact';
import { buildManifest } from '../../../../lambda/registry/core/artifact-manifest';
import { MAX_DIRECTORY_BYTES, MAX_DIRECTORY_FILES, pinDirectory, saveDirectory } from '../../../../lambda/registry/core/directory-artifact';
import { InMemoryArtifactStore, refusal, sha256Base64, sha256Hex } from '../fakes';

const BUCKET = 'artifact-bucket';
const PREFIX = 'mlflow/1/models/m-123/artifacts';
const URI = `s3://${BUCKET}/${PREFIX}`;
const FILES: Record<string, string> = { MLmodel: 'flavors: {python_function: {}}', 'model.pkl': 'pickled', 'code/helpers.py': 'def f(): pass' };

/** Uploads `files` under `prefix`, each with S3's full-object SHA-256 checksum. */
function upload(artifacts: InMemoryArtifactStore, files: Record<string, string>, prefix = PREFIX) {
  return Object.fromEntries(
    Object.entries(files).map(([path, body]) => [path, artifacts.put(`s3://${BUCKET}/${prefix}/${path}`, body, { checksumSha256: sha256Base64(body) })]),
  );
}

describe('pinDirectory', () => {
  let artifacts: InMemoryArtifactStore;

  beforeEach(() => {
    artifacts = new InMemoryArtifactStore();
  });

  it('pins every file under the prefix to its S3 version and checksum, in a manifest whose digest is the artifact', async () => {
    const facts = upload(artifacts, FILES);
    artifacts.put(`s3://${BUCKET}/${PREFIX}-sibling/MLmodel`, 'not in the directory');

    const pinned = await pinDirectory(artifacts, BUCKET, { uri: URI });

    expect(pinned.prefix).toBe(`${PREFIX}/`);
    expect(pinned.manifest).toEqual(
      buildManifest(
        Object.entries(FILES).map(([path, body]) => ({ path, versionId: facts[path].versionId!, sizeBytes: body.length, sha256: sha256Hex(body) })),
      ),
    );
    expect(artifacts.digested).toEqual([]);
    expect(artifacts.written).toEqual([]);
  });

  it('takes a URI ending with "/" as the same directory', async () => {
    upload(artifacts, FILES);

    const [plain, slashed] = await Promise.all([pinDirectory(artifacts, BUCKET, { uri: URI }), pinDirectory(artifacts, BUCKET, { uri: `${URI}/` })]);

    expect(slashed.manifest.sha256).toBe(plain.manifest.sha256);
  });

  it('reads back a file without a checksum, and takes the uploader digest of a multipart one', async () => {
    artifacts.put(`s3://${BUCKET}/${PREFIX}/MLmodel`, 'plain');
    artifacts.put(`s3://${BUCKET}/${PREFIX}/model.pkl`, 'parts', { checksumSha256: `${sha256Base64('x')}-2`, metadataSha256: sha256Hex('parts') });

    const pinned = await pinDirectory(artifacts, BUCKET, { uri: URI });

    expect(pinned.manifest.files.map((file) => [file.path, file.sha256])).toEqual([
      ['MLmodel', sha256Hex('plain')],
      ['model.pkl', sha256Hex('parts')],
    ]);
    expect(artifacts.digested.map((location) => location.key)).toEqual([`${PREFIX}/MLmodel`]);
  });

  it('accepts a claimed sha256 equal to the manifest digest', async () => {
    upload(artifacts, FILES);
    const { manifest } = await pinDirectory(artifacts, BUCKET, { uri: URI });

    await expect(pinDirectory(artifacts, BUCKET, { uri: URI, sha256: manifest.sha256 })).resolves.toMatchObject({ manifest });
  });

  it('fails when the claimed sha256 is not the manifest digest', async () => {
    upload(artifacts, FILES);

    const { paths, message } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI, sha256: sha256Hex('other') }));

    expect(paths).toEqual(['artifact.sha256']);
    expect(message).toContain("the directory's manifest");
  });

  it('leaves out zero-byte folder objects', async () => {
    upload(artifacts, FILES);
    artifacts.put(`s3://${BUCKET}/${PREFIX}/code/`, '');

    const pinned = await pinDirectory(artifacts, BUCKET, { uri: URI });

    expect(pinned.manifest.files.map((file) => file.path)).toEqual(['MLmodel', 'code/helpers.py', 'model.pkl']);
  });

  it('fails on an empty directory', async () => {
    artifacts.put(`s3://${BUCKET}/${PREFIX}/`, '');

    const { paths, message } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain('holds no files');
  });

  it(`fails on a directory of over ${MAX_DIRECTORY_FILES} files, listing no further and describing none`, async () => {
    const listed: number[] = [];
    const describe = jest.spyOn(artifacts, 'describe');
    jest.spyOn(artifacts, 'list').mockImplementation(async (_bucket, prefix, limit) => {
      listed.push(limit);
      return Array.from({ length: limit }, (_, index) => ({ key: `${prefix}${index}.bin`, sizeBytes: 1 }));
    });

    const { paths, message } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain(`over ${MAX_DIRECTORY_FILES} objects`);
    expect(listed).toEqual([MAX_DIRECTORY_FILES + 1]);
    expect(describe).not.toHaveBeenCalled();
  });

  it('fails on a listing cut at the limit even when folder objects in it leave fewer files', async () => {
    jest
      .spyOn(artifacts, 'list')
      .mockImplementation(async (_bucket, prefix, limit) =>
        Array.from({ length: limit }, (_, index) =>
          index % 2 === 0 ? { key: `${prefix}folder-${index}/`, sizeBytes: 0 } : { key: `${prefix}${index}.bin`, sizeBytes: 1 },
        ),
      );

    const { paths } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
  });

  it('fails on a directory over the size limit before describing a file', async () => {
    const describe = jest.spyOn(artifacts, 'describe');
    jest.spyOn(artifacts, 'list').mockResolvedValue([
      { key: `${PREFIX}/a.bin`, sizeBytes: MAX_DIRECTORY_BYTES },
      { key: `${PREFIX}/b.bin`, sizeBytes: 1 },
    ]);

    const { paths, message } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain(`over the ${MAX_DIRECTORY_BYTES}`);
    expect(describe).not.toHaveBeenCalled();
  });

  it('fails when files without checksums would need more than the read-back allowance in total', async () => {
    const half = MAX_DIGESTED_ARTIFACT_BYTES / 2 + 1;
    artifacts.put(`s3://${BUCKET}/${PREFIX}/a.bin`, 'a', { sizeBytes: half });
    artifacts.put(`s3://${BUCKET}/${PREFIX}/b.bin`, 'b', { sizeBytes: half });

    const { paths, message } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toMatch(/file "b\.bin" has no full-object S3 SHA-256 checksum/);
  });

  it.each([
    ['outside the artifact bucket', `s3://other-bucket/${PREFIX}`, 'artifact.uri'],
    ['under a prefix the platform writes', `s3://${BUCKET}/images/churn/1/context`, 'artifact.uri'],
    ['that is the whole MLflow prefix', `s3://${BUCKET}/mlflow/`, 'artifact.uri'],
  ])('fails on a directory %s', async (_, uri, path) => {
    const { paths } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri }));

    expect(paths).toEqual([path]);
  });

  it.each(['models/churn/2026-12-06', 'uploads/5f1e7c1a'])('accepts a directory under the model upload prefix %s', async (prefix) => {
    upload(artifacts, FILES, prefix);

    const pinned = await pinDirectory(artifacts, BUCKET, { uri: `s3://${BUCKET}/${prefix}` });

    expect(pinned.manifest.files).toHaveLength(3);
  });

  it('fails on a versionId, which only a single object takes', async () => {
    upload(artifacts, FILES);

    const { paths } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI, versionId: 'v1' }));

    expect(paths).toEqual(['artifact.versionId']);
  });

  it.each(['../escape.py', 'a//b.py', 'a/./b.py'])('fails on a key that is not a file path under the directory (%s)', async (path) => {
    upload(artifacts, { ...FILES, [path]: 'x' });

    const { paths, message } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain('is not a file path under the directory');
  });

  it('fails when a listed file is deleted before it is described', async () => {
    upload(artifacts, FILES);
    jest.spyOn(artifacts, 'describe').mockResolvedValueOnce(undefined);

    const { paths, message } = await refusal(() => pinDirectory(artifacts, BUCKET, { uri: URI }));

    expect(paths).toEqual(['artifact.uri']);
    expect(message).toContain('was deleted while the directory was pinned');
  });
});

describe('saveDirectory', () => {
  it('writes the manifest content-addressed under registry-manifests/ and records it', async () => {
    const artifacts = new InMemoryArtifactStore();
    upload(artifacts, FILES);
    const pinned = await pinDirectory(artifacts, BUCKET, { uri: URI });

    const record = await saveDirectory(artifacts, pinned);

    const manifestUri = `s3://${BUCKET}/registry-manifests/${pinned.manifest.sha256}.json`;
    expect(record).toEqual({
      kind: 'directory',
      uri: URI,
      bucket: BUCKET,
      prefix: `${PREFIX}/`,
      sha256: pinned.manifest.sha256,
      sizeBytes: Object.values(FILES).join('').length,
      fileCount: 3,
      manifestUri,
      manifestVersionId: 'version-1',
    });
    expect(artifacts.read(manifestUri)?.toString()).toBe(pinned.manifest.text);
  });
});
