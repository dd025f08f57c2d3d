/**
 * Scenarios that together drive every code path of the inference image handlers that sends an SDK
 * call (run by the handler tests and by the IAM coverage test), the registry items, uploads, images
 * and events they start from, and the image items as `DynamoImageStore` writes them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageKeys, TOKEN_TTL_DAYS } from '../../../../lambda/images/adapters/table-keys';
import type { ImageVersionRecord, ModelPackageRecord } from '../../../../lambda/images/core/model';
import { modelPackageGroupName } from '../../../../lambda/images/core/model-packages';
import { RegisterImageRequest } from '../../../../lambda/images/core/schemas';
import { buildManifest } from '../../../../lambda/registry/core/artifact-manifest';
import type { DirectoryArtifactRecord, ObjectArtifactRecord } from '../../../../lambda/registry/core/model';
import { fingerprint } from '../../../../lambda/shared/fingerprint';
import { parseRequest } from '../../../../lambda/shared/validation';
import type { HandlerScenario, HandlerScenarios } from '../../handler-support/scenarios';
import { digestOf, FUNCTION_ENVIRONMENT, type ImagesFunction, invoke, type PlatformFakes, TEST_ACCOUNT, TEST_REGION } from '../../handler-support/sdk-mocks';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';

export const ARTIFACT_BUCKET = FUNCTION_ENVIRONMENT.ARTIFACT_BUCKET_NAME;
export const REPOSITORY_NAME = FUNCTION_ENVIRONMENT.REPOSITORY_NAME;
export const REPOSITORY_URI = FUNCTION_ENVIRONMENT.REPOSITORY_URI;
export const BUILD_PROJECT = FUNCTION_ENVIRONMENT.BUILD_PROJECT_NAME;

/** What `freezeDate` fixes the clock at while an image is registered, and when its build ends. */
export const NOW = '2026-06-01T12:00:00.000Z';
export const BUILD_ENDED = '2026-06-01T12:09:30.000Z';

export const IMAGE = 'fraud-scoring';
/** Served by alias: `production` is on version 3. */
export const MODEL = 'fraud-linear';
/** Served by version number. */
export const OTHER_MODEL = 'churn';

export const ENTRY_KEY = 'image-inputs/fraud-scoring/e7/score.py';
export const ENTRY_URI = `s3://${ARTIFACT_BUCKET}/${ENTRY_KEY}`;
export const REQUIREMENTS_KEY = 'image-inputs/fraud-scoring/r7/requirements.txt';
export const REQUIREMENTS_URI = `s3://${ARTIFACT_BUCKET}/${REQUIREMENTS_KEY}`;
/** The sample entry script the serving shim's tests run. */
export const ENTRY_SCRIPT = readFileSync(join(__dirname, '..', 'fixtures', 'score.py'), 'utf8');
export const REQUIREMENTS = 'numpy==2.1.3\n# the linear model needs nothing else\nscikit-learn>=1.5,<1.6  # pinned to the minor\n\n';

/** An image built elsewhere and pushed to another repository of the account. */
export const EXTERNAL_REPOSITORY = 'team/fraud-serving';
export const EXTERNAL_IMAGE_URI = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${EXTERNAL_REPOSITORY}:1.4.0`;
/** The digest the fake ECR gives the external image when it is pushed. */
export const EXTERNAL_DIGEST = digestOf(EXTERNAL_REPOSITORY, '1.4.0');

export const artifactUriOf = (model: string, version: number) => `s3://${ARTIFACT_BUCKET}/models/${model}/v${version}/model.tar.gz`;
export const contextPrefix = (name: string, version: number) => `images/${name}/${version}/context/`;
export const modelDataUrl = (name: string, version: number) => `s3://${ARTIFACT_BUCKET}/images/${name}/${version}/model.tar.gz`;
/** The id CodeBuild gives the first build the fake starts, and the ARN its events name it by. */
export const BUILD_ID = `${BUILD_PROJECT}:0b6c3a0e-5d1f-4e6a-9c7b-000000000001`;
export const BUILD_ARN = `arn:aws:codebuild:${TEST_REGION}:${TEST_ACCOUNT}:build/${BUILD_ID}`;
export const LOGS_URL = `https://console.aws.amazon.com/cloudwatch/home?region=${TEST_REGION}#logEvent:group=/aws/codebuild/image-build;stream=0b6c3a0e-5d1f-4e6a-9c7b-000000000001`;

