import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { invokeFunction } from '../client/shared/function-invoker';
import { MLFLOW_ENTRY_FILE, MLMODEL_FILE, MODEL_MANIFEST_FILE, parseContextFiles, parseModelManifest, SHIM_FILE } from '../lambda/images/core/build-context';
import { type BuildPhase, buildPhaseChange, buildStateChange } from './codebuild-events';
import type { StartedBuild } from './codebuild-stand-in';
import { downloadContext, entryFileOf, readPinnedObject, runTar, s3Location } from './image-files';
import { startShim } from './serving-shim-process';

export interface ImageBuildSimulatorOptions {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly ecr: ECRClient;
  /** The local name of the `ImageEvents` function, to which CodeBuild's events go. */
  readonly imageEventsFunction: string;
  /** Where each build's log is written. */
  readonly logDirectory: string;
  /** @default 200 - so `mlops image wait` shows the phases pass */
  readonly phaseDelayMs?: number;
  readonly log?: (line: string) => void;
}

/** The phases CodeBuild announces before the build's own commands run. */
const SETUP_PHASES = ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL'];

class PhaseFailure extends Error {
  constructor(
    readonly phase: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Plays CodeBuild's part for image builds on this machine, where there is no Docker engine. It
 * does what the buildspec does except `docker build`: reads the build context's pinned files and the
 * served models' pinned artifact versions, each checked against its recorded SHA-256 (a swapped
 * object fails the build, as it does in CodeBuild), packs the models into `model.tar.gz` at the
 * build's model data URI, and in place of the image build starts
 * the serving shim on the entry script with the machine's python3 and asks `/ping`, so a script
 * whose `init()` fails fails its build here as it would on SageMaker. The platform's MLflow entry
 * cannot run here (MLflow is not installable on this machine): for it, the build checks that the
 * packed model is an MLflow model (its `MLmodel` file) instead. It then pushes a manifest
 * named by the context's content to ECR (moto) under the build's tag, and announces each phase
 * and the end to `ImageEvents` as EventBridge would.
 */
export function imageBuildSimulator(options: ImageBuildSimulatorOptions): (build: StartedBuild) => Promise<void> {
  const delay = options.phaseDelayMs ?? 200;
  const sleep = () => new Promise((resolve) => setTimeout(resolve, delay));
  // EventBridge delivers each event to the function's rule target.
  const deliver = (event: object) => invokeFunction(options.lambda, options.imageEventsFunction, event);

  return async (build) => {
    const logFile = path.join(options.logDirectory, `${build.id.replace(/[^A-Za-z0-9-]/g, '_')}.log`);
    mkdirSync(options.logDirectory, { recursive: true });
    const buildLog = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    const workspace = mkdtempSync(path.join(tmpdir(), 'mlops-image-build-'));
    const phases: BuildPhase[] = [];
    const run = async (phase: string, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        throw error instanceof PhaseFailure ? error : new PhaseFailure(phase, (error as Error).message);
      }
      phases.push({ 'phase-type': phase, 'phase-status': 'SUCCEEDED' });
      await deliver(buildPhaseChange(build, phase));
      await sleep();
    };
    try {
      buildLog(`building ${build.variables.IMAGE_NAME} version ${build.variables.IMAGE_VERSION} from s3://${build.sourceLocation}`);
      for (const phase of SETUP_PHASES) await run(phase, async () => undefined);
      await run('PRE_BUILD', async () => {
        const contextUri = `s3://${build.variables.CONTEXT_BUCKET}/${build.variables.CONTEXT_PREFIX}`;
        await downloadContext(options.s3, contextUri, parseContextFiles(build.variables.CONTEXT_FILES ?? ''), path.join(workspace, 'context'));
        await packModels(options.s3, workspace, build.variables.MODEL_DATA_URI, buildLog);
      });
      await run('BUILD', async () => {
        await smokeTest(workspace, buildLog);
        const digest = await pushManifest(options.ecr, build, path.join(workspace, 'context'));
        buildLog(`pushed ${build.variables.REPOSITORY_URI}:${build.variables.IMAGE_TAG} as ${digest}`);
      });
      await run('POST_BUILD', async () => undefined);
      await deliver(buildStateChange(build, 'SUCCEEDED', phases, `file://${logFile}`));
    } catch (error) {
      const failure = error instanceof PhaseFailure ? error : new PhaseFailure('BUILD', (error as Error).message);
      buildLog(`${failure.phase} FAILED: ${failure.message}`);
      phases.push({ 'phase-type': failure.phase, 'phase-status': 'FAILED', 'phase-context': [failure.message] });
      await deliver(buildStateChange(build, 'FAILED', phases, `file://${logFile}`)).catch((deliveryError: Error) => options.log?.(deliveryError.message));
      options.log?.(`image build ${build.id} failed in ${failure.phase}: ${failure.message}`);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  };
}

/** The buildspec's model download loop (each artifact by its pinned version, checked) and `tar`, then the upload to the model data URI. */
async function packModels(s3: S3Client, workspace: string, modelDataUri: string, buildLog: (line: string) => void): Promise<void> {
  const modelDirectory = path.join(workspace, 'model');
  for (const { sha256, versionId, directory: modelDir, uri } of parseModelManifest(
    readFileSync(path.join(workspace, 'context', MODEL_MANIFEST_FILE), 'utf8'),
  )) {
    const directory = path.join(modelDirectory, modelDir);
    mkdirSync(directory, { recursive: true });
    writeFileSync(path.join(directory, path.basename(s3Location(uri).key)), await readPinnedObject(s3, uri, versionId, sha256));
    buildLog(`downloaded ${uri} version ${versionId}`);
  }
  const archive = path.join(workspace, 'model.tar.gz');
  runTar(['-czf', archive, '-C', modelDirectory, '.']);
  const { bucket, key } = s3Location(modelDataUri);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(archive) }));
  buildLog(`uploaded the models to ${modelDataUri}`);
}

