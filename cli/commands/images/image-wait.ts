import { type Command, Option } from 'commander';
import type { ImagesClient } from '../../../client/images/images-client';
import type { ImageVersionRecord } from '../../../lambda/images/core/model';
import { connectImages } from '../../config';
import type { CliClock, CliContext, Terminal } from '../../context';
import { clockOf } from '../../exec/node-process';
import { EXIT_FAILED, ExitStatus } from '../../exit-status';
import { parseDuration } from '../../parse';
import { writeBlocks, writeJson } from '../../render/output';
import { statusLine } from '../monitoring/monitor-dataset';
import { globalOptions } from '../options';
import { type ImageReference, parseImageReference } from './image-arguments';
import { phaseText, renderBuildProgress, renderOutcome } from './image-details';

export interface WaitOptions {
  /** Milliseconds. */
  readonly timeout: number;
  /** Milliseconds between polls. */
  readonly interval: number;
}

/** `--timeout` and `--interval`, shared by `image wait` and `image register --wait`. */
export function addWaitOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--timeout <duration>', 'give up (exit 1) when the build has not ended after this long').argParser(parseDuration).default(30 * 60_000, '30m'),
    )
    .addOption(new Option('--interval <duration>', 'time between polls').argParser(parseDuration).default(5000, '5s'));
}

/**
 * The build's progress on stderr: on a terminal, one line redrawn in place (the phase, its place
 * among CodeBuild's phases, the time since registration); otherwise a line per phase reached,
 * unless `quiet`.
 */
function buildProgressLine(stderr: Terminal, clock: CliClock, options: { quiet: boolean }) {
  const line = statusLine(stderr);
  let lastPhase: string | undefined;
  return {
    update: (image: ImageVersionRecord) => {
      if (image.status !== 'BUILDING') return;
      if (stderr.isTTY === true) return line.show(renderBuildProgress(image, clock.now()));
      const phase = phaseText(image);
      if (options.quiet || phase === lastPhase) return;
      lastPhase = phase;
      stderr.write(`${renderBuildProgress(image, clock.now())}\n`);
    },
    clear: () => line.clear(),
  };
}

/**
 * Follows a version until its build ends, showing its progress, then prints the outcome: the pinned
 * image, scan and package approvals when READY; the failure and logs link when FAILED, ending
 * with exit status 1.
 */
export async function followBuild(
  context: CliContext,
  client: ImagesClient,
  image: Pick<ImageVersionRecord, 'name' | 'version'>,
  options: WaitOptions,
  json: boolean,
): Promise<void> {
  const clock = clockOf(context);
  const progress = buildProgressLine(context.stderr, clock, { quiet: json });
  let final: ImageVersionRecord;
  try {
    final = await client.waitForImage(image.name, image.version, {
      pollIntervalMs: options.interval,
      timeoutMs: options.timeout,
      clock: { now: () => new Date(clock.now()), sleep: (ms) => clock.sleep(ms) },
      onProgress: progress.update,
    });
  } finally {
    progress.clear();
  }
  if (json) writeJson(context.stdout, final);
  else writeBlocks(context.stdout, ...renderOutcome(final, clock.now()));
  if (final.status === 'FAILED') throw new ExitStatus(EXIT_FAILED);
}

export function addImageWaitCommand(image: Command, context: CliContext): void {
  addWaitOptions(
    image
      .command('wait')
      .summary("follow an image version's build until it is READY or FAILED")
      .description(
        'follow the build of an image version (the newest unless NAME:VERSION names one): its CodeBuild phase and the time since registration, ' +
          'redrawn in place on a terminal (a line per phase otherwise). When the build ends, prints the image URI pinned by digest, the scan findings ' +
          `and the SageMaker package approvals (exit 0), or the failure and the link to the build's logs (exit ${EXIT_FAILED}); exits ${EXIT_FAILED} on --timeout too`,
      )
      .argument('<image>', 'NAME or NAME:VERSION', parseImageReference),
  ).action(async (reference: ImageReference, options: WaitOptions, command: Command) => {
    const globals = globalOptions(command);
    const client = await connectImages(context, globals, ['queryImages']);
    // The newest version now: a version registered meanwhile is not followed instead.
    const version = reference.version ?? (await client.getImage(reference.name)).version;
    await followBuild(context, client, { name: reference.name, version }, options, globals.json === true);
  });
}