/** `fraud-linear` versions 2 and 3, `production` on 3, and `churn` version 2, as RegisterModel and SetModelAlias leave them, their artifacts uploaded. */
export function modelsInRegistry({ registry, s3 }: PlatformFakes): void {
  registry.put(
    registryItems.version(MODEL, 2),
    registryItems.version(MODEL, 3),
    registryItems.alias(MODEL, 'production', 3, 1),
    registryItems.version(OTHER_MODEL, 2),
  );
  for (const [model, version] of [
    [MODEL, 2],
    [MODEL, 3],
    [OTHER_MODEL, 2],
  ] as const) {
    s3.put(ARTIFACT_BUCKET, `models/${model}/v${version}/model.tar.gz`, `weights of ${model} ${version}`, `s3-version-${version}`);
  }
}

/** An MLflow model directory (MLmodel, the model, its requirements.txt) registered as `churn` version 4, its manifest written by the registry. */
export function mlflowModelInRegistry({ registry, s3 }: PlatformFakes): void {
  const prefix = 'mlflow/1/models/m-4c2e/artifacts/';
  const files = { MLmodel: 'flavors:\n  python_function: {}\n', 'model.pkl': 'pickled', 'requirements.txt': 'mlflow==3.1.0\nscikit-learn==1.6.1\n' };
  for (const [path, body] of Object.entries(files)) s3.put(ARTIFACT_BUCKET, `${prefix}${path}`, body, `v-${path}`);
  const manifest = buildManifest(
    Object.entries(files).map(([path, body]) => ({
      path,
      versionId: `v-${path}`,
      sizeBytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    })),
  );
  const manifestKey = `registry-manifests/${manifest.sha256}.json`;
  s3.put(ARTIFACT_BUCKET, manifestKey, manifest.text, 'v-manifest');
  const artifact: DirectoryArtifactRecord = {
    kind: 'directory',
    uri: `s3://${ARTIFACT_BUCKET}/${prefix}`,
    bucket: ARTIFACT_BUCKET,
    prefix,
    sha256: manifest.sha256,
    sizeBytes: manifest.sizeBytes,
    fileCount: manifest.files.length,
    manifestUri: `s3://${ARTIFACT_BUCKET}/${manifestKey}`,
    manifestVersionId: 'v-manifest',
  };
  registry.put(registryItems.version(OTHER_MODEL, 4, { artifact }));
}

/**
 * The entry script and requirements uploaded by the client. The function may read the artifact
 * bucket but not list it, so S3 answers a missing key 403.
 */
export function uploaded({ s3 }: PlatformFakes): void {
  s3.withoutListing();
  s3.put(ARTIFACT_BUCKET, ENTRY_KEY, ENTRY_SCRIPT);
  s3.put(ARTIFACT_BUCKET, REQUIREMENTS_KEY, REQUIREMENTS);
}

export const buildRequest = (overrides: Record<string, unknown> = {}) => ({
  name: IMAGE,
  models: [
    { name: MODEL, alias: 'production' },
    { name: OTHER_MODEL, version: 2 },
  ],
  source: { type: 'build', entry: ENTRY_URI, requirements: REQUIREMENTS_URI },
  environment: { LOG_LEVEL: 'debug' },
  description: 'Scores fraud, with churn beside it',
  registeredBy: 'alice',
  ...overrides,
});

export const externalRequest = (overrides: Record<string, unknown> = {}) => ({
  name: 'fraud-serving',
  models: [{ name: MODEL, version: 3 }],
  source: { type: 'external', imageUri: EXTERNAL_IMAGE_URI },
  ...overrides,
});

/** A model version an image serves, its artifact pinned as the registry recorded it (`registryItems.version`). */
export const servedModel = (name: string, version: number, requestedAlias?: string) => ({
  name,
  version,
  ...(requestedAlias ? { requestedAlias } : {}),
  artifactUri: artifactUriOf(name, version),
  artifactVersionId: `s3-version-${version}`,
  artifactSha256: 'a'.repeat(64),
});

/** The models of `buildRequest`, pinned. */
export const SERVED_MODELS = [servedModel(MODEL, 3, 'production'), servedModel(OTHER_MODEL, 2)];

