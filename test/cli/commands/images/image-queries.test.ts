import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CliClock } from '../../../../cli/context';
import { STACK_OUTPUTS } from '../../../../client/shared/catalogue';
import { cliHarness } from '../../harness';
import { BUILD_ID, buildingImage, DIGEST, failedImage, IMAGES_ENV, imageSummary, LOGS_URL, packages, REPOSITORY_URI, readyImage } from './image-fixtures';

const cli = cliHarness();
const clock: CliClock = { now: () => Date.parse('2026-11-25T10:05:00.000Z'), sleep: async () => undefined };
const run = (args: string[], env: Record<string, string | undefined> = IMAGES_ENV) => cli.run(args, { env, context: { clock } });

beforeEach(() => {
  cli.reset();
});

describe('mlops image show', () => {
  it('shows a READY version: pinned image, sources, build, scan by severity, models, environment and SageMaker packages with what blocks approval', async () => {
    // Arrange
    const blocked = { ...packages[1], approvalBlockedBy: '1 CRITICAL scan finding; register the image with allowCriticalFindings to approve it anyway' };
    const image = readyImage({ scan: { status: 'COMPLETE', findings: { CRITICAL: 1, HIGH: 2, INFORMATIONAL: 4 } }, modelPackages: [packages[0], blocked] });
    cli.answer('query-images-fn', () => image);

    // Act
    const { code, stdout, stderr } = await run(['image', 'show', 'churn-scorer:4']);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(cli.invocations('query-images-fn')).toEqual([{ query: 'getImage', name: 'churn-scorer', version: 4 }]);
    expect(stdout).toBe(
      [
        'churn-scorer version 4',
        '',
        'status         READY',
        `image          ${REPOSITORY_URI}@${DIGEST}`,
        'created        2026-11-25 10:00 by ana@laptop',
        'updated        2026-11-25 10:04',
        'description    weekly scorer',
        'base image     public.ecr.aws/docker/library/python:3.12-slim',
        `entry          s3://artifacts-bucket/image-inputs/churn-scorer/${'ab'.repeat(32)}/score.py`,
        `requirements   s3://artifacts-bucket/image-inputs/churn-scorer/${'cd'.repeat(32)}/requirements.txt`,
        'build context  s3://artifacts-bucket/images/churn-scorer/4/context/',
        'model data     s3://artifacts-bucket/images/churn-scorer/4/model.tar.gz',
        `build          ${BUILD_ID}`,
        'build took     4m 12s',
        `logs           ${LOGS_URL}`,
        'scan           COMPLETE: 1 critical, 2 high, 4 informational',
        '',
        'MODEL           VERSION  REQUESTED AS       ARTIFACT',
        'churn                 3  churn@production   s3://artifacts-bucket/models/churn/3/model.tar.gz',
        'fraud-detector       12  fraud-detector:12  s3://artifacts-bucket/models/fraud-detector/12/model.tar.gz',
        '',
        'ENVIRONMENT  VALUE',
        'LOG_LEVEL    debug',
        'THRESHOLD    0.7',
        '',
        'MODEL              PACKAGE GROUP   APPROVAL               ARN                                                                      BLOCKED BY',
        'churn:3            churn           Approved               arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7           -',
        'fraud-detector:12  fraud-detector  PendingManualApproval  arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/2  ' +
          '1 CRITICAL scan finding; register the image with allowCriticalFindings to approve it anyway',
        '',
      ].join('\n'),
    );
  });

  it('shows the newest version with its build phase while it builds, and no packages', async () => {
    cli.answer('query-images-fn', () => buildingImage({ environment: {} }));

    const { stdout } = await run(['image', 'show', 'churn-scorer']);

    expect(cli.invocations('query-images-fn')).toEqual([{ query: 'getImage', name: 'churn-scorer' }]);
    const lines = stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual(['churn-scorer version 4', '', 'status         BUILDING (PRE_BUILD 6/11)']);
    expect(lines).toContain('building for   5m 00s');
    expect(stdout).not.toContain('ENVIRONMENT');
    expect(stdout).not.toContain('PACKAGE GROUP');
  });

  it("shows a build of the platform's MLflow entry, installing the model's requirements", async () => {
    const building = buildingImage();
    const { entry: _entry, requirements: _requirements, ...source } = building.source as Extract<typeof building.source, { type: 'build' }>;
    cli.answer('query-images-fn', () => ({ ...building, source }));

    const { stdout } = await run(['image', 'show', 'churn-scorer']);

    expect(stdout).toContain("entry          the platform's MLflow entry\n");
    expect(stdout).toContain("requirements   the model's requirements.txt\n");
  });

  it('shows why a FAILED build failed and where its logs are', async () => {
    cli.answer('query-images-fn', () => failedImage());

    const { stdout } = await run(['image', 'show', 'churn-scorer:4']);

    expect(stdout).toContain('status         FAILED\n');
    expect(stdout).toContain('build took     2m 30s\n');
    expect(stdout).toContain(`logs           ${LOGS_URL}\n`);
    expect(stdout).toContain('failure        BUILD FAILED: COMMAND_EXECUTION_ERROR: Error while executing command: docker build. Reason: exit status 1\n');
  });

  it('shows an external image by its source, and the critical findings allowed', async () => {
    const source = { type: 'external' as const, imageUri: `${REPOSITORY_URI}:1.4.0` };
    cli.answer('query-images-fn', () =>
      readyImage({ source, build: undefined, modelDataUrl: undefined, allowCriticalFindings: true, modelPackages: undefined }),
    );

    const { stdout } = await run(['image', 'show', 'churn-scorer:4']);

    expect(stdout).toContain(`source             external image ${REPOSITORY_URI}:1.4.0\n`);
    expect(stdout).toContain('critical findings  allowed at registration (a reviewed exception)\n');
    expect(stdout).not.toContain('build took');
    expect(stdout).toContain('no SageMaker model packages yet: they are created once the image is READY\n');
  });

  it('prints the record as JSON with --json', async () => {
    cli.answer('query-images-fn', () => readyImage());

    const { code, stdout } = await run(['--json', 'image', 'show', 'churn-scorer:4']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(readyImage());
  });

  it('fails with exit code 2 on a reference that is not NAME or NAME:VERSION', async () => {
    const { code, stderr } = await run(['image', 'show', 'churn-scorer:latest']);

    expect(code).toBe(2);
    expect(stderr).toContain(
      "error: command-argument value 'churn-scorer:latest' is invalid for argument 'image'. expected NAME or NAME:VERSION (a version number, 1 or more).",
    );
    expect(cli.invocations()).toEqual([]);
  });

  it("fails with exit code 1 passing on the function's not-found error", async () => {
    cli.answer('query-images-fn', () => ({ errorType: 'NotFoundError', errorMessage: 'image churn-scorer has no version 9' }));

    const { code, stderr } = await run(['image', 'show', 'churn-scorer:9']);

    expect(code).toBe(1);
    expect(stderr).toBe('error (NotFoundError): image churn-scorer has no version 9\n');
  });
});

describe('mlops image list', () => {
  it('lists every image with its newest version, following pages', async () => {
    // Arrange
    const fraud = failedImage({ name: 'fraud-scorer', version: 2, models: [readyImage().models[1]] });
    cli.answer('query-images-fn', (payload) =>
      payload.nextToken ? { items: [imageSummary(fraud)] } : { items: [imageSummary(readyImage())], nextToken: 'page-2' },
    );

    // Act
    const { code, stdout } = await run(['image', 'list']);

    // Assert
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'NAME          LATEST  STATUS  UPDATED           MODELS',
        'churn-scorer       4  READY   2026-11-25 10:04  churn@production → 3, fraud-detector:12',
        'fraud-scorer       2  FAILED  2026-11-25 10:02  fraud-detector:12',
        '',
      ].join('\n'),
    );
    expect(cli.invocations('query-images-fn')).toEqual([
      { query: 'listImages', limit: 100 },
      { query: 'listImages', limit: 100, nextToken: 'page-2' },
    ]);
  });

  it('says so when there are no images', async () => {
    cli.answer('query-images-fn', () => ({ items: [] }));

    const { stdout } = await run(['image', 'list']);

    expect(stdout).toBe('no images registered yet\n');
  });

  it("lists an image's versions newest first: status, models, short digest, CRITICAL and HIGH findings", async () => {
    const notScanned = readyImage({ version: 5, scan: { status: 'NOT_SCANNED', findings: {} } });
    cli.answer('query-images-fn', () => ({ items: [notScanned, readyImage(), failedImage({ version: 3 }), buildingImage({ version: 2, build: undefined })] }));

    const { code, stdout } = await run(['image', 'list', 'churn-scorer']);

    expect(code).toBe(0);
    // An image with no completed scan has no counts (not zero findings).
    expect(stdout).toBe(
      [
        'VERSION  STATUS    MODELS                                   DIGEST        CRITICAL  HIGH  CREATED',
        '      5  READY     churn@production → 3, fraud-detector:12  9f86d081884c         -     -  2026-11-25 10:00',
        '      4  READY     churn@production → 3, fraud-detector:12  9f86d081884c         0     2  2026-11-25 10:00',
        '      3  FAILED    churn@production → 3, fraud-detector:12  -                    -     -  2026-11-25 10:00',
        '      2  BUILDING  churn@production → 3, fraud-detector:12  -                    -     -  2026-11-25 10:00',
        '',
      ].join('\n'),
    );
    expect(cli.invocations('query-images-fn')).toEqual([{ query: 'listImageVersions', name: 'churn-scorer', limit: 100 }]);
  });

  it('prints the versions as JSON with --json', async () => {
    cli.answer('query-images-fn', () => ({ items: [readyImage()] }));

    const { stdout } = await run(['--json', 'image', 'list', 'churn-scorer']);

    expect(JSON.parse(stdout)).toEqual([readyImage()]);
  });
});

