import { MLFLOW_ENTRY_FILE, renderDockerfile } from '../../../../lambda/images/core/build-context';
import { MLFLOW_FALLBACK_REQUIREMENT, registerImage } from '../../../../lambda/images/core/register-image';
import { RegisterImageRequest } from '../../../../lambda/images/core/schemas';
import { buildManifest, type ManifestFile } from '../../../../lambda/registry/core/artifact-manifest';
import { ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { sha256Hex } from '../../registry/fakes';
import { FakeClock } from '../../shared/fake-clock';
import {
  ACCOUNT,
  digestOf,
  InMemoryBuildInputs,
  InMemoryImageRepository,
  InMemoryImageStore,
  InMemoryModelPackages,
  InMemoryModelVersions,
  RecordingImageBuilder,
  RecordingImageEvents,
} from './fakes';

const BUCKET = 'artifacts';
const MODEL_DIRECTORY = `s3://${BUCKET}/mlflow/1/models/m-7f3a/artifacts`;
const MLFLOW_ENTRY = '# the MLflow entry\n';
const MODEL_REQUIREMENTS = 'mlflow==3.1.0\ncloudpickle==3.1.1\nscikit-learn==1.6.1\n';
const ENTRY = `s3://${BUCKET}/image-inputs/churn-scorer/e1/score.py`;

/** Uploads `files` under the model directory and registers `churn` 3 as that directory, pinned by its manifest. */
function directoryVersion(versions: InMemoryModelVersions, inputs: InMemoryBuildInputs, files: Record<string, string>, uri = MODEL_DIRECTORY) {
  const pinned: ManifestFile[] = Object.entries(files).map(([path, text]) => {
    inputs.put(`${uri}/${path}`, text);
    return { path, versionId: inputs.current(`${uri}/${path}`)!.versionId, sizeBytes: text.length, sha256: sha256Hex(text) };
  });
  const manifest = buildManifest(pinned);
  const manifestUri = `s3://${BUCKET}/registry-manifests/${manifest.sha256}.json`;
  inputs.put(manifestUri, manifest.text);
  versions.add('churn', 3, uri, { versionId: undefined, sha256: manifest.sha256, manifest: { uri: manifestUri, versionId: '1' } });
  return { manifest, manifestUri };
}

function setUp() {
  const store = new InMemoryImageStore();
  const versions = new InMemoryModelVersions().setAlias('churn', 'champion', 3).add('fraud', 1, `s3://${BUCKET}/models/fraud/1/model.joblib`);
  const inputs = new InMemoryBuildInputs().put(ENTRY, 'def run(data):\n    return data\n');
  const builder = new RecordingImageBuilder();
  const events = new RecordingImageEvents();
  const register = registerImage({
    ...{ store, versions, inputs, builder, events, clock: new FakeClock('2025-06-01T12:00:00.000Z') },
    ...{ repository: new InMemoryImageRepository().push('team/scorer', 'v1', { digest: digestOf('e'), scan: { status: 'COMPLETE', findings: {} } }) },
    ...{ packages: new InMemoryModelPackages(), approvalAlias: 'production' },
    ...{ artifactBucket: BUCKET, shim: '# shim\n', mlflowEntry: MLFLOW_ENTRY },
    buildSources: { baseImageRegistries: ['public.ecr.aws'], packageIndexes: ['https://pypi.org/simple'] },
    externalImages: { registry: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, repositories: ['team/*'] },
  });
  const command = (overrides: Record<string, unknown> = {}) =>
    parseRequest(RegisterImageRequest, { name: 'churn-scorer', models: [{ name: 'churn', alias: 'champion' }], source: { type: 'build' }, ...overrides });
  const issuesOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(store.reservations).toEqual([]);
    expect(inputs.contexts).toEqual([]);
    expect(builder.starts).toEqual([]);
    return (error as ValidationError).issues.map((issue) => issue.path);
  };
  return { store, versions, inputs, builder, register, command, issuesOf };
}