/** A version of `IMAGE` as RegisterImage commits it and its build start leaves it: BUILDING, in the SUBMITTED phase. */
export function buildingVersion(version = 1, overrides: Partial<ImageVersionRecord> = {}): ImageVersionRecord {
  return {
    name: IMAGE,
    version,
    status: 'BUILDING',
    createdAt: NOW,
    updatedAt: NOW,
    createdBy: 'alice',
    description: 'Scores fraud, with churn beside it',
    models: SERVED_MODELS,
    source: {
      type: 'build',
      entry: ENTRY_URI,
      requirements: REQUIREMENTS_URI,
      baseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
      contextUri: `s3://${ARTIFACT_BUCKET}/${contextPrefix(IMAGE, version)}`,
    },
    environment: { LOG_LEVEL: 'debug' },
    allowCriticalFindings: false,
    modelDataUrl: modelDataUrl(IMAGE, version),
    build: { id: BUILD_ID, phase: 'SUBMITTED' },
    ...overrides,
  };
}

/** The context's files in the order RegisterImage writes them: the entry script as it read it, then the files it renders. */
const CONTEXT_FILES = ['score.py', 'Dockerfile', 'serve.py', 'requirements.txt', 'models.txt', '.dockerignore'];

/**
 * `buildingVersion` as RegisterImage commits it: the entry script and requirements it read, and
 * every file of the context it wrote, pinned to the S3 version and SHA-256 the fake S3 holds.
 */
export function registeredVersion(fakes: PlatformFakes, version = 1): ImageVersionRecord {
  const record = buildingVersion(version);
  const pin = (key: string) => ({
    versionId: fakes.s3.versionId(ARTIFACT_BUCKET, key)!,
    sha256: createHash('sha256').update(fakes.s3.get(ARTIFACT_BUCKET, key)!).digest('hex'),
  });
  return {
    ...record,
    source: {
      ...(record.source as Extract<ImageVersionRecord['source'], { type: 'build' }>),
      inputs: { entry: pin(ENTRY_KEY), requirements: pin(REQUIREMENTS_KEY) },
      contextFiles: CONTEXT_FILES.map((name) => ({ name, ...pin(`${contextPrefix(IMAGE, version)}${name}`) })),
    },
  };
}

/** The packages a READY version serving `models` was mirrored to, each the first of its group: the first model's approved, the others pending. */
export function packageRecords(models: ImageVersionRecord['models']): ModelPackageRecord[] {
  return models.map((model, index) => ({
    model: model.name,
    modelVersion: model.version,
    groupName: modelPackageGroupName(model.name),
    arn: `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/${modelPackageGroupName(model.name)}/1`,
    approvalStatus: index === 0 ? 'Approved' : 'PendingManualApproval',
  }));
}

/** A READY version of `IMAGE` serving `models`, mirrored to SageMaker as `packages`. */
export function readyVersion(version: number, models: ImageVersionRecord['models'], packages?: readonly ModelPackageRecord[]): ImageVersionRecord {
  const digest = `sha256:${String(version).repeat(64).slice(0, 64)}`;
  return buildingVersion(version, {
    status: 'READY',
    models,
    build: { id: BUILD_ID, phase: 'COMPLETED', logsUrl: LOGS_URL, endedAt: BUILD_ENDED },
    digest,
    imageUri: `${REPOSITORY_URI}@${digest}`,
    scan: { status: 'COMPLETE', findings: { MEDIUM: 2 } },
    updatedAt: BUILD_ENDED,
    ...(packages ? { modelPackages: packages } : {}),
  });
}

/** The images table's items, as `DynamoImageStore` writes them. */
export const items = {
  /** An image item whose counter has handed out `latestVersion` numbers. */
  image: (name: string, latestVersion: number) => ({
    ...imageKeys.image(name),
    ...imageKeys.imageIndex(name),
    name,
    createdAt: NOW,
    updatedAt: NOW,
    nextVersion: latestVersion,
  }),
  version: (record: ImageVersionRecord) => ({ ...imageKeys.version(record.name, record.version), ...record }),
  /** The entries of the served-model index, one per model version the image version serves. */
  serves: (record: ImageVersionRecord) =>
    record.models.map((model) => ({ ...imageKeys.serves(record.name, record.version, model.name, model.version), name: record.name, version: record.version })),
};

