import { type Command, Option } from 'commander';
import { actor } from '../../config';
import type { CliContext } from '../../context';
import { parseWhole } from '../../parse';
import { globalOptions } from '../options';
import { addFollowOptions, connectFollowing, type FollowOptions, showOrFollow } from './deploy-follow';
import { addStrategyOptions, type StrategyOptions, strategyOf } from './deploy-options';

interface UpdateOptions extends StrategyOptions, FollowOptions {
  readonly version?: number;
}

/** `deploy update`, `deploy rollback` and `deploy delete`: each starts what SageMaker finishes, and may follow it. */
export function addDeployChangeCommands(deploy: Command, context: CliContext): void {
  addFollowOptions(
    addStrategyOptions(
      deploy
        .command('update')
        .summary('roll another image version out')
        .description(
          "roll another version of the deployment's image out, with its strategy (or the one given here for this update): on instances SageMaker shifts the traffic " +
            '(all at once, a canary share first, or linear steps), each step baked and rolled back by the alarms; a serverless endpoint is swapped all at once ' +
            'and the platform watches the alarms through the bake. Without --version, a deployment that follows an alias rolls out the version serving it now.',
        )
        .argument('<name>', 'the deployment')
        .addOption(new Option('--version <n>', 'the image version to roll out').argParser(parseWhole)),
    ),
  ).action(async (name: string, options: UpdateOptions, command: Command) => {
    const globals = globalOptions(command);
    const strategy = strategyOf(options);
    const client = await connectFollowing(context, globals, 'updateDeployment', options);
    const started = await client.update({
      name,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(strategy === undefined ? {} : { strategy }),
      actor: actor(context),
    });
    await showOrFollow(context, client, started, options, globals.json === true);
  });

  addFollowOptions(
    deploy
      .command('rollback')
      .summary('go back to the previous version, in one call')
      .description(
        'send the endpoint back to the revision it served before, all at once; during a rollout the platform watches (serverless), back to the revision serving before it. ' +
          'Refused while SageMaker runs a blue/green rollout: its alarms roll it back, and it takes no other update until it ends.',
      )
      .argument('<name>', 'the deployment'),
  ).action(async (name: string, options: FollowOptions, command: Command) => {
    const globals = globalOptions(command);
    const client = await connectFollowing(context, globals, 'rollbackDeployment', options);
    await showOrFollow(context, client, await client.rollback({ name, actor: actor(context) }), options, globals.json === true);
  });

  addFollowOptions(
    deploy
      .command('delete')
      .summary('delete the endpoint, its configs and models (the history stays)')
      .description(
        'delete the SageMaker endpoint, its endpoint configs and models, and its rollback alarms; the record and its history stay, DELETED, and the name can be deployed again',
      )
      .argument('<name>', 'the deployment'),
  ).action(async (name: string, options: FollowOptions, command: Command) => {
    const globals = globalOptions(command);
    const client = await connectFollowing(context, globals, 'deleteDeployment', options);
    await showOrFollow(context, client, await client.delete({ name, actor: actor(context) }), options, globals.json === true);
  });
}