describe('registerImage of an MLflow model directory without an entry script', () => {
  it("builds the platform's MLflow entry with the model's own requirements, and packs every file of the manifest by version", async () => {
    const { versions, inputs, register, command } = setUp();
    const files = { MLmodel: 'flavors: {python_function: {}}\n', 'model.pkl': 'pickled', 'requirements.txt': MODEL_REQUIREMENTS, 'code/helpers.py': 'x = 1\n' };
    const { manifest, manifestUri } = directoryVersion(versions, inputs, files);

    const record = await register(command());

    expect(record.source).toMatchObject({ type: 'build', inputs: {} });
    expect((record.source as { entry?: string }).entry).toBeUndefined();
    expect(record.models).toEqual([
      {
        name: 'churn',
        version: 3,
        requestedAlias: 'champion',
        artifactUri: MODEL_DIRECTORY,
        artifactVersionId: '1',
        artifactSha256: manifest.sha256,
        artifactManifestUri: manifestUri,
      },
    ]);
    const [context] = inputs.contexts;
    expect(context.files[MLFLOW_ENTRY_FILE]).toBe(MLFLOW_ENTRY);
    expect(context.files['requirements.txt']).toBe(MODEL_REQUIREMENTS);
    expect(context.files.Dockerfile).toContain(`MLOPS_ENTRY_SCRIPT="/opt/program/${MLFLOW_ENTRY_FILE}"`);
    expect(context.files['models.txt'].split('\n').filter(Boolean)).toEqual(
      manifest.files.map((file) => {
        const folder = file.path === 'code/helpers.py' ? 'churn/3/code' : 'churn/3';
        return `${file.sha256} ${file.versionId} ${folder} ${MODEL_DIRECTORY}/${file.path}`;
      }),
    );
  });

  it(`requires "${MLFLOW_FALLBACK_REQUIREMENT}" alone when the model has no requirements.txt`, async () => {
    const { versions, inputs, register, command } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n', 'model.pkl': 'pickled' });

    await register(command());

    expect(inputs.contexts[0].files['requirements.txt']).toBe(`${MLFLOW_FALLBACK_REQUIREMENT}\n`);
  });

  it('reads the requirements.txt the manifest pinned, not a later upload over it', async () => {
    const { versions, inputs, register, command } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n', 'requirements.txt': MODEL_REQUIREMENTS });
    inputs.put(`${MODEL_DIRECTORY}/requirements.txt`, 'evil-package==6.6.6\n');

    await register(command());

    expect(inputs.contexts[0].files['requirements.txt']).toBe(MODEL_REQUIREMENTS);
  });

  it('packs a directory artifact file by file for an uploaded entry script too', async () => {
    const { versions, inputs, register, command } = setUp();
    directoryVersion(versions, inputs, { 'weights.bin': 'w', 'config/params.json': '{}' });

    await register(command({ source: { type: 'build', entry: ENTRY } }));

    expect(inputs.contexts[0].files['models.txt']).toContain(` churn/3/config ${MODEL_DIRECTORY}/config/params.json\n`);
  });

  it('fails naming source.entry when the version is a single object, not an MLflow model directory', async () => {
    const { versions, register, command, issuesOf } = setUp();
    versions.add('churn', 3, `s3://${BUCKET}/models/churn/3/model.tar.gz`);

    expect(await issuesOf(register(command()))).toEqual(['source.entry']);
  });

  it('fails naming source.entry when the directory has no MLmodel file', async () => {
    const { versions, inputs, register, command, issuesOf } = setUp();
    directoryVersion(versions, inputs, { 'model.pkl': 'pickled', 'requirements.txt': MODEL_REQUIREMENTS });

    expect(await issuesOf(register(command()))).toEqual(['source.entry']);
  });

  it('fails naming source.entry for an image of two models', async () => {
    const { versions, inputs, register, command, issuesOf } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n' });

    const paths = await issuesOf(
      register(
        command({
          models: [
            { name: 'churn', version: 3 },
            { name: 'fraud', version: 1 },
          ],
        }),
      ),
    );

    expect(paths).toEqual(['source.entry']);
  });

  it('fails naming source.requirements when requirements come with no entry script', async () => {
    const { versions, inputs, register, command, issuesOf } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n' });

    expect(await issuesOf(register(command({ source: { type: 'build', requirements: `s3://${BUCKET}/image-inputs/r/requirements.txt` } })))).toEqual([
      'source.requirements',
    ]);
  });

  it('fails naming the model when its requirements.txt names a package index the platform does not allow', async () => {
    const { versions, inputs, register, command, issuesOf } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n', 'requirements.txt': '--index-url https://evil.example/simple\nmlflow\n' });

    expect(await issuesOf(register(command()))).toEqual(['models[0]']);
  });

  it('fails naming the model when its manifest is not what the registry recorded', async () => {
    const { versions, inputs, register, command, issuesOf } = setUp();
    const { manifestUri } = directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n' });
    versions.add('churn', 3, MODEL_DIRECTORY, { versionId: undefined, sha256: 'f'.repeat(64), manifest: { uri: manifestUri, versionId: '1' } });

    expect(await issuesOf(register(command()))).toEqual(['models[0]']);
  });

  it('fails naming the model when a file is in a folder whose name the build cannot split from the line', async () => {
    const { versions, inputs, register, command, issuesOf } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n', 'my code/helpers.py': 'x = 1\n' });

    expect(await issuesOf(register(command()))).toEqual(['models[0]']);
  });

  it('fails naming the model when its directory is outside the prefixes builds read', async () => {
    const { versions, inputs, register, command, issuesOf } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n' }, `s3://${BUCKET}/training-data/churn/3`);

    expect(await issuesOf(register(command()))).toEqual(['models[0]']);
  });
});

describe('registerImage of an external image serving a directory artifact', () => {
  it('copies no model data: a directory is no single archive SageMaker could extract, whatever its name', async () => {
    const { versions, inputs, register, command } = setUp();
    directoryVersion(versions, inputs, { MLmodel: 'flavors: {}\n' }, `s3://${BUCKET}/mlflow/1/models/m-9/model.tar.gz`);

    const record = await register(command({ source: { type: 'external', imageUri: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/scorer:v1` } }));

    expect(record.modelDataUrl).toBeUndefined();
    expect(inputs.copies).toEqual([]);
  });
});

describe('renderDockerfile for the MLflow entry', () => {
  it('copies the MLflow entry beside the shim', () => {
    const dockerfile = renderDockerfile({
      imageName: 'churn-scorer',
      imageVersion: 1,
      baseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
      entryFile: MLFLOW_ENTRY_FILE,
      models: [],
      environment: {},
      requirements: ['mlflow'],
    });

    expect(dockerfile).toContain(`COPY serve.py ${MLFLOW_ENTRY_FILE} ./`);
  });
});