/** An image version with its image item (counter at `latest`) and served-model entries, as a registration commits them. */
export function committed(fakes: PlatformFakes, record: ImageVersionRecord, latest = record.version): void {
  fakes.images.put(items.image(record.name, latest), items.version(record), ...items.serves(record));
}

/**
 * What a registration with a client token leaves when it dies between its commit and the start of
 * its build: the version BUILDING without a build, its token, its build context.
 */
export function committedWithoutBuild(fakes: PlatformFakes, request: Record<string, unknown>): void {
  const record = buildingVersion(1, { build: undefined });
  committed(fakes, record);
  const command = parseRequest(RegisterImageRequest, request);
  fakes.images.put({
    ...imageKeys.token(IMAGE, command.clientToken!),
    version: 1,
    fingerprint: fingerprint({ ...command, registeredBy: undefined }),
    expiresAt: Math.floor(Date.parse(NOW) / 1000) + TOKEN_TTL_DAYS * 86_400,
  });
  for (const file of ['Dockerfile', 'serve.py', 'requirements.txt', 'models.txt', '.dockerignore', 'score.py']) {
    fakes.s3.put(ARTIFACT_BUCKET, `${contextPrefix(IMAGE, 1)}${file}`, `(${file} as the first call wrote it)`);
  }
}

const environmentVariable = (name: string, value: string) => ({ name, type: 'PLAINTEXT', value });

/** What CodeBuild puts in every event of a build of `IMAGE` version `version`: its environment, source and logs. */
function additionalInformation(version: number, phases?: readonly Record<string, unknown>[]) {
  return {
    artifact: { location: '' },
    environment: {
      image: 'aws/codebuild/standard:7.0',
      'privileged-mode': true,
      'image-pull-credentials-type': 'CODEBUILD',
      'compute-type': 'BUILD_GENERAL1_SMALL',
      type: 'ARM_CONTAINER',
      'environment-variables': [
        environmentVariable('REPOSITORY_URI', REPOSITORY_URI),
        environmentVariable('REPOSITORY_NAME', REPOSITORY_NAME),
        environmentVariable('IMAGE_NAME', IMAGE),
        environmentVariable('IMAGE_VERSION', String(version)),
        environmentVariable('IMAGE_TAG', `${IMAGE}-${version}`),
        environmentVariable('MODEL_DATA_URI', modelDataUrl(IMAGE, version)),
      ],
    },
    'timeout-in-minutes': 60,
    'build-complete': phases !== undefined,
    initiator: `MlopsPlatform-ImagesRegisterImageRole/MlopsPlatform-ImagesRegisterImage`,
    'build-start-time': 'Jun 1, 2026 12:00:05 PM',
    source: { location: `${ARTIFACT_BUCKET}/${contextPrefix(IMAGE, version)}`, type: 'S3' },
    logs: { 'group-name': '/aws/codebuild/image-build', 'stream-name': '0b6c3a0e-5d1f-4e6a-9c7b-000000000001', 'deep-link': LOGS_URL },
    ...(phases ? { phases } : {}),
    'queued-timeout-in-minutes': 480,
  };
}

const envelope = (detailType: string, detail: Record<string, unknown>) => ({
  version: '0',
  id: 'b5e2a4f0-3c1d-4f2e-8a7b-6c5d4e3f2a1b',
  'detail-type': detailType,
  source: 'aws.codebuild',
  account: TEST_ACCOUNT,
  time: BUILD_ENDED,
  region: TEST_REGION,
  resources: [BUILD_ARN],
  detail,
});

const phase = (type: string, status?: string, context: string[] = [': ']) => ({
  'phase-context': context,
  'start-time': 'Jun 1, 2026 12:00:05 PM',
  'end-time': 'Jun 1, 2026 12:00:06 PM',
  'duration-in-seconds': 1,
  'phase-type': type,
  ...(status ? { 'phase-status': status } : {}),
});

/** The phases of a build that ran to the end, each SUCCEEDED. */
export const SUCCEEDED_PHASES = [
  'SUBMITTED',
  'QUEUED',
  'PROVISIONING',
  'DOWNLOAD_SOURCE',
  'INSTALL',
  'PRE_BUILD',
  'BUILD',
  'POST_BUILD',
  'UPLOAD_ARTIFACTS',
  'FINALIZING',
].map((type) => phase(type, 'SUCCEEDED'));

