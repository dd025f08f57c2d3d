import { createHash } from 'node:crypto';
import { buildManifest, MANIFEST_FORMAT, type ManifestFile, parseManifest } from '../../../../lambda/registry/core/artifact-manifest';

const file = (path: string, sizeBytes = 1): ManifestFile => ({
  path,
  versionId: `v-${path}`,
  sizeBytes,
  sha256: createHash('sha256').update(path).digest('hex'),
});

describe('buildManifest', () => {
  it('writes the canonical form: compact JSON, fixed key order, files sorted by path', () => {
    const manifest = buildManifest([{ sha256: 'b'.repeat(64), sizeBytes: 2, versionId: 'v2', path: 'model.pkl' }, { ...file('MLmodel') }]);

    expect(manifest.text).toBe(
      `{"format":"${MANIFEST_FORMAT}","files":[` +
        `{"path":"MLmodel","versionId":"v-MLmodel","sizeBytes":1,"sha256":"${file('MLmodel').sha256}"},` +
        `{"path":"model.pkl","versionId":"v2","sizeBytes":2,"sha256":"${'b'.repeat(64)}"}]}`,
    );
    expect(manifest.sha256).toBe(createHash('sha256').update(manifest.text).digest('hex'));
    expect(manifest.sizeBytes).toBe(3);
  });

  it('gives the same digest whatever order the files were listed in', () => {
    const files = ['a/b.txt', 'a.txt', 'MLmodel', 'é.txt', 'z', '😀.bin', 'ﬀ.txt'].map((path) => file(path));

    const digests = new Set([files, [...files].reverse(), [...files.slice(3), ...files.slice(0, 3)]].map((listed) => buildManifest(listed).sha256));

    expect(digests.size).toBe(1);
  });

  it("sorts paths in UTF-8 byte order (code point order), not JavaScript's UTF-16 order", () => {
    // '😀' (U+1F600) is the surrogate pair D83D DE00, which sorts before U+FB00 in UTF-16 code units.
    const manifest = buildManifest([file('😀'), file('ﬀ')]);

    expect(manifest.files.map((entry) => entry.path)).toEqual(['ﬀ', '😀']);
  });

  it('keeps only the four fields of each file', () => {
    const manifest = buildManifest([{ ...file('MLmodel'), extra: true } as ManifestFile]);

    expect(JSON.parse(manifest.text).files[0]).toEqual(file('MLmodel'));
  });
});

describe('parseManifest', () => {
  it('reads back the files of a manifest with its digest', () => {
    const manifest = buildManifest([file('MLmodel'), file('model.pkl')]);

    expect(parseManifest(manifest.text, manifest.sha256)).toEqual(manifest.files);
  });

  it('fails on a manifest whose text does not have the digest', () => {
    const manifest = buildManifest([file('MLmodel')]);

    expect(() => parseManifest(manifest.text.replace('MLmodel', 'MLmodeX'), manifest.sha256)).toThrow(`the manifest's SHA-256 is not ${manifest.sha256}`);
  });

  it('fails on a document of another format, even with the right digest', () => {
    const text = JSON.stringify({ format: 'other/1', files: [] });

    expect(() => parseManifest(text, createHash('sha256').update(text).digest('hex'))).toThrow(/is not a mlops-manifest\/1 document/);
  });
});
