import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MLFLOW_ENTRY_FILE, parseModelManifest } from '../../../lambda/images/core/build-context';
import type { ImageVersionRecord } from '../../../lambda/images/core/model';
import type { DirectoryArtifactRecord } from '../../../lambda/registry/core/model';
import { downloadContext, readPinnedObject } from '../../../local/image-files';
import { createImagesFixture, type ImagesFixture } from '../../emulators/images-fixture';

/**
 * An MLflow model from its directory in S3 to an image build on the emulators, through the real
 * handlers: the registry pins the directory by a manifest; RegisterImage without an entry script builds
 * the platform's MLflow entry, installing the model's own requirements, and lists every pinned file for
 * the build, which fetches each by its version and checks its SHA-256.
 */

jest.setTimeout(120_000);

const MLFLOW_ENTRY = readFileSync(path.join(__dirname, '..', '..', '..', 'lambda', 'images', 'serving', MLFLOW_ENTRY_FILE), 'utf8');
const PREFIX = 'mlflow/3/models/m-5d1e/artifacts';
const FILES: Record<string, string> = {
  MLmodel: 'artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn: {}\n',
  'model.pkl': 'pickled estimator',
  'requirements.txt': 'mlflow==3.1.0\ncloudpickle==3.1.1\nscikit-learn==1.6.1\n',
  'metadata/MLmodel': 'a copy, in a folder',
};

let fixture: ImagesFixture;
let directory: DirectoryArtifactRecord;
let registered: ImageVersionRecord;

beforeAll(async () => {
  fixture = await createImagesFixture();
  for (const [file, body] of Object.entries(FILES)) await fixture.putArtifact(`${PREFIX}/${file}`, body);
  const version = await fixture.call<{ artifact: DirectoryArtifactRecord }>('registerModel', {
    name: 'churn-mlflow',
    artifact: { kind: 'directory', uri: `s3://${fixture.artifactBucketName}/${PREFIX}` },
  });
  directory = version.artifact;
  await fixture.call('setModelAlias', { name: 'churn-mlflow', alias: 'champion', version: 1 });
  registered = await fixture.call<ImageVersionRecord>('registerImage', {
    name: 'churn-mlflow-scorer',
    models: [{ name: 'churn-mlflow', alias: 'champion' }],
    source: { type: 'build' },
  });
});

afterAll(async () => {
  await fixture?.dispose();
});

describe("an image of the platform's MLflow entry", () => {
  test('is recorded BUILDING, serving the directory pinned by its manifest, its build started', () => {
    expect(registered).toMatchObject({
      status: 'BUILDING',
      models: [
        {
          name: 'churn-mlflow',
          version: 1,
          requestedAlias: 'champion',
          artifactUri: directory.uri,
          artifactSha256: directory.sha256,
          artifactVersionId: directory.manifestVersionId,
          artifactManifestUri: directory.manifestUri,
        },
      ],
      source: { type: 'build', contextUri: `s3://${fixture.artifactBucketName}/images/churn-mlflow-scorer/1/context/` },
      build: { phase: 'SUBMITTED' },
    });
    expect(fixture.codeBuild.builds()).toHaveLength(1);
  });

  test("builds the MLflow entry with the model's requirements, and every file as its manifest pinned it", async () => {
    const source = registered.source as Extract<ImageVersionRecord['source'], { type: 'build' }>;
    const workspace = mkdtempSync(path.join(tmpdir(), 'mlops-mlflow-context-'));
    try {
      await downloadContext(fixture.clients.s3, source.contextUri, source.contextFiles!, workspace);
      expect(readFileSync(path.join(workspace, MLFLOW_ENTRY_FILE), 'utf8')).toBe(MLFLOW_ENTRY);
      expect(readFileSync(path.join(workspace, 'requirements.txt'), 'utf8')).toBe(FILES['requirements.txt']);
      expect(readFileSync(path.join(workspace, 'Dockerfile'), 'utf8')).toContain(`MLOPS_ENTRY_SCRIPT="/opt/program/${MLFLOW_ENTRY_FILE}"`);

      const lines = parseModelManifest(readFileSync(path.join(workspace, 'models.txt'), 'utf8'));
      expect(lines.map((line) => [line.directory, line.uri])).toEqual(
        ['MLmodel', 'metadata/MLmodel', 'model.pkl', 'requirements.txt'].map((file) => [
          file.startsWith('metadata/') ? 'churn-mlflow/1/metadata' : 'churn-mlflow/1',
          `s3://${fixture.artifactBucketName}/${PREFIX}/${file}`,
        ]),
      );
      for (const line of lines) {
        const bytes = await readPinnedObject(fixture.clients.s3, line.uri, line.versionId, line.sha256);
        expect(Buffer.from(bytes).toString()).toBe(FILES[line.uri.slice(`s3://${fixture.artifactBucketName}/${PREFIX}/`.length)]);
      }

      // A file rewritten after registration is a new S3 version: the build still gets the pinned one.
      await fixture.putArtifact(`${PREFIX}/model.pkl`, 'retrained, not registered');
      const pkl = lines.find((line) => line.uri.endsWith('/model.pkl'))!;
      expect(Buffer.from(await readPinnedObject(fixture.clients.s3, pkl.uri, pkl.versionId, pkl.sha256)).toString()).toBe('pickled estimator');
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  test('is refused naming source.entry for a version whose artifact is a single object', async () => {
    const uri = await fixture.putArtifact('models/single/1/model.pkl', 'one file');
    await fixture.call('registerModel', { name: 'single', artifact: { uri } });

    const refused = await fixture.invoke('registerImage', { name: 'single-scorer', models: [{ name: 'single', version: 1 }], source: { type: 'build' } });

    expect(refused).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: expect.stringMatching(/^source\.entry: is required: .* not an MLflow model directory/),
    });
  });
});