/** The phases of a build whose `docker build` failed: BUILD FAILED, then the phases CodeBuild still runs. */
export const BUILD_FAILED_CONTEXT =
  'COMMAND_EXECUTION_ERROR: Error while executing command: docker build --pull --tag "$REPOSITORY_URI:$IMAGE_TAG" .. Reason: exit status 1';
export const FAILED_PHASES = [
  ...SUCCEEDED_PHASES.slice(0, 6),
  phase('BUILD', 'FAILED', [BUILD_FAILED_CONTEXT]),
  phase('POST_BUILD', 'SUCCEEDED'),
  phase('UPLOAD_ARTIFACTS', 'SUCCEEDED'),
  phase('FINALIZING', 'SUCCEEDED'),
];

/** EventBridge's "CodeBuild Build State Change" of a build of `IMAGE` version `version`. */
export function buildStateChange(status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'STOPPED', version = 1, phases?: readonly Record<string, unknown>[]) {
  const ended = status !== 'IN_PROGRESS';
  const allPhases = phases ?? (status === 'SUCCEEDED' ? SUCCEEDED_PHASES : status === 'FAILED' ? FAILED_PHASES : undefined);
  return envelope('CodeBuild Build State Change', {
    'build-status': status,
    'project-name': BUILD_PROJECT,
    'build-id': BUILD_ARN,
    'additional-information': additionalInformation(version, ended ? [...(allPhases ?? []), phase('COMPLETED')] : undefined),
    'current-phase': ended ? 'COMPLETED' : 'SUBMITTED',
    'current-phase-context': '[: ]',
    version: '1',
  });
}

/** EventBridge's "CodeBuild Build Phase Change" of a build of `IMAGE` version `version`: `completed` ended. */
export function buildPhaseChange(completed: string, version = 1, status = 'SUCCEEDED') {
  return envelope('CodeBuild Build Phase Change', {
    'completed-phase': completed,
    'project-name': BUILD_PROJECT,
    'build-id': BUILD_ARN,
    'completed-phase-context': '[: ]',
    'additional-information': additionalInformation(version),
    'completed-phase-status': status,
    'completed-phase-duration-seconds': 2,
    version: '1',
    'completed-phase-start': 'Jun 1, 2026 12:00:06 PM',
    'completed-phase-end': 'Jun 1, 2026 12:00:08 PM',
  });
}

/** The registry's "ModelAliasChanged" on the platform bus. */
export function aliasChanged(alias: string, toVersion: number, fromVersion?: number, name = MODEL) {
  return {
    version: '0',
    id: '7f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
    'detail-type': 'ModelAliasChanged',
    source: 'mlops-platform.registry',
    account: TEST_ACCOUNT,
    time: '2026-06-02T09:00:00Z',
    region: TEST_REGION,
    resources: [],
    detail: { name, alias, revision: 2, fromVersion, toVersion, changedAt: '2026-06-02T09:00:00.000Z', changedBy: 'bob' },
  };
}

/** The image the build of `IMAGE` version `version` pushed to the platform repository, scanned; returns its digest. */
export function pushed(fakes: PlatformFakes, version = 1, findings: Record<string, number> = { HIGH: 1, MEDIUM: 4 }): string {
  return fakes.ecr.push(REPOSITORY_NAME, `${IMAGE}-${version}`, { scan: { status: 'COMPLETE', findings } });
}

// Models pinned: `production` of fraud-linear read, then the version it names, then churn version 2.
const PIN_MODELS = ['GetCommand', 'GetCommand', 'GetCommand'];
// The script and the requirements read; a number taken; the context written (the script as read, and five files).
const CHECK_AND_WRITE = ['GetObjectCommand', 'GetObjectCommand', 'UpdateCommand', ...Array(6).fill('PutObjectCommand')];
// Committed and announced BUILDING, the build started and its id recorded.
const COMMIT_AND_BUILD = ['TransactWriteCommand', 'PutEventsCommand', 'StartBuildCommand', 'UpdateCommand'];
/** Per served model: is it in production? Its group (made if need be) and its package. */
const PACKAGE = ['GetCommand', 'CreateModelPackageGroupCommand', 'CreateModelPackageCommand'];

