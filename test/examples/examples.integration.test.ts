import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { functionPublications, OPERATIONS, type Operation } from '../../client/shared/catalogue';
import { localAwsClients, localRegistryClient, userDescriptorFile } from '../../client/shared/local-connection';
import type { ObjectArtifactRecord } from '../../lambda/registry/core/model';
import { type LocalPlatform, startLocalPlatform } from '../../local/platform';
import { TEST_SYNTH_CACHE } from '../support/synth-cache-directory';
import { runStateMachine, type StateMachineDefinition } from './asl-runner';

// The examples/ recipes, run as a user runs them against one local platform. Its start (synthesis,
// DynamoDB Local, moto) takes a minute or more on a busy 2-core machine, and each `aws` (v1) call
// takes 2-8 s there.
jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');
const run = promisify(execFile);
const awsCliMissing = spawnSync('aws', ['--version']).error !== undefined;
/** The AWS CLI cases run only where `aws` is installed (v1 or v2). */
const awsCliTest = awsCliMissing ? test.skip : test;
if (awsCliMissing) console.warn('examples: no `aws` on PATH, so the AWS CLI recipe is skipped');

let platform: LocalPlatform;
let scratch: string;
let artifact: string;
/** What every example's process gets: the local platform's descriptor, and a home of its own (nothing from the user's AWS config). */
let childEnvironment: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'mlops-examples-'));
  // The per-user descriptor (where MLOPS_LOCAL=1 finds the platform from any folder) goes to the scratch folder, not the real home;
  // the synthesized app comes from the cache every test that starts a platform shares.
  const mlopsHome = path.join(scratch, 'mlops-home');
  platform = await startLocalPlatform({
    dataDirectory: path.join(scratch, 'platform'),
    inMemory: true,
    userDescriptorFile: userDescriptorFile({ MLOPS_HOME: mlopsHome }),
    synthCacheDirectory: TEST_SYNTH_CACHE,
  });
  artifact = path.join(scratch, 'model.tar.gz');
  writeFileSync(artifact, 'weights of a model trained for the examples');
  const home = path.join(scratch, 'home');
  mkdirSync(home);
  const { AWS_PROFILE, AWS_SESSION_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...inherited } = process.env;
  childEnvironment = {
    ...inherited,
    HOME: home,
    MLOPS_HOME: mlopsHome,
    MLOPS_LOCAL: platform.descriptorFile,
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
  };
}, 240_000);

afterAll(async () => {
  await platform?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const registry = () => localRegistryClient(platform.descriptor);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('the boto3 script uploads the artifact, registers it with its metrics and reads the version back, finding the platform from any folder', async () => {
  const { stdout } = await run('python3', [path.join(EXAMPLES, 'boto3', 'register_model.py'), artifact, 'churn-boto3', '--metric', 'auc=0.91'], {
    cwd: scratch,
    env: { ...childEnvironment, MLOPS_LOCAL: '1' },
  });

  const printed = JSON.parse(stdout);
  const version = await registry().getVersion('churn-boto3', printed.version);
  expect(printed).toEqual({ name: 'churn-boto3', version: 1, metrics: { auc: 0.91 }, sha256: sha256(artifact) });
  expect(version).toMatchObject({ metrics: { auc: 0.91 }, tags: { source: 'boto3' }, artifact: { sha256: sha256(artifact) } });
  expect((version.artifact as ObjectArtifactRecord).key).toMatch(/^models\/churn-boto3\//);
});

awsCliTest('the AWS CLI recipe registers a version and moves production to it', async () => {
  // Version 1 in production already, so the recipe's move is 1 -> 2 (one run of it: aws v1 starts slowly on a busy machine).
  const first = await registry().registerModelFromFile(artifact, { name: 'churn-cli' });
  await registry().setAlias({ name: 'churn-cli', alias: 'production', version: first.version });

  const { stdout } = await run('bash', [path.join(EXAMPLES, 'aws-cli', 'register-and-promote.sh'), artifact, 'churn-cli'], { env: childEnvironment });

  expect(stdout).toMatch(/registered churn-cli version 2\nchurn-cli@production -> version 2, sha256 [0-9a-f]{64}\n/);
  expect(await registry().getVersion('churn-cli', 'production')).toMatchObject({
    version: 2,
    tags: { source: 'aws-cli' },
    artifact: { sha256: sha256(artifact) },
  });
  const moves = (await registry().aliasHistory('churn-cli', 'production')).items;
  expect(moves.map((move) => [move.fromVersion, move.toVersion, move.reason])).toEqual([
    [1, 2, 'registered by the AWS CLI recipe'],
    [undefined, 1, undefined],
  ]);
});

awsCliTest('fails the AWS CLI recipe with the refusal when the alias is not valid, and moves no alias', async () => {
  const failed = run('bash', [path.join(EXAMPLES, 'aws-cli', 'register-and-promote.sh'), artifact, 'churn-cli-bad', 'Not-Valid'], { env: childEnvironment });

  await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/refused: .*"errorType":"ValidationError".*alias/) });
  expect((await registry().aliasHistory('churn-cli-bad')).items).toEqual([]);
});

