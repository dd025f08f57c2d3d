import { createHash } from 'node:crypto';
import * as z from 'zod/mini';

/**
 * The manifest of a directory artifact: every file under the directory's prefix, pinned to its S3
 * version and SHA-256. Its canonical form (below) is hashed, and that one digest is the version's
 * artifact SHA-256: what a build serves later can be checked against what was registered with it.
 *
 * Canonical form: `{"format":"mlops-manifest/1","files":[{"path","versionId","sizeBytes","sha256"},...]}`
 * as compact JSON (no whitespace, keys in that order, JSON.stringify's escapes), files sorted by
 * path in UTF-8 byte order (Unicode code point order, as Python's `sorted` on strings gives).
 */
export const MANIFEST_FORMAT = 'mlops-manifest/1';

/** One file of a directory, pinned. `path` is relative to the directory; `versionId` is `null` in an unversioned bucket. */
export interface ManifestFile {
  readonly path: string;
  readonly versionId: string;
  readonly sizeBytes: number;
  /** Hex. */
  readonly sha256: string;
}

export interface Manifest {
  /** The canonical JSON text: the bytes written and hashed. */
  readonly text: string;
  readonly sha256: string;
  readonly files: readonly ManifestFile[];
  readonly sizeBytes: number;
}

const byPath = (a: ManifestFile, b: ManifestFile) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

/** The manifest of `files`, whatever order they were listed in. */
export function buildManifest(files: readonly ManifestFile[]): Manifest {
  const sorted = files.map(({ path, versionId, sizeBytes, sha256 }) => ({ path, versionId, sizeBytes, sha256 })).sort(byPath);
  const text = JSON.stringify({ format: MANIFEST_FORMAT, files: sorted });
  return {
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
    files: sorted,
    sizeBytes: sorted.reduce((total, file) => total + file.sizeBytes, 0),
  };
}

const ManifestDocument = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  files: z.array(
    z.strictObject({
      path: z.string().check(z.minLength(1)),
      versionId: z.string().check(z.minLength(1)),
      sizeBytes: z.int().check(z.nonnegative()),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    }),
  ),
});

/**
 * The files of a manifest read back, provided its text is the canonical form with digest `sha256`:
 * a manifest that is not what the registry wrote is refused as a whole.
 */
export function parseManifest(text: string, sha256: string): readonly ManifestFile[] {
  if (createHash('sha256').update(text).digest('hex') !== sha256) throw new Error(`the manifest's SHA-256 is not ${sha256}`);
  const parsed = ManifestDocument.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`the manifest with SHA-256 ${sha256} is not a ${MANIFEST_FORMAT} document`);
  return parsed.data.files;
}