export const registerImageScenarios: readonly HandlerScenario[] = [
  {
    name: "an image of the platform's MLflow entry around an MLflow model directory",
    arrange: mlflowModelInRegistry,
    event: { name: IMAGE, models: [{ name: OTHER_MODEL, version: 4 }], source: { type: 'build' } },
    // The version read, its manifest and requirements.txt read by version; a number taken; the context written (the entry and five files).
    sends: ['GetCommand', 'GetObjectCommand', 'GetObjectCommand', 'UpdateCommand', ...Array(6).fill('PutObjectCommand'), ...COMMIT_AND_BUILD],
  },
  {
    name: 'an image to build, one model by alias and one by version',
    arrange: (fakes) => {
      modelsInRegistry(fakes);
      uploaded(fakes);
    },
    event: buildRequest(),
    sends: [...PIN_MODELS, ...CHECK_AND_WRITE, ...COMMIT_AND_BUILD],
  },
  {
    name: 'an image to build with a new client token',
    arrange: (fakes) => {
      modelsInRegistry(fakes);
      uploaded(fakes);
    },
    event: buildRequest({ clientToken: 'pipeline-run-42' }),
    sends: ['GetCommand', ...PIN_MODELS, ...CHECK_AND_WRITE, ...COMMIT_AND_BUILD],
  },
  {
    name: 'a retried client token',
    arrange: async (fakes) => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      await invoke('RegisterImage', buildRequest({ clientToken: 'pipeline-run-42' }));
    },
    event: buildRequest({ clientToken: 'pipeline-run-42' }),
    // The token and its version are read; the build was started: nothing else.
    sends: ['GetCommand', 'GetCommand'],
  },
  {
    name: 'a retried client token of a version whose build was never started',
    arrange: (fakes) => {
      modelsInRegistry(fakes);
      uploaded(fakes);
      committedWithoutBuild(fakes, buildRequest({ clientToken: 'pipeline-run-42' }));
    },
    event: buildRequest({ clientToken: 'pipeline-run-42' }),
    // The token and its version read, then the build started and recorded.
    sends: ['GetCommand', 'GetCommand', 'StartBuildCommand', 'UpdateCommand'],
  },
  {
    name: 'an external image in ECR, its model version in production',
    arrange: (fakes) => {
      modelsInRegistry(fakes);
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0', { scan: { status: 'COMPLETE', findings: { LOW: 3 } } });
    },
    event: externalRequest(),
    // Pinned, checked in ECR, numbered, its model data copied from the pinned artifact version, committed READY and announced, then mirrored to SageMaker.
    sends: [
      'GetCommand',
      'DescribeImagesCommand',
      'UpdateCommand',
      'CopyObjectCommand',
      'TransactWriteCommand',
      'PutEventsCommand',
      ...PACKAGE,
      'UpdateCommand',
    ],
  },
  {
    name: 'an external image of a model whose artifact was uploaded without a model name',
    arrange: (fakes) => {
      const key = 'uploads/5f1e7c1a/model.tar.gz';
      fakes.registry.put(
        registryItems.version(OTHER_MODEL, 5, {
          artifact: { ...(registryItems.version(OTHER_MODEL, 5).artifact as ObjectArtifactRecord), uri: `s3://${ARTIFACT_BUCKET}/${key}`, key },
        }),
      );
      fakes.s3.put(ARTIFACT_BUCKET, key, `weights of ${OTHER_MODEL} 5`, 's3-version-5');
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0');
    },
    event: externalRequest({ models: [{ name: OTHER_MODEL, version: 5 }] }),
    sends: [
      'GetCommand',
      'DescribeImagesCommand',
      'UpdateCommand',
      'CopyObjectCommand',
      'TransactWriteCommand',
      'PutEventsCommand',
      ...PACKAGE,
      'UpdateCommand',
    ],
  },
  {
    name: "an external image by digest, its model's package group made by an earlier image",
    arrange: (fakes) => {
      modelsInRegistry(fakes);
      fakes.ecr.push(EXTERNAL_REPOSITORY, '1.4.0');
      fakes.sageMaker.addGroup(modelPackageGroupName(MODEL), `Model ${MODEL} of the MLOps platform's registry`);
    },
    event: externalRequest({
      source: { type: 'external', imageUri: `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${EXTERNAL_REPOSITORY}@${EXTERNAL_DIGEST}` },
    }),
    sends: [
      'GetCommand',
      'DescribeImagesCommand',
      'UpdateCommand',
      'CopyObjectCommand',
      'TransactWriteCommand',
      'PutEventsCommand',
      ...PACKAGE,
      'UpdateCommand',
    ],
  },
];

