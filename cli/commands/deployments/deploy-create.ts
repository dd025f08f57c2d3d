import type { Command } from 'commander';
import type { CreateDeploymentRequest } from '../../../lambda/deployments/core/schemas';
import { actor } from '../../config';
import type { CliContext } from '../../context';
import { type ImageReference, parseImageReference } from '../images/image-arguments';
import { BadInputError } from '../monitoring/monitor-dataset';
import { globalOptions } from '../options';
import { computeText } from './deploy-details';
import { addFollowOptions, connectFollowing, type FollowOptions, showOrFollow } from './deploy-follow';
import {
  type AlarmOptions,
  addAlarmOptions,
  addComputeOptions,
  addStrategyOptions,
  alarmsOf,
  type ComputeOptions,
  computeOf,
  type StrategyOptions,
  strategyOf,
} from './deploy-options';

interface CreateOptions extends StrategyOptions, ComputeOptions, AlarmOptions, FollowOptions {
  readonly image: ImageReference;
  readonly follow?: { readonly model: string; readonly alias: string };
  readonly clientToken?: string;
}

/** `MODEL@ALIAS`. */
function parseAliasReference(text: string): { model: string; alias: string } {
  const match = /^([^@\s]+)@([^@\s]+)$/.exec(text);
  if (!match) throw new BadInputError(`--follow expects MODEL@ALIAS, got "${text}"`);
  return { model: match[1], alias: match[2] };
}

export function addDeployCreateCommand(deploy: Command, context: CliContext): void {
  addFollowOptions(
    addAlarmOptions(
      addStrategyOptions(
        addComputeOptions(
          deploy
            .command('create')
            .summary('serve an image version on a new SageMaker endpoint')
            .description(
              'serve an inference image version on a new SageMaker endpoint named mlops-<name>: serverless by default (billed per request, nothing while idle), ' +
                'or on real-time instances with --instance-type (billed by the hour while the deployment exists, idle or not). ' +
                "With --follow MODEL@ALIAS, it serves the version of --image that serves the alias's model version, and rolls out the one serving the new version whenever the alias moves. " +
                'Every request is captured to the monitoring bucket. The deployment is CREATING until SageMaker has the endpoint InService; --wait follows it.',
            )
            .argument('<name>', 'the deployment name (lowercase letters, digits and single "-", at most 40)')
            .requiredOption('--image <image>', 'NAME:VERSION of a READY image (NAME alone with --follow)', parseImageReference)
            .option('--follow <model@alias>', "serve, and follow, the image version serving this alias's model version", parseAliasReference)
            .option('--client-token <token>', 'makes a retried create return the deployment the first one made'),
        ),
      ),
    ),
  ).action(async (name: string, options: CreateOptions, command: Command) => {
    const globals = globalOptions(command);
    if (options.follow === undefined && options.image.version === undefined)
      throw new BadInputError('--image needs a version (NAME:VERSION), or --follow MODEL@ALIAS');
    if (options.follow !== undefined && options.image.version !== undefined)
      throw new BadInputError('give --image NAME without a version with --follow: the alias picks the version');
    const request: CreateDeploymentRequest = {
      name,
      image: options.image.name,
      ...(options.image.version === undefined ? {} : { version: options.image.version }),
      ...(options.follow === undefined ? {} : { follow: options.follow }),
      compute: computeOf(options),
      ...(strategyOf(options) === undefined ? {} : { strategy: strategyOf(options) }),
      alarms: alarmsOf(options),
      ...(options.clientToken === undefined ? {} : { clientToken: options.clientToken }),
      actor: actor(context),
    };
    const client = await connectFollowing(context, globals, 'createDeployment', options);
    const created = await client.create(request);
    if (!globals.json) context.stderr.write(`${computeText(created)}\n`);
    await showOrFollow(context, client, created, options, globals.json === true);
  });
}
