import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { IMAGE_INPUTS_PREFIX } from '../../../client/images/images-client';
import { DEFAULT_BASE_IMAGE } from '../../../lambda/images/core/schemas';
import { actor, connectImages } from '../../config';
import type { CliContext } from '../../context';
import { collectPair } from '../../parse';
import { formatBytes } from '../../render/format';
import { writeBlocks, writeJson } from '../../render/output';
import { type ProgressReporter, uploadProgress } from '../../render/progress';
import { BadInputError, failOnBadInput, fileError } from '../monitoring/monitor-dataset';
import { globalOptions } from '../options';
import { collectModel } from './image-arguments';
import { renderRegistration } from './image-details';
import { addWaitOptions, followBuild, type WaitOptions } from './image-wait';

interface RegisterOptions extends WaitOptions {
  readonly model: string[];
  readonly entry?: string;
  readonly requirements?: string;
  readonly baseImage?: string;
  readonly imageUri?: string;
  readonly env?: Record<string, string>;
  readonly description?: string;
  readonly allowCriticalFindings?: boolean;
  readonly clientToken?: string;
  readonly wait?: boolean;
}

/** The local files to upload must be files: a missing one is bad input, before anything is sent. */
async function checkFiles(files: readonly (string | undefined)[]): Promise<void> {
  for (const file of files) {
    if (file === undefined) continue;
    const info = await stat(file).catch((error: unknown) => {
      throw fileError('read', file, error);
    });
    if (info.isDirectory()) throw new BadInputError(`cannot read ${file}: it is a directory`);
  }
}

export function addImageRegisterCommand(image: Command, context: CliContext): void {
  addWaitOptions(
    image
      .command('register')
      .summary('register the next version of an inference image: built from a scoring script or around an MLflow model, or an image already in ECR')
      .description(
        'register the next version of an inference image serving the model versions given (an alias is pinned to the version it points at now). ' +
          `With --entry, the script (and --requirements) are uploaded to the artifact bucket under ${IMAGE_INPUTS_PREFIX}<name>/<sha256>/ (once per content) ` +
          'and the platform builds the image in CodeBuild, scans it and mirrors it to the SageMaker Model Registry; the version is BUILDING until then. ' +
          'With neither, the platform builds its MLflow entry around the one model version given, whose artifact must be an MLflow model directory ' +
          "(registered with kind directory, an MLmodel file at its top), installing the model's own requirements.txt. " +
          'With --image-uri, an image already in ECR is pinned to its digest and is READY at once. Prints the version, its status, the pinned models and the build; ' +
          '--wait then follows the build as image wait does.',
      )
      .argument('<name>', 'the image name (lowercase letters, digits and single "-")')
      .requiredOption('--model <ref>', 'a model version to serve: NAME:VERSION or NAME@ALIAS (repeatable)', collectModel)
      .option('--entry <script.py>', "the scoring script (init() and run(data)) to build the image around (default: the platform's MLflow entry)")
      .option('--requirements <file>', 'a pip requirements file to install in the image (with --entry)')
      .option('--base-image <image>', `the image to build on, with a tag or digest (with --entry; default ${DEFAULT_BASE_IMAGE})`)
      .addOption(
        new Option('--image-uri <uri>', 'an image already in Amazon ECR, by tag or digest, instead of a build').conflicts([
          'entry',
          'requirements',
          'baseImage',
        ]),
      )
      .option('--env <KEY=VALUE>', 'an environment variable of the serving container (repeatable)', collectPair)
      .option('--description <text>', 'what this version is')
      .option('--allow-critical-findings', 'let the SageMaker packages be approved despite CRITICAL scan findings (a reviewed exception)')
      .option('--client-token <token>', 'an idempotency token: retries of this registration with it return the same version (default: one per run)')
      .option('--wait', 'follow the build until the version is READY or FAILED, as image wait does'),
  ).action(async (name: string, options: RegisterOptions, command: Command) => {
    if (options.entry === undefined && options.requirements !== undefined) {
      command.error("error: --requirements goes with --entry: without it, the MLflow model's own requirements.txt is installed");
    }
    const globals = globalOptions(command);
    const json = globals.json === true;
    try {
      await checkFiles([options.entry, options.requirements]);
    } catch (error) {
      return failOnBadInput(context, error);
    }
    const client = await connectImages(context, globals, options.entry === undefined ? ['registerImage'] : ['registerImage', 'artifactBucket']);
    const fields = {
      name,
      models: options.model,
      environment: options.env,
      description: options.description,
      allowCriticalFindings: options.allowCriticalFindings,
      clientToken: options.clientToken,
      registeredBy: actor(context),
    };
    const reporters = new Map<string, ProgressReporter>();
    const reporter = (file: string) => {
      if (!reporters.has(file)) reporters.set(file, uploadProgress(context.stderr, basename(file), { quiet: json }));
      return reporters.get(file)!;
    };
    let registered: Awaited<ReturnType<typeof client.register>>;
    try {
      registered =
        options.imageUri !== undefined
          ? await client.register({ ...fields, imageUri: options.imageUri })
          : await client.register(
              { ...fields, entry: options.entry!, requirements: options.requirements, baseImage: options.baseImage },
              {
                onProgress: (file, progress) => reporter(file).update(progress),
                onStaged: (staged) => {
                  if (!staged.reused) return reporter(staged.file).done(staged);
                  if (!json) context.stderr.write(`${basename(staged.file)} (${formatBytes(staged.sizeBytes)}) is already at ${staged.uri}\n`);
                },
              },
            );
    } catch (error) {
      reporters.forEach((progress) => progress.fail());
      throw error;
    }
    const following = options.wait === true && registered.status === 'BUILDING';
    if (!json) {
      const hint = registered.status === 'BUILDING' && !following ? `follow the build: mlops image wait ${registered.name}:${registered.version}` : undefined;
      writeBlocks(context.stdout, ...renderRegistration(registered), hint);
      if (following) context.stdout.write('\n');
    }
    if (following) return followBuild(context, client, registered, options, json);
    if (json) writeJson(context.stdout, registered);
  });
}