/** Two READY versions of `IMAGE`: 1 serving fraud-linear 2 (its package approved), 2 serving fraud-linear 3 (pending). */
export function imagesFollowingProduction(fakes: PlatformFakes, production = 3): { approvedArn: string; pendingArn: string } {
  // The registry as the move the scenarios announce left it: production on `production`.
  fakes.registry.put(registryItems.version(MODEL, 2), registryItems.version(MODEL, 3), registryItems.alias(MODEL, 'production', production, 2));
  const group = modelPackageGroupName(MODEL);
  const approvedArn = fakes.sageMaker.addPackage(group, 'Approved');
  const pendingArn = fakes.sageMaker.addPackage(group, 'PendingManualApproval');
  const served = (version: number) => [{ name: MODEL, version, artifactUri: artifactUriOf(MODEL, version) }];
  const packageOf = (version: number, arn: string, approvalStatus: ModelPackageRecord['approvalStatus']) => [
    { model: MODEL, modelVersion: version, groupName: group, arn, approvalStatus },
  ];
  fakes.images.put(
    items.image(IMAGE, 2),
    items.version(readyVersion(1, served(2), packageOf(2, approvedArn, 'Approved'))),
    ...items.serves(readyVersion(1, served(2))),
    items.version(readyVersion(2, served(3), packageOf(3, pendingArn, 'PendingManualApproval'))),
    ...items.serves(readyVersion(2, served(3))),
  );
  return { approvedArn, pendingArn };
}

/** What making a version READY does: its packages, one per served model, then the version READY with them, then the event. */
const PUBLISH_READY = [...PACKAGE, ...PACKAGE, 'UpdateCommand', 'PutEventsCommand'];

export const imageEventsScenarios: readonly HandlerScenario[] = [
  {
    name: 'a phase of a build completed',
    arrange: (fakes) => committed(fakes, buildingVersion()),
    event: buildPhaseChange('QUEUED'),
    sends: ['GetCommand', 'UpdateCommand'],
  },
  {
    name: 'a phase change that arrives after a later one',
    arrange: async (fakes) => {
      committed(fakes, buildingVersion());
      await invoke('ImageEvents', buildPhaseChange('PRE_BUILD'));
    },
    event: buildPhaseChange('QUEUED'),
    sends: ['GetCommand'],
  },
  {
    name: 'a build that succeeded',
    arrange: (fakes) => {
      modelsInRegistry(fakes);
      committed(fakes, buildingVersion());
      pushed(fakes);
    },
    event: buildStateChange('SUCCEEDED'),
    // The version read, the pushed image described, its packages made, then the version READY with them, and announced.
    sends: ['GetCommand', 'DescribeImagesCommand', ...PUBLISH_READY],
  },
  {
    name: 'a build that succeeded without pushing its image',
    arrange: (fakes) => committed(fakes, buildingVersion()),
    event: buildStateChange('SUCCEEDED'),
    sends: ['GetCommand', 'DescribeImagesCommand', 'UpdateCommand', 'PutEventsCommand'],
  },
  {
    name: 'a build that failed',
    arrange: (fakes) => committed(fakes, buildingVersion()),
    event: buildStateChange('FAILED'),
    sends: ['GetCommand', 'UpdateCommand', 'PutEventsCommand'],
  },
  {
    name: 'a redelivered end of a build whose first delivery made the packages but failed to record them',
    arrange: async (fakes) => {
      modelsInRegistry(fakes);
      committed(fakes, buildingVersion());
      pushed(fakes);
      // The first delivery times out at its write. (Once by a flag: clearing the history between arrange and act resets the mock's call count.)
      let timedOut = false;
      fakes.images.interleaveBeforeNextUpdate(() => {
        if (timedOut) return;
        timedOut = true;
        throw new Error('Task timed out after 30.00 seconds');
      });
      await invoke('ImageEvents', buildStateChange('SUCCEEDED')).catch(() => undefined);
    },
    event: buildStateChange('SUCCEEDED'),
    // As the first delivery: the packages asked for again (their client tokens answer the ones made), then the version READY.
    sends: ['GetCommand', 'DescribeImagesCommand', ...PUBLISH_READY],
  },
  {
    name: 'a repeated end of a build',
    arrange: async (fakes) => {
      modelsInRegistry(fakes);
      committed(fakes, buildingVersion());
      pushed(fakes);
      await invoke('ImageEvents', buildStateChange('SUCCEEDED'));
    },
    event: buildStateChange('SUCCEEDED'),
    sends: ['GetCommand'],
  },
  {
    name: 'the end of a build of an image the table does not hold',
    event: buildStateChange('FAILED', 7),
    sends: ['GetCommand'],
  },
  {
    name: 'a move of the approval alias',
    arrange: (fakes) => {
      imagesFollowingProduction(fakes);
    },
    event: aliasChanged('production', 3, 2),
    // The alias read from the registry; for the version reached, then the version left: the images serving it, each read,
    // its package's approval changed and recorded; the alias read again to see it did not move meanwhile.
    sends: [
      'GetCommand',
      'QueryCommand',
      'GetCommand',
      'UpdateModelPackageCommand',
      'UpdateCommand',
      'QueryCommand',
      'GetCommand',
      'UpdateModelPackageCommand',
      'UpdateCommand',
      'GetCommand',
    ],
  },
  {
    name: 'a move of another alias',
    arrange: (fakes) => {
      imagesFollowingProduction(fakes);
    },
    event: aliasChanged('staging', 3, 2),
    sends: [],
  },
];