/** Starts the shim on the entry script as the image would, and asks `/ping`. */
async function smokeTest(workspace: string, buildLog: (line: string) => void): Promise<void> {
  const context = path.join(workspace, 'context');
  const entry = entryFileOf(context);
  if (entry === MLFLOW_ENTRY_FILE) return checkMlflowModel(workspace, buildLog);
  const shim = await startShim({
    shimFile: path.join(context, SHIM_FILE),
    entryScript: path.join(context, entry),
    modelDirectory: path.join(workspace, 'model'),
  });
  try {
    const ping = await fetch(`${shim.endpoint}/ping`);
    const answer = await ping.text();
    if (ping.status !== 200) throw new Error(`/ping answered ${ping.status}: ${answer}`);
    buildLog(`the serving shim answered /ping on ${entry}: ${answer}`);
  } finally {
    await shim.stop();
  }
}

/** In place of loading it with MLflow: the one model the MLflow entry serves, `<model>/<version>/` of the packed models, has its `MLmodel` file. */
function checkMlflowModel(workspace: string, buildLog: (line: string) => void): void {
  const [first] = parseModelManifest(readFileSync(path.join(workspace, 'context', MODEL_MANIFEST_FILE), 'utf8'));
  const served = first?.directory.split('/').slice(0, 2).join('/');
  const mlmodel = path.join(workspace, 'model', served ?? '', MLMODEL_FILE);
  if (!served || !existsSync(mlmodel)) throw new Error(`the MLflow entry serves ${served ?? 'no model'}, which has no ${MLMODEL_FILE} file`);
  buildLog(`the MLflow entry cannot run here (no MLflow on this machine): checked that ${served} holds ${MLMODEL_FILE}`);
}

/** What `docker push` leaves in ECR: a manifest under the tag, named by its SHA-256; its config is named by the context's content. */
async function pushManifest(ecr: ECRClient, build: StartedBuild, context: string): Promise<string> {
  const contextDigest = createHash('sha256');
  for (const file of ['Dockerfile', SHIM_FILE, MODEL_MANIFEST_FILE, 'requirements.txt']) contextDigest.update(readFileSync(path.join(context, file)));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 0, digest: `sha256:${contextDigest.digest('hex')}` },
    layers: [],
  });
  const imageDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  await ecr.send(
    new PutImageCommand({ repositoryName: build.variables.REPOSITORY_NAME, imageTag: build.variables.IMAGE_TAG, imageManifest: manifest, imageDigest }),
  );
  return imageDigest;
}
