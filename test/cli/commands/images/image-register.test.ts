import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { CliClock } from '../../../../cli/context';
import type { ImageVersionRecord } from '../../../../lambda/images/core/model';
import { cliHarness } from '../../harness';
import {
  BUILD_ID,
  buildingImage,
  DIGEST,
  failedImage,
  IMAGES_ENV,
  localImageInputs,
  REPOSITORY_URI,
  REQUIREMENTS,
  readyImage,
  SCRIPT,
  sha256,
} from './image-fixtures';

const cli = cliHarness();
const entryUri = `s3://artifacts-bucket/image-inputs/churn-scorer/${sha256(SCRIPT)}/score.py`;
const requirementsUri = `s3://artifacts-bucket/image-inputs/churn-scorer/${sha256(REQUIREMENTS)}/requirements.txt`;
const submitted = buildingImage({ build: { id: BUILD_ID, phase: 'SUBMITTED' } });
const notFound = () => new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Not Found' });
const clock: CliClock = { now: () => Date.parse('2026-11-25T10:00:01.000Z'), sleep: async () => undefined };

const inputs = localImageInputs();

beforeEach(() => {
  cli.reset();
  cli.mocks.s3.on(HeadObjectCommand).rejects(notFound());
  cli.mocks.s3.on(PutObjectCommand).resolves({});
  cli.answer('register-image-fn', () => submitted);
});

const register = (args: string[]) => cli.run(['image', 'register', 'churn-scorer', ...args], { env: IMAGES_ENV, context: { clock } });

/** Answers `getImage` with `records` in turn, then the last one again. */
function answerPolls(...records: ImageVersionRecord[]) {
  let poll = 0;
  cli.answer('query-images-fn', () => records[Math.min(poll++, records.length - 1)]);
}