describe('mlops image connection settings', () => {
  const stackWith = (outputs: Record<string, string>) => ({
    Stacks: [
      {
        StackName: 'MlopsPlatform',
        StackStatus: 'CREATE_COMPLETE' as const,
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  const imagesOutputs = {
    [STACK_OUTPUTS.registerImageFunctionName]: 'stack-register-image',
    [STACK_OUTPUTS.queryImagesFunctionName]: 'stack-query-images',
    [STACK_OUTPUTS.artifactBucketName]: 'stack-artifacts',
    [STACK_OUTPUTS.imageRepositoryUri]: REPOSITORY_URI,
  };
  const describedStacks = () => cli.mocks.cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName);

  it('discovers the image functions from the stack outputs when none are given', async () => {
    cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves(stackWith(imagesOutputs));
    cli.answer('stack-query-images', () => ({ items: [] }));

    const { code } = await run(['--stack', 'Prod', 'image', 'list'], {});

    expect(code).toBe(0);
    expect(describedStacks()).toEqual(['Prod']);
    expect(cli.invocations('stack-query-images')).toEqual([{ query: 'listImages', limit: 100 }]);
  });

  it('reads no stack when the function is given by flag', async () => {
    cli.answer('explicit-query-images', () => ({ items: [] }));

    const { code } = await run(['--query-images-function', 'explicit-query-images', 'image', 'list'], {});

    expect(code).toBe(0);
    expect(describedStacks()).toEqual([]);
  });

  it('fails with exit code 1 naming the outputs a stack without inference images lacks', async () => {
    cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves(stackWith({ [STACK_OUTPUTS.artifactBucketName]: 'stack-artifacts' }));

    const { code, stderr } = await run(['image', 'list'], {});

    expect(code).toBe(1);
    expect(stderr).toBe(
      'error (ConfigurationError): stack "MlopsPlatform" has no output RegisterImageFunctionName, QueryImagesFunctionName, ImageRepositoryUri: ' +
        'does it include inference images, fully deployed?\n',
    );
  });

  it('fails with exit code 1 saying to restart the local platform when its descriptor predates local images', async () => {
    // Arrange
    const directory = mkdtempSync(join(tmpdir(), 'mlops-local-'));
    const descriptor = join(directory, 'platform.json');
    writeFileSync(
      descriptor,
      JSON.stringify({
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        endpoints: { lambda: 'http://127.0.0.1:3001', dynamodb: 'http://127.0.0.1:8000', s3: 'http://127.0.0.1:5000' },
        functions: { registerModel: 'r', setModelAlias: 'a', queryRegistry: 'q', queryMonitoring: 'm' },
        artifactBucket: 'artifacts',
        eventBus: 'bus',
      }),
    );

    // Act
    const { code, stderr } = await run(['image', 'list'], { MLOPS_LOCAL: descriptor });
    rmSync(directory, { recursive: true, force: true });

    // Assert
    expect(code).toBe(1);
    expect(stderr).toBe("error (ConfigurationError): the local platform's descriptor names no queryImages function: restart npm run local\n");
  });
});