/** `fraud-scoring` with versions 1 (READY) and 2 (BUILDING), and `fraud-serving` with version 1 (READY), as registrations leave them. */
export function registeredImages(fakes: PlatformFakes): void {
  committed(fakes, readyVersion(1, SERVED_MODELS, packageRecords(SERVED_MODELS)), 2);
  committed(fakes, buildingVersion(2), 2);
  committed(fakes, externalVersion());
}

/** `fraud-serving` version 1, pinned from the external image. */
export function externalVersion(): ImageVersionRecord {
  const digest = EXTERNAL_DIGEST;
  return {
    name: 'fraud-serving',
    version: 1,
    status: 'READY',
    createdAt: NOW,
    updatedAt: NOW,
    models: [{ name: MODEL, version: 3, artifactUri: artifactUriOf(MODEL, 3) }],
    source: { type: 'external', imageUri: EXTERNAL_IMAGE_URI },
    environment: {},
    allowCriticalFindings: false,
    imageUri: `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${EXTERNAL_REPOSITORY}@${digest}`,
    digest,
    scan: { status: 'COMPLETE', findings: {} },
    modelDataUrl: artifactUriOf(MODEL, 3),
    modelPackages: packageRecords([{ name: MODEL, version: 3, artifactUri: artifactUriOf(MODEL, 3) }]),
  };
}

export const queryImagesScenarios: readonly HandlerScenario[] = [
  { name: 'getImage, its latest version', arrange: registeredImages, event: { query: 'getImage', name: IMAGE }, sends: ['QueryCommand'] },
  { name: 'getImage by version', arrange: registeredImages, event: { query: 'getImage', name: IMAGE, version: 1 }, sends: ['GetCommand'] },
  // The images from the index, then each image's latest version.
  { name: 'listImages', arrange: registeredImages, event: { query: 'listImages' }, sends: ['QueryCommand', 'QueryCommand', 'QueryCommand'] },
  { name: 'listImageVersions', arrange: registeredImages, event: { query: 'listImageVersions', name: IMAGE }, sends: ['GetCommand', 'QueryCommand'] },
];

export const imagesScenarios: HandlerScenarios<ImagesFunction> = {
  RegisterImage: registerImageScenarios,
  ImageEvents: imageEventsScenarios,
  QueryImages: queryImagesScenarios,
};

/** What the images table, the artifact bucket, the build project and SageMaker hold, for assertions that a call changed nothing. */
export function storedState({ images, s3, codeBuild, sageMaker }: PlatformFakes) {
  const objects = Object.fromEntries(s3.keys(ARTIFACT_BUCKET).map((key) => [key, s3.get(ARTIFACT_BUCKET, key)]));
  return { images: images.all(), artifactBucket: objects, builds: codeBuild.builds, groups: sageMaker.groups, packages: sageMaker.packages };
}

export { freezeDate } from '../../monitoring/handlers/handler-scenarios';