describe('mlops image register', () => {
  it('uploads the script and requirements, registers the build, and prints the version, pinned models and build', async () => {
    // Arrange
    const args = [
      '--model',
      'churn@production',
      '--model',
      'fraud-detector:12',
      '--entry',
      inputs.entry,
      '--requirements',
      inputs.requirements,
      '--env',
      'LOG_LEVEL=debug',
      '--env',
      'THRESHOLD=0.7',
      '--description',
      'weekly scorer',
      '--allow-critical-findings',
    ];

    // Act
    const { code, stdout, stderr } = await register(args);

    // Assert
    expect(code).toBe(0);
    const [payload] = cli.invocations('register-image-fn');
    expect(payload).toEqual({
      name: 'churn-scorer',
      models: [
        { name: 'churn', alias: 'production' },
        { name: 'fraud-detector', version: 12 },
      ],
      source: { type: 'build', entry: entryUri, requirements: requirementsUri, baseImage: 'public.ecr.aws/docker/library/python:3.12-slim' },
      environment: { LOG_LEVEL: 'debug', THRESHOLD: '0.7' },
      description: 'weekly scorer',
      allowCriticalFindings: true,
      clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      registeredBy: 'ana@laptop',
    });
    expect(stderr).toBe(`uploaded score.py (53 B) to ${entryUri}\nuploaded requirements.txt (20 B) to ${requirementsUri}\n`);
    expect(stdout).toBe(
      [
        'registered churn-scorer version 4: BUILDING (SUBMITTED 1/11)',
        '',
        'models      churn@production → 3, fraud-detector:12',
        'base image  public.ecr.aws/docker/library/python:3.12-slim',
        `build       ${BUILD_ID}`,
        '',
        'follow the build: mlops image wait churn-scorer:4',
        '',
      ].join('\n'),
    );
  });

  it('says so, and uploads nothing, for a script already in the bucket', async () => {
    const checksum = createHash('sha256').update(SCRIPT).digest('base64');
    cli.mocks.s3.on(HeadObjectCommand).resolves({ ChecksumSHA256: checksum, ContentLength: 53 });

    const { code, stderr } = await register(['--model', 'churn:3', '--entry', inputs.entry, '--base-image', 'public.ecr.aws/docker/library/python:3.11-slim']);

    expect(code).toBe(0);
    expect(stderr).toBe(`score.py (53 B) is already at ${entryUri}\n`);
    expect(cli.mocks.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(cli.invocations('register-image-fn')[0].source).toEqual({
      type: 'build',
      entry: entryUri,
      baseImage: 'public.ecr.aws/docker/library/python:3.11-slim',
    });
  });

  it('registers an image already in ECR, printing the pinned image, its scan and its packages', async () => {
    // Arrange
    const imageUri = `${REPOSITORY_URI}:1.4.0`;
    const external = readyImage({
      source: { type: 'external', imageUri },
      build: undefined,
      models: [readyImage().models[0]],
      modelPackages: [readyImage().modelPackages![0]],
    });
    cli.answer('register-image-fn', () => external);

    // Act
    const { code, stdout } = await register(['--model', 'churn@production', '--image-uri', imageUri, '--wait']);

    // Assert
    expect(code).toBe(0);
    expect(cli.mocks.s3.calls()).toHaveLength(0);
    expect(cli.invocations('register-image-fn')[0].source).toEqual({ type: 'external', imageUri });
    expect(cli.invocations('query-images-fn')).toEqual([]);
    expect(stdout).toBe(
      [
        'registered churn-scorer version 4: READY',
        '',
        'models  churn@production → 3',
        `image   ${REPOSITORY_URI}@${DIGEST}`,
        'scan    COMPLETE: 2 high, 5 medium, 1 low',
        '',
        'MODEL    PACKAGE GROUP  APPROVAL  ARN                                                             BLOCKED BY',
        'churn:3  churn          Approved  arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7  -',
        '',
      ].join('\n'),
    );
  });

  it('follows the build with --wait, exiting 0 once READY', async () => {
    answerPolls(buildingImage(), readyImage());

    const { code, stdout } = await register(['--model', 'churn:3', '--entry', inputs.entry, '--wait']);

    expect(code).toBe(0);
    expect(stdout).toContain('registered churn-scorer version 4: BUILDING (SUBMITTED 1/11)\n');
    expect(stdout).not.toContain('follow the build');
    expect(stdout).toContain('\n\nchurn-scorer version 4 is READY after 4m 12s\n');
    expect(cli.invocations('query-images-fn')).toEqual([
      { query: 'getImage', name: 'churn-scorer', version: 4 },
      { query: 'getImage', name: 'churn-scorer', version: 4 },
    ]);
  });

  it('exits 1 with --wait when the build FAILED, and prints only the final record with --json', async () => {
    answerPolls(failedImage());

    const { code, stdout, stderr } = await cli.run(['--json', 'image', 'register', 'churn-scorer', '--model', 'churn:3', '--entry', inputs.entry, '--wait'], {
      env: IMAGES_ENV,
      context: { clock },
    });

    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual(failedImage());
  });

  it('prints the registered record as JSON with --json', async () => {
    const { stdout } = await cli.run(['--json', 'image', 'register', 'churn-scorer', '--model', 'churn:3', '--entry', inputs.entry], { env: IMAGES_ENV });

    expect(JSON.parse(stdout)).toEqual(submitted);
  });

  it('fails with exit code 2 on a script that is not there, before connecting', async () => {
    const { code, stderr } = await register(['--model', 'churn:3', '--entry', join(inputs.entry, '..', 'nope.py')]);

    expect(code).toBe(2);
    expect(stderr).toBe(`error: cannot read ${join(inputs.entry, '..', 'nope.py')}: no such file or directory\n`);
    expect(cli.invocations()).toEqual([]);
  });

  it.each([
    [
      ['--model', 'churn:3', '--requirements', 'r.txt'],
      "error: --requirements goes with --entry: without it, the MLflow model's own requirements.txt is installed",
    ],
    [
      ['--model', 'churn:3', '--requirements', 'r.txt', '--image-uri', 'x'],
      "error: option '--image-uri <uri>' cannot be used with option '--requirements <file>'",
    ],
    [
      ['--model', 'churn:3', '--base-image', 'python:3', '--image-uri', 'x'],
      "error: option '--image-uri <uri>' cannot be used with option '--base-image <image>'",
    ],
    [['--entry', 'score.py'], "error: required option '--model <ref>' not specified"],
  ])('fails with exit code 2 on %j', async (args, message) => {
    const { code, stderr } = await register(args);

    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(cli.invocations()).toEqual([]);
  });

  it("registers a build of the platform's MLflow entry without --entry, uploading nothing", async () => {
    const { code } = await register(['--model', 'churn@champion']);

    expect(code).toBe(0);
    expect(cli.invocations('register-image-fn')).toEqual([
      expect.objectContaining({
        models: [{ name: 'churn', alias: 'champion' }],
        source: { type: 'build', baseImage: 'public.ecr.aws/docker/library/python:3.12-slim' },
      }),
    ]);
    expect(cli.mocks.s3.calls()).toHaveLength(0);
  });

  it('fails with exit code 1 when the model is not an MLflow model directory, naming source.entry', async () => {
    const message = 'source.entry: is required: the artifact of churn version 3 is not an MLflow model directory (no MLmodel file in its manifest)';
    cli.answer('register-image-fn', () => ({ errorType: 'ValidationError', errorMessage: message }));

    const { code, stderr } = await register(['--model', 'churn:3']);

    expect(code).toBe(1);
    expect(stderr).toBe(`error (ValidationError): ${message}\n`);
  });

  it('fails with exit code 1 on a bad model reference, uploading nothing', async () => {
    const { code, stderr } = await register(['--model', 'churn', '--entry', inputs.entry]);

    expect(code).toBe(1);
    expect(stderr).toBe('error (ValidationError): models[0]: expected NAME:VERSION (a version number) or NAME@ALIAS, got "churn"\n');
    expect(cli.mocks.s3.calls()).toHaveLength(0);
  });

  it("fails with exit code 1 passing on the function's refusal", async () => {
    cli.answer('register-image-fn', () => ({ errorType: 'ValidationError', errorMessage: 'models[0].alias: model churn has no alias "production"' }));

    const { code, stderr } = await register(['--model', 'churn@production', '--entry', inputs.entry]);

    expect(code).toBe(1);
    expect(stderr.split('\n').slice(-2)).toEqual(['error (ValidationError): models[0].alias: model churn has no alias "production"', '']);
  });
});