test('the GitHub Actions step registers the trained model with its metrics and commit, points staging at it; a re-run of the step registers nothing more', async () => {
  const workspace = path.join(scratch, 'workspace');
  mkdirSync(path.join(workspace, 'dist'), { recursive: true });
  writeFileSync(path.join(workspace, 'dist', 'model.tar.gz'), readFileSync(artifact));
  writeFileSync(path.join(workspace, 'dist', 'metrics.json'), JSON.stringify({ auc: 0.93, logloss: 0.21 }));
  const outputFile = path.join(workspace, 'github-output');
  const step = () =>
    run('bash', [path.join(EXAMPLES, 'github-actions', 'register-model.sh')], {
      cwd: workspace,
      env: {
        ...childEnvironment,
        MODEL_NAME: 'churn-gha',
        ALIAS: 'staging',
        GITHUB_SHA: 'f00dfeed',
        GITHUB_RUN_ID: '4242',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_OUTPUT: outputFile,
        // The CLI from this checkout (a user's runner installs the packed one as `mlops`).
        MLOPS_CLI: `${process.execPath} ${path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')} ${path.join(ROOT, 'bin', 'mlops.ts')}`,
      },
    });

  await step();
  const rerun = step();

  await expect(rerun).rejects.toMatchObject({ stderr: expect.stringMatching(/ConflictError.*already used.*version 1 of churn-gha/) });
  expect(readFileSync(outputFile, 'utf8')).toBe('version=1\n');
  expect(await registry().getVersion('churn-gha', 'staging')).toMatchObject({
    version: 1,
    metrics: { auc: 0.93, logloss: 0.21 },
    tags: { commit: 'f00dfeed', 'workflow-run': '4242' },
  });
  expect((await registry().listVersions('churn-gha')).items).toHaveLength(1);
});

describe('the Step Functions definition', () => {
  const definition = JSON.parse(readFileSync(path.join(EXAMPLES, 'step-functions', 'register-and-promote.asl.json'), 'utf8')) as StateMachineDefinition;
  // DefinitionSubstitutions as a deployment passes them: each operation's ARN output (from the catalogue) -> here, its local function.
  const functionNames = (): Record<string, string> =>
    Object.fromEntries(
      (Object.keys(OPERATIONS) as Operation[]).flatMap((operation) => {
        const arn = functionPublications(operation).arn;
        return arn ? [[arn.output, platform.descriptor.functions[operation]]] : [];
      }),
    );
  const upload = async (name: string) => {
    const key = `models/${name}/${Date.now()}/model.tar.gz`;
    await localAwsClients(platform.descriptor).s3.send(
      new PutObjectCommand({ Bucket: platform.descriptor.artifactBucket, Key: key, Body: readFileSync(artifact) }),
    );
    return `s3://${platform.descriptor.artifactBucket}/${key}`;
  };

  test('is JSON with a register task, an alias task and the two failures, each task naming its function by a stack output', () => {
    expect(Object.keys(definition.States)).toEqual(['Register', 'SetAlias', 'Rejected', 'Conflict']);
    expect(definition.StartAt).toBe('Register');
    const functionSubstitutions = Object.values(definition.States).flatMap((state) => (state.Type === 'Task' ? [state.Parameters.FunctionName] : []));
    expect(functionSubstitutions).toEqual(['${RegisterModelFunctionArn}', '${SetModelAliasFunctionArn}']);
    expect(functionPublications('registerModel').arn?.output).toBe('RegisterModelFunctionArn');
    expect(functionPublications('setModelAlias').arn?.output).toBe('SetModelAliasFunctionArn');
  });

  test('registers a version and moves the alias to it, passing the version from one task to the next', async () => {
    const input = {
      registration: { name: 'churn-sfn', artifact: { uri: await upload('churn-sfn') }, metrics: { auc: 0.9 } },
      alias: 'production',
      reason: 'passed evaluation',
    };

    const execution = await runStateMachine(definition, input, localAwsClients(platform.descriptor).lambda, functionNames());

    expect(execution).toMatchObject({
      status: 'SUCCEEDED',
      path: ['Register', 'SetAlias'],
      output: { registered: { name: 'churn-sfn', version: 1 }, aliasMove: { alias: 'production', version: 1, revision: 1, changed: true } },
    });
    expect(await registry().getVersion('churn-sfn', 'production')).toMatchObject({ version: 1, metrics: { auc: 0.9 } });
    expect((await registry().aliasHistory('churn-sfn', 'production')).items).toEqual([expect.objectContaining({ toVersion: 1, reason: 'passed evaluation' })]);
  });

  test('fails in Rejected when the platform refuses the registration, having registered nothing', async () => {
    const input = {
      registration: { name: 'churn-sfn-bad', artifact: { uri: `s3://${platform.descriptor.artifactBucket}/models/churn-sfn-bad/missing.tar.gz` } },
      alias: 'production',
      reason: 'x',
    };

    const execution = await runStateMachine(definition, input, localAwsClients(platform.descriptor).lambda, functionNames());

    expect(execution).toMatchObject({
      status: 'FAILED',
      path: ['Register', 'Rejected'],
      error: 'ModelRejected',
      output: { error: { Error: 'ValidationError' } },
    });
    await expect(registry().getModel('churn-sfn-bad')).rejects.toMatchObject({ errorType: 'NotFoundError' });
  });
});
