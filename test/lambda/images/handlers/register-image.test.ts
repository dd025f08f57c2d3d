import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageKeys } from '../../../../lambda/images/adapters/table-keys';
import { formatContextFiles } from '../../../../lambda/images/core/build-context';
import type { ContextFile } from '../../../../lambda/images/core/model';
import { modelPackageGroupName } from '../../../../lambda/images/core/model-packages';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import {
  clearSentCommands,
  FUNCTION_ENVIRONMENT,
  inputsOf,
  invoke,
  type PlatformFakes,
  REQUEST_ID,
  resetSdkMocks,
  sentCommands,
  TEST_ACCOUNT,
  TEST_REGION,
  thrownBy,
} from '../../handler-support/sdk-mocks';
import {
  ARTIFACT_BUCKET,
  artifactUriOf,
  BUILD_ID,
  BUILD_PROJECT,
  buildingVersion,
  buildRequest,
  contextPrefix,
  ENTRY_KEY,
  ENTRY_SCRIPT,
  ENTRY_URI,
  EXTERNAL_DIGEST,
  EXTERNAL_IMAGE_URI,
  EXTERNAL_REPOSITORY,
  externalRequest,
  freezeDate,
  IMAGE,
  items,
  MODEL,
  modelDataUrl,
  modelsInRegistry,
  NOW,
  OTHER_MODEL,
  REQUIREMENTS,
  REQUIREMENTS_KEY,
  REQUIREMENTS_URI,
  registeredVersion,
  registerImageScenarios,
  servedModel,
  storedState,
  uploaded,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(registerImageScenarios, name);

const TABLE_NAME = FUNCTION_ENVIRONMENT.IMAGES_TABLE_NAME;
const SHIM = readFileSync(join(__dirname, '..', '..', '..', '..', 'lambda', 'images', 'serving', 'serve.py'), 'utf8');
const CONTEXT = contextPrefix(IMAGE, 1);
const CONTEXT_URI = `s3://${ARTIFACT_BUCKET}/${CONTEXT}`;
const PINNED_EXTERNAL_URI = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${EXTERNAL_REPOSITORY}@${EXTERNAL_DIGEST}`;
const OUTSIDE_INPUTS = `must be under "image-inputs/" of the artifact bucket, where the matching grant lets its caller upload (s3://${ARTIFACT_BUCKET}/image-inputs/...)`;
const PACKAGE_ARN = `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/${modelPackageGroupName(MODEL)}/1`;

const DOCKERFILE = `# Built by mlops-platform: image fraud-scoring version 1, serving fraud-linear:3,churn:2.
FROM public.ecr.aws/docker/library/python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE="1" \\
    PYTHONUNBUFFERED="1" \\
    MLOPS_ENTRY_SCRIPT="/opt/program/score.py" \\
    MLOPS_MODEL_DIR="/opt/ml/model" \\
    MLOPS_IMAGE="fraud-scoring:1" \\
    MLOPS_MODELS="fraud-linear:3,churn:2"
# Set at registration.
ENV LOG_LEVEL="debug"
WORKDIR /opt/program
COPY requirements.txt ./
RUN pip install --no-cache-dir --disable-pip-version-check --requirement requirements.txt
COPY serve.py score.py ./
EXPOSE 8080
ENTRYPOINT ["python3", "/opt/program/serve.py"]
`;

/** The events the call put on the platform bus, their details parsed. */
const publishedEvents = () =>
  inputsOf('PutEventsCommand').flatMap((input) => input.Entries.map((entry: Record<string, string>) => ({ ...entry, Detail: JSON.parse(entry.Detail) })));

/** A call that is refused, and leaves the table, the bucket, the build project and SageMaker as they were, having written or started nothing. */
async function refused(fakes: PlatformFakes, request: unknown): Promise<Error> {
  const before = storedState(fakes);
  clearSentCommands();
  const error = await thrownBy(invoke('RegisterImage', request));
  expect(storedState(fakes)).toEqual(before);
  const writes = [
    'PutObjectCommand',
    'CopyObjectCommand',
    'StartBuildCommand',
    'PutCommand',
    'UpdateCommand',
    'TransactWriteCommand',
    'PutEventsCommand',
    'CreateModelPackageGroupCommand',
    'CreateModelPackageCommand',
  ];
  expect(sentCommands().filter((command) => writes.includes(command.command))).toEqual([]);
  return error;
}

describe('RegisterImage handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('an image to build', () => {
    it('pins the model asked for by alias to the version the alias is on, and the one asked for by version to that version', async () => {
      const { result } = await runScenario('RegisterImage', scenario('an image to build, one model by alias and one by version'));

      // Each with its artifact's S3 version and SHA-256 as the registry pinned them.
      expect((result as { models: unknown }).models).toEqual([servedModel(MODEL, 3, 'production'), servedModel(OTHER_MODEL, 2)]);
      expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual([
        { pk: `M#${MODEL}`, sk: 'A#production' },
        { pk: `M#${MODEL}`, sk: 'V#0000000003' },
        { pk: `M#${OTHER_MODEL}`, sk: 'V#0000000002' },
      ]);
    });

    it('writes the build context under images/<name>/<version>/context/: Dockerfile, the shim, requirements, the pinned models to pack, .dockerignore and the entry script as read', async () => {
      const { fakes } = await runScenario('RegisterImage', scenario('an image to build, one model by alias and one by version'));

      expect(fakes.s3.keys(ARTIFACT_BUCKET, 'images/')).toEqual(
        ['.dockerignore', 'Dockerfile', 'models.txt', 'requirements.txt', 'score.py', 'serve.py'].map((file) => `${CONTEXT}${file}`),
      );
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}Dockerfile`)).toBe(DOCKERFILE);
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}serve.py`)).toBe(SHIM);
      // Comments and blank lines dropped, one requirement a line.
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}requirements.txt`)).toBe('numpy==2.1.3\nscikit-learn>=1.5,<1.6\n');
      const a64 = 'a'.repeat(64);
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}models.txt`)).toBe(
        `${a64} s3-version-3 fraud-linear/3 ${artifactUriOf(MODEL, 3)}\n${a64} s3-version-2 churn/2 ${artifactUriOf(OTHER_MODEL, 2)}\n`,
      );
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}.dockerignore`)).toBe('models.txt\n');
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}score.py`)).toBe(ENTRY_SCRIPT);
      // The script is written as the bytes that were read, never copied by key (its upload could change in between).
      expect(inputsOf('CopyObjectCommand')).toEqual([]);
      expect(inputsOf('PutObjectCommand').map((input) => input.Bucket)).toEqual(Array(6).fill(ARTIFACT_BUCKET));
    });

    it('reads the entry script and the requirements from image-inputs/ before taking a number, and pins the versions it read', async () => {
      const { result } = await runScenario('RegisterImage', scenario('an image to build, one model by alias and one by version'));

      expect(inputsOf('GetObjectCommand')).toEqual([
        { Bucket: ARTIFACT_BUCKET, Key: ENTRY_KEY },
        { Bucket: ARTIFACT_BUCKET, Key: REQUIREMENTS_KEY },
      ]);
      const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
      expect((result as { source: unknown }).source).toMatchObject({
        inputs: { entry: { versionId: '1', sha256: sha256(ENTRY_SCRIPT) }, requirements: { versionId: '1', sha256: sha256(REQUIREMENTS) } },
      });
    });

    it('starts the build from the context folder with the image name, version, tag, model data URI and its pinned context files', async () => {
      const { fakes } = await runScenario('RegisterImage', scenario('an image to build, one model by alias and one by version'));

      expect(inputsOf('StartBuildCommand')).toEqual([
        {
          projectName: BUILD_PROJECT,
          sourceTypeOverride: 'S3',
          sourceLocationOverride: `${ARTIFACT_BUCKET}/${CONTEXT}`,
          environmentVariablesOverride: [
            { name: 'IMAGE_NAME', value: IMAGE, type: 'PLAINTEXT' },
            { name: 'IMAGE_VERSION', value: '1', type: 'PLAINTEXT' },
            { name: 'IMAGE_TAG', value: 'fraud-scoring-1', type: 'PLAINTEXT' },
            { name: 'MODEL_DATA_URI', value: modelDataUrl(IMAGE, 1), type: 'PLAINTEXT' },
            { name: 'CONTEXT_BUCKET', value: ARTIFACT_BUCKET, type: 'PLAINTEXT' },
            { name: 'CONTEXT_PREFIX', value: CONTEXT, type: 'PLAINTEXT' },
            {
              name: 'CONTEXT_FILES',
              value: formatContextFiles((registeredVersion(fakes).source as { contextFiles?: readonly ContextFile[] }).contextFiles!),
              type: 'PLAINTEXT',
            },
          ],
          idempotencyToken: `fraud-scoring-1-${Date.parse(NOW)}`,
        },
      ]);
      expect(fakes.codeBuild.builds.map((build) => build.id)).toEqual([BUILD_ID]);
    });

    it('records version 1 BUILDING with its build id, its served-model entries and the counter, and answers the record', async () => {
      const { result, fakes } = await runScenario('RegisterImage', scenario('an image to build, one model by alias and one by version'));

      const record = registeredVersion(fakes);
      expect(result).toEqual(record);
      expect(record).toMatchObject({ status: 'BUILDING', build: { id: BUILD_ID, phase: 'SUBMITTED' }, source: { contextUri: CONTEXT_URI } });
      expect(fakes.images.all()).toEqual([
        { ...imageKeys.image(IMAGE), ...imageKeys.imageIndex(IMAGE), name: IMAGE, createdAt: NOW, updatedAt: NOW, nextVersion: 1 },
        items.version(record),
        ...items.serves(record),
      ]);
      expect(inputsOf('UpdateCommand').at(-1)).toEqual({
        TableName: TABLE_NAME,
        Key: imageKeys.version(IMAGE, 1),
        UpdateExpression: 'SET #f0 = :f0, #f1 = :f1',
        ConditionExpression: '#status = :building',
        ExpressionAttributeNames: { '#status': 'status', '#f0': 'build', '#f1': 'updatedAt' },
        ExpressionAttributeValues: { ':building': 'BUILDING', ':f0': { id: BUILD_ID, phase: 'SUBMITTED' }, ':f1': NOW },
      });
    });

    it('announces ImageBuildStateChanged BUILDING on the platform bus', async () => {
      await runScenario('RegisterImage', scenario('an image to build, one model by alias and one by version'));

      expect(publishedEvents()).toEqual([
        {
          EventBusName: FUNCTION_ENVIRONMENT.EVENT_BUS_NAME,
          Source: 'mlops-platform.images',
          DetailType: 'ImageBuildStateChanged',
          Detail: {
            name: IMAGE,
            version: 1,
            status: 'BUILDING',
            models: [
              { name: MODEL, version: 3 },
              { name: OTHER_MODEL, version: 2 },
            ],
          },
        },
      ]);
    });

    it('gives the next registration of the image the next version, in its own context folder', async () => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      await invoke('RegisterImage', buildRequest());

      const second = await invoke('RegisterImage', buildRequest({ models: [{ name: MODEL, version: 2 }] }));

      expect(second).toMatchObject({
        version: 2,
        status: 'BUILDING',
        source: { contextUri: `s3://${ARTIFACT_BUCKET}/${contextPrefix(IMAGE, 2)}` },
        modelDataUrl: modelDataUrl(IMAGE, 2),
      });
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${contextPrefix(IMAGE, 2)}models.txt`)).toBe(
        `${'a'.repeat(64)} s3-version-2 fraud-linear/2 ${artifactUriOf(MODEL, 2)}\n`,
      );
      expect(fakes.codeBuild.builds.map((build) => build.variables.IMAGE_TAG)).toEqual(['fraud-scoring-1', 'fraud-scoring-2']);
      expect(fakes.images.get(imageKeys.image(IMAGE))).toMatchObject({ nextVersion: 2 });
    });

    it('builds an image without requirements: an empty requirements file and no pip install', async () => {
      modelsInRegistry(fakes);
      uploaded(fakes);

      await invoke('RegisterImage', buildRequest({ source: { type: 'build', entry: ENTRY_URI }, environment: {} }));

      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}requirements.txt`)).toBe('');
      expect(fakes.s3.get(ARTIFACT_BUCKET, `${CONTEXT}Dockerfile`)).not.toMatch(/pip install|# Set at registration/);
      expect(inputsOf('GetObjectCommand')).toEqual([{ Bucket: ARTIFACT_BUCKET, Key: ENTRY_KEY }]);
    });
  });

  describe('client tokens', () => {
    it('answers a retried token with the version it registered, starting no second build and writing nothing', async () => {
      const { result, fakes, sent } = await runScenario('RegisterImage', scenario('a retried client token'));

      expect(result).toEqual(registeredVersion(fakes));
      expect(sent.map((command) => command.input.Key)).toEqual([imageKeys.token(IMAGE, 'pipeline-run-42'), imageKeys.version(IMAGE, 1)]);
      expect(fakes.codeBuild.builds).toHaveLength(1);
      expect(
        fakes.images
          .all()
          .filter((item) => item.sk !== '#IMAGE')
          .map((item) => item.sk),
      ).toEqual(['V#0000000001', 'T#pipeline-run-42', ...items.serves(buildingVersion(1)).map((item) => item.sk)]);
    });

    it('answers a retried token with the same version after a change of who registers', async () => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      await invoke('RegisterImage', buildRequest({ clientToken: 'pipeline-run-42' }));
      const before = storedState(fakes);

      const result = await invoke('RegisterImage', buildRequest({ clientToken: 'pipeline-run-42', registeredBy: 'pipeline' }));

      expect(result).toMatchObject({ version: 1, createdBy: 'alice' });
      expect(storedState(fakes)).toEqual(before);
    });

    it('starts the build of a retried version whose first call died before starting it, once', async () => {
      const { result, fakes } = await runScenario('RegisterImage', scenario('a retried client token of a version whose build was never started'));

      expect(result).toEqual(buildingVersion(1));
      expect(fakes.codeBuild.builds).toEqual([
        expect.objectContaining({ id: BUILD_ID, sourceLocation: `${ARTIFACT_BUCKET}/${CONTEXT}`, idempotencyToken: `fraud-scoring-1-${Date.parse(NOW)}` }),
      ]);
      expect(fakes.images.get(imageKeys.version(IMAGE, 1))).toEqual(items.version(buildingVersion(1)));
      // The context the first call wrote is not written again.
      expect(inputsOf('PutObjectCommand')).toEqual([]);
    });

    it('fails with ConflictError when the token was used for a different registration, writing nothing', async () => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      await invoke('RegisterImage', buildRequest({ clientToken: 'pipeline-run-42' }));

      const error = await refused(fakes, buildRequest({ clientToken: 'pipeline-run-42', models: [{ name: MODEL, version: 2 }] }));

      expect(error.name).toBe('ConflictError');
      expect(error.message).toBe('client token pipeline-run-42 was used for a different registration of image fraud-scoring (version 1)');
    });
  });

  describe('a build that cannot be started', () => {
    it('records the version FAILED with the reason and fails with InternalError naming the request id only', async () => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      fakes.codeBuild.refuseBuilds();

      const error = await thrownBy(invoke('RegisterImage', buildRequest()));

      expect(error.name).toBe('InternalError');
      expect(error.message).toBe(`internal error; quote request id ${REQUEST_ID} when reporting it`);
      expect(fakes.images.get(imageKeys.version(IMAGE, 1))).toEqual(
        items.version({
          ...registeredVersion(fakes),
          status: 'FAILED',
          build: { failure: 'the build could not be started: Cannot have more than 1 builds in queue for the account' },
        }),
      );
      expect(fakes.codeBuild.builds).toEqual([]);
    });

    it('answers a retried token of the failed version with the FAILED record, starting nothing', async () => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      fakes.codeBuild.refuseBuilds();
      await thrownBy(invoke('RegisterImage', buildRequest({ clientToken: 'pipeline-run-42' })));

      const result = await invoke('RegisterImage', buildRequest({ clientToken: 'pipeline-run-42' }));

      expect(result).toMatchObject({ version: 1, status: 'FAILED', build: { failure: expect.stringMatching(/^the build could not be started: /) } });
      expect(inputsOf('StartBuildCommand')).toHaveLength(1);
    });
  });

  describe('an image built elsewhere', () => {
    it('records it READY, pinned to its digest, with its scan summary and a copy of the pinned artifact version as model data, under images/', async () => {
      const { result, fakes } = await runScenario('RegisterImage', scenario('an external image in ECR, its model version in production'));

      const modelPackages = [{ model: MODEL, modelVersion: 3, groupName: modelPackageGroupName(MODEL), arn: PACKAGE_ARN, approvalStatus: 'Approved' }];
      const record = {
        name: 'fraud-serving',
        version: 1,
        status: 'READY',
        createdAt: NOW,
        updatedAt: NOW,
        models: [servedModel(MODEL, 3)],
        source: { type: 'external', imageUri: EXTERNAL_IMAGE_URI },
        environment: {},
        allowCriticalFindings: false,
        imageUri: PINNED_EXTERNAL_URI,
        digest: EXTERNAL_DIGEST,
        scan: { status: 'COMPLETE', findings: { LOW: 3 } },
        // SageMaker takes no S3 version id: a copy at a key only the platform writes.
        modelDataUrl: modelDataUrl('fraud-serving', 1),
        modelPackages,
      };
      expect(result).toEqual(record);
      expect(fakes.images.get(imageKeys.version('fraud-serving', 1))).toEqual({ ...imageKeys.version('fraud-serving', 1), ...record });
      expect(inputsOf('DescribeImagesCommand')).toEqual([{ registryId: TEST_ACCOUNT, repositoryName: EXTERNAL_REPOSITORY, imageIds: [{ imageTag: '1.4.0' }] }]);
      expect(publishedEvents().map((event) => event.Detail)).toEqual([
        {
          name: 'fraud-serving',
          version: 1,
          status: 'READY',
          imageUri: PINNED_EXTERNAL_URI,
          digest: EXTERNAL_DIGEST,
          models: [{ name: MODEL, version: 3 }],
          scan: { status: 'COMPLETE', findings: { LOW: 3 } },
        },
      ]);
      expect(inputsOf('CopyObjectCommand')).toEqual([
        {
          Bucket: ARTIFACT_BUCKET,
          Key: 'images/fraud-serving/1/model.tar.gz',
          CopySource: `${ARTIFACT_BUCKET}/models/${MODEL}/v3/model.tar.gz?versionId=s3-version-3`,
        },
      ]);
      expect(fakes.s3.keys(ARTIFACT_BUCKET, 'images/')).toEqual(['images/fraud-serving/1/model.tar.gz']);
      expect(fakes.codeBuild.builds).toEqual([]);
    });

    it('creates the model package group and an Approved package when the model version is in production', async () => {
      const { fakes } = await runScenario('RegisterImage', scenario('an external image in ECR, its model version in production'));

      expect(inputsOf('CreateModelPackageGroupCommand')).toEqual([
        { ModelPackageGroupName: modelPackageGroupName(MODEL), ModelPackageGroupDescription: `Model ${MODEL} of the MLOps platform's registry` },
      ]);
      expect(inputsOf('CreateModelPackageCommand')).toEqual([
        {
          ModelPackageGroupName: modelPackageGroupName(MODEL),
          ModelPackageDescription: `${MODEL} version 3 served by image fraud-serving version 1`,
          ModelApprovalStatus: 'Approved',
          ClientToken: expect.stringMatching(/^[0-9a-f]{36}$/),
          CustomerMetadataProperties: {
            image: 'fraud-serving',
            imageVersion: '1',
            model: MODEL,
            modelVersion: '3',
            approval: 'the model version is "production"',
          },
          InferenceSpecification: {
            Containers: [{ Image: PINNED_EXTERNAL_URI, ModelDataUrl: modelDataUrl('fraud-serving', 1), Environment: {} }],
            SupportedContentTypes: ['application/json', 'text/csv'],
            SupportedResponseMIMETypes: ['application/json'],
          },
        },
      ]);
      expect(fakes.sageMaker.packages.map(({ arn, approvalStatus }) => ({ arn, approvalStatus }))).toEqual([{ arn: PACKAGE_ARN, approvalStatus: 'Approved' }]);
    });

    it('creates a PendingManualApproval package when the model version is not in production', async () => {
      modelsInRegistry(fakes);
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0');

      const result = await invoke('RegisterImage', externalRequest({ models: [{ name: MODEL, version: 2 }] }));

      expect(result).toMatchObject({ modelPackages: [{ model: MODEL, modelVersion: 2, approvalStatus: 'PendingManualApproval' }] });
      expect(inputsOf('CreateModelPackageCommand')[0]).toMatchObject({
        ModelApprovalStatus: 'PendingManualApproval',
        CustomerMetadataProperties: { approval: 'the model version is not "production"' },
      });
    });

    it('keeps an image with CRITICAL findings pending although its model version is in production, saying why', async () => {
      modelsInRegistry(fakes);
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0', { scan: { status: 'COMPLETE', findings: { CRITICAL: 2, HIGH: 1 } } });

      const result = await invoke('RegisterImage', externalRequest());

      const blockedBy = '2 CRITICAL scan findings; register the image with allowCriticalFindings to approve it anyway';
      expect(result).toMatchObject({
        scan: { findings: { CRITICAL: 2, HIGH: 1 } },
        modelPackages: [{ approvalStatus: 'PendingManualApproval', approvalBlockedBy: blockedBy }],
      });
      expect(inputsOf('CreateModelPackageCommand')[0]).toMatchObject({
        ModelApprovalStatus: 'PendingManualApproval',
        CustomerMetadataProperties: { approval: `the model version is "production" but ${blockedBy}` },
      });
    });

    it('approves an image with CRITICAL findings registered with allowCriticalFindings, noting the exception', async () => {
      modelsInRegistry(fakes);
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0', { scan: { status: 'COMPLETE', findings: { CRITICAL: 1 } } });

      const result = await invoke('RegisterImage', externalRequest({ allowCriticalFindings: true }));

      expect(result).toMatchObject({ allowCriticalFindings: true, modelPackages: [{ approvalStatus: 'Approved' }] });
      expect(inputsOf('CreateModelPackageCommand')[0].CustomerMetadataProperties.approval).toBe(
        'the model version is "production" (1 CRITICAL findings allowed at registration)',
      );
    });

    it("pins an image given by digest, and creates its package in the model's existing group", async () => {
      const { result, fakes } = await runScenario('RegisterImage', scenario("an external image by digest, its model's package group made by an earlier image"));

      expect(result).toMatchObject({
        status: 'READY',
        imageUri: PINNED_EXTERNAL_URI,
        digest: EXTERNAL_DIGEST,
        modelPackages: [{ groupName: modelPackageGroupName(MODEL), arn: PACKAGE_ARN }],
      });
      expect(inputsOf('DescribeImagesCommand')[0].imageIds).toEqual([{ imageDigest: EXTERNAL_DIGEST }]);
      expect(Object.keys(fakes.sageMaker.groups)).toEqual([modelPackageGroupName(MODEL)]);
    });

    it('serves several models without model data, one package per model in its own group', async () => {
      modelsInRegistry(fakes);
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0');

      const result = await invoke(
        'RegisterImage',
        externalRequest({
          models: [
            { name: MODEL, alias: 'production' },
            { name: OTHER_MODEL, version: 2 },
          ],
        }),
      );

      expect(result).toMatchObject({
        modelPackages: [
          { model: MODEL, modelVersion: 3, groupName: modelPackageGroupName(MODEL), approvalStatus: 'Approved' },
          { model: OTHER_MODEL, modelVersion: 2, groupName: modelPackageGroupName(OTHER_MODEL), approvalStatus: 'PendingManualApproval' },
        ],
      });
      expect((result as { modelDataUrl?: string }).modelDataUrl).toBeUndefined();
      expect(inputsOf('CreateModelPackageCommand').map((input) => input.InferenceSpecification.Containers[0].ModelDataUrl)).toEqual([undefined, undefined]);
    });
  });

  describe('bad input, refused with nothing written or started', () => {
    beforeEach(() => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0');
    });

    it.each([
      ['an unknown model', { models: [{ name: 'fraud-tree', version: 1 }] }, 'models[0].version: model fraud-tree has no version 1'],
      ['an unknown version', { models: [{ name: MODEL, version: 9 }] }, `models[0].version: model ${MODEL} has no version 9`],
      ['an unknown alias', { models: [{ name: MODEL, alias: 'canary' }] }, `models[0].alias: model ${MODEL} has no alias "canary"`],
      [
        'a model listed twice, once by alias',
        {
          models: [
            { name: MODEL, version: 3 },
            { name: MODEL, alias: 'production' },
          ],
        },
        `models[1]: ${MODEL} version 3 is listed twice`,
      ],
      [
        'an entry script not uploaded',
        { source: { type: 'build', entry: `s3://${ARTIFACT_BUCKET}/image-inputs/fraud-scoring/missing.py` } },
        `source.entry: no script at s3://${ARTIFACT_BUCKET}/image-inputs/fraud-scoring/missing.py: upload it first`,
      ],
      ['an entry script outside the artifact bucket', { source: { type: 'build', entry: 's3://team-bucket/score.py' } }, `source.entry: ${OUTSIDE_INPUTS}`],
      [
        "an entry script in another image's build context",
        { source: { type: 'build', entry: `s3://${ARTIFACT_BUCKET}/images/victim/1/context/score.py` } },
        `source.entry: ${OUTSIDE_INPUTS}`,
      ],
      [
        'an entry script named serve.py, the shim',
        { source: { type: 'build', entry: `s3://${ARTIFACT_BUCKET}/image-inputs/serve.py` } },
        'source.entry: must be a Python module file like score.py (not "serve.py", the serving shim\'s name), got "serve.py"',
      ],
      [
        'an entry script that is not a Python module',
        { source: { type: 'build', entry: `s3://${ARTIFACT_BUCKET}/image-inputs/score-v2.py` } },
        'source.entry: must be a Python module file like score.py (not "serve.py", the serving shim\'s name), got "score-v2.py"',
      ],
      [
        'a requirements file not uploaded',
        { source: { type: 'build', entry: ENTRY_URI, requirements: `s3://${ARTIFACT_BUCKET}/image-inputs/missing.txt` } },
        `source.requirements: no file at s3://${ARTIFACT_BUCKET}/image-inputs/missing.txt: upload it first`,
      ],
      [
        'a requirements file outside the artifact bucket',
        { source: { type: 'build', entry: ENTRY_URI, requirements: 's3://team-bucket/requirements.txt' } },
        `source.requirements: ${OUTSIDE_INPUTS}`,
      ],
      [
        "a requirements file that is another team's training data in the artifact bucket",
        { source: { type: 'build', entry: ENTRY_URI, requirements: `s3://${ARTIFACT_BUCKET}/training-data/fraud/2/train.csv` } },
        `source.requirements: ${OUTSIDE_INPUTS}`,
      ],
      [
        'an external image not in ECR',
        { source: { type: 'external', imageUri: `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${EXTERNAL_REPOSITORY}:1.5.0` } },
        `source.imageUri: no image with tag 1.5.0 in ECR repository ${EXTERNAL_REPOSITORY} of account ${TEST_ACCOUNT}`,
      ],
      [
        'an external image in a repository that does not exist',
        { source: { type: 'external', imageUri: `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/team/nothing-here@sha256:${'a'.repeat(64)}` } },
        `source.imageUri: no image with digest sha256:${'a'.repeat(64)} in ECR repository team/nothing-here of account ${TEST_ACCOUNT}`,
      ],
    ])('fails with ValidationError for %s', async (_, overrides, message) => {
      const error = await refused(fakes, buildRequest(overrides));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(message);
    });

    it('names the script missing when S3 answers 404, to a reader that may list the bucket, as when it answers 403', async () => {
      fakes = resetSdkMocks();
      modelsInRegistry(fakes);
      fakes.s3.put(ARTIFACT_BUCKET, REQUIREMENTS_KEY, 'numpy==2.1.3\n');

      const error = await refused(fakes, buildRequest());

      expect(error.message).toBe(`source.entry: no script at ${ENTRY_URI}: upload it first`);
    });

    it('names each bad requirement line, continuations counted from the line they start on', async () => {
      const lines = [
        'numpy==2.1.3',
        '-e git+https://github.com/acme/features.git#egg=features',
        'pandas \\',
        '  >=2.2',
        './wheels/private-1.0-py3-none-any.whl',
        'torch=2.3',
        '-r base.txt',
      ];
      fakes.s3.put(ARTIFACT_BUCKET, REQUIREMENTS_KEY, `${lines.join('\n')}\n`);

      const error = await refused(fakes, buildRequest());

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(
        [
          'source.requirements: line 2 "-e git+https://github.com/acme/features.git#egg=features" editable installs cannot be built into an image',
          'source.requirements: line 5 "./wheels/private-1.0-py3-none-any.whl" local paths are not in the build context',
          'source.requirements: line 6 "torch=2.3" is not a requirement: a name with optional [extras], specifiers like ==1.2 or >=1,<2, markers after ";", or "name @ https://..."',
          // At most three lines of a refused file are quoted.
          'source.requirements: and 1 more problem in the file',
        ].join('; '),
      );
    });

    it('reports every bad reference of a request at once', async () => {
      const error = await refused(
        fakes,
        buildRequest({
          models: [
            { name: MODEL, alias: 'canary' },
            { name: OTHER_MODEL, version: 7 },
          ],
          source: { type: 'build', entry: `s3://${ARTIFACT_BUCKET}/image-inputs/gone.py`, requirements: REQUIREMENTS_URI },
        }),
      );

      expect(error.message).toBe(
        [
          `models[0].alias: model ${MODEL} has no alias "canary"`,
          `models[1].version: model ${OTHER_MODEL} has no version 7`,
          `source.entry: no script at s3://${ARTIFACT_BUCKET}/image-inputs/gone.py: upload it first`,
        ].join('; '),
      );
    });

    it.each([
      ['an image name with capitals and "_"', { name: 'Fraud_Scoring' }, 'name: must hold only lowercase letters, digits and single "-" between them'],
      [
        'a model with both a version and an alias',
        { models: [{ name: MODEL, version: 3, alias: 'production' }] },
        'models[0]: must give a version or an alias, not both',
      ],
      ['a model with neither a version nor an alias', { models: [{ name: MODEL }] }, 'models[0]: must give a version or an alias, not both'],
      ['no models', { models: [] }, 'models: Too small: expected array to have >=1 items'],
      [
        'an image URI outside ECR',
        { source: { type: 'external', imageUri: 'docker.io/library/python:3.12' } },
        'source.imageUri: must be an Amazon ECR image URI: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest>',
      ],
      [
        'a base image without a tag or digest',
        { source: { type: 'build', entry: ENTRY_URI, baseImage: 'public.ecr.aws/docker/library/python' } },
        'source.baseImage: must be an image reference with a tag or digest, like public.ecr.aws/docker/library/python:3.12-slim',
      ],
      [
        'an unknown source type',
        { source: { type: 'git', url: 'https://github.com/acme/scoring' } },
        "source.type: Invalid discriminator value. Expected 'build' | 'external'",
      ],
      ['an unknown field', { replicas: 2 }, 'replicas: is not a known field'],
    ])('fails with ValidationError for %s, sending nothing', async (_, overrides, message) => {
      const error = await thrownBy(invoke('RegisterImage', buildRequest(overrides)));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(message);
      expect(sentCommands()).toEqual([]);
    });

    it('fails with ValidationError at environment.<name> for a variable named MLOPS_*, reserved for the shim, or not a shell name, sending nothing', async () => {
      const error = await thrownBy(invoke('RegisterImage', buildRequest({ environment: { LOG_LEVEL: 'debug', MLOPS_MODEL_DIR: '/tmp' } })));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('environment.MLOPS_MODEL_DIR: is reserved (MLOPS_ variables configure the serving shim)');
      expect(sentCommands()).toEqual([]);

      const badName = await thrownBy(invoke('RegisterImage', buildRequest({ environment: { 'LOG-LEVEL': 'debug' } })));

      expect(badName.message).toBe('environment.LOG-LEVEL: must be a shell variable name');
    });

    it.each(['PIP_INDEX_URL', 'PIP_TRUSTED_HOST', 'pip_extra_index_url'])(
      'fails with ValidationError at environment.%s: set before pip runs, it would choose where packages come from',
      async (name) => {
        const error = await thrownBy(invoke('RegisterImage', buildRequest({ environment: { [name]: 'https://pypi.attacker.example/simple' } })));

        expect(error.name).toBe('ValidationError');
        expect(error.message).toBe(`environment.${name}: is reserved (PIP_ variables would change where the build installs packages from)`);
        expect(sentCommands()).toEqual([]);
      },
    );
  });

  describe('where builds and images may come from', () => {
    beforeEach(() => {
      modelsInRegistry(fakes);
      uploaded(fakes);
    });

    const ACCOUNT_REGISTRY = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com`;
    const issues = (error: Error) => error.message.split('; ');

    it.each([
      ['Docker Hub by its short name', 'library/python:3.12', 'docker.io'],
      ['another registry', 'ghcr.io/someone/python:3.12-slim', 'ghcr.io'],
    ])('fails with ValidationError at source.baseImage for a base image from %s, writing nothing', async (_, baseImage, registry) => {
      const error = await refused(fakes, buildRequest({ source: { type: 'build', entry: ENTRY_URI, requirements: REQUIREMENTS_URI, baseImage } }));

      expect(error.name).toBe('ValidationError');
      expect(issues(error)).toContain(
        `source.baseImage: must come from a registry this platform allows (public.ecr.aws, ${ACCOUNT_REGISTRY}), not ${registry}`,
      );
    });

    it('fails with ValidationError at source.requirements for another index or a trusted host, writing nothing', async () => {
      fakes.s3.put(
        ARTIFACT_BUCKET,
        REQUIREMENTS_KEY,
        '--extra-index-url https://pypi.attacker.example/simple\n--trusted-host pypi.attacker.example\nnumpy==2.1.3\n',
      );

      const error = await refused(fakes, buildRequest());

      expect(error.name).toBe('ValidationError');
      expect(issues(error)).toEqual(
        expect.arrayContaining([
          'source.requirements: line 1 "--extra-index-url https://pypi.attacker.example/simple" names a package index this platform does not allow (allowed: https://pypi.org/simple)',
          'source.requirements: line 2 "--trusted-host pypi.attacker.example" is not accepted: it turns off pip\'s TLS checks for a host',
        ]),
      );
    });

    it('fails with ValidationError at source.imageUri for an image of a repository the platform was not given, without reading it', async () => {
      const error = await refused(fakes, externalRequest({ source: { type: 'external', imageUri: `${ACCOUNT_REGISTRY}/other-team/fraud-serving:1.4.0` } }));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`source.imageUri: must be in a repository of ${ACCOUNT_REGISTRY} this platform may read (team/*)`);
      expect(inputsOf('DescribeImagesCommand')).toEqual([]);
    });
  });

  it('indexes the model versions an image serves, so moves of the approval alias find it', async () => {
    const { fakes } = await runScenario('RegisterImage', scenario('an external image in ECR, its model version in production'));

    expect(fakes.images.all().filter((item) => String(item.sk).startsWith('S#'))).toEqual([
      { ...imageKeys.serves('fraud-serving', 1, MODEL, 3), name: 'fraud-serving', version: 1 },
    ]);
  });
});
