import type { Command } from 'commander';
import type { DeploymentRecord, DeploymentStateChange } from '../../../lambda/deployments/core/model';
import { connectDeployments } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { renderDeployment, renderDeployments, renderHistory } from './deploy-details';

/** `deploy status`, `deploy list` and `deploy history`: reads only. */
export function addDeployQueryCommands(deploy: Command, context: CliContext): void {
  deploy
    .command('status')
    .summary('a deployment: what it serves, its traffic, its rollout')
    .description(
      'what the deployment serves and where its traffic goes, the rollout in progress, its compute and what it costs idle, its strategy, alarms and rollback target',
    )
    .argument('<name>', 'the deployment')
    .action(async (name: string, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectDeployments(context, globals, ['queryDeployments']);
      const record = await client.getDeployment(name);
      if (globals.json) return writeJson(context.stdout, record);
      writeBlocks(context.stdout, ...renderDeployment(record, clockOf(context).now()));
    });

  deploy
    .command('list')
    .summary('list the deployments')
    .description(
      'every deployment by name, the deleted ones too: status, the image version it serves and the one it is rolling out, compute, the alias it follows',
    )
    .action(async (_options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectDeployments(context, globals, ['queryDeployments']);
      const records: DeploymentRecord[] = [];
      for await (const record of client.iterateDeployments()) records.push(record);
      if (globals.json) return writeJson(context.stdout, records);
      if (records.length === 0) return void context.stdout.write('no deployments yet: mlops deploy create NAME --image IMAGE:VERSION\n');
      context.stdout.write(renderDeployments(records));
    });

  deploy
    .command('history')
    .summary("a deployment's state changes, newest first")
    .description('every state change of the deployment, newest first: when, which revision and image, from and to which status, who or what caused it and why')
    .argument('<name>', 'the deployment')
    .action(async (name: string, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectDeployments(context, globals, ['queryDeployments']);
      const changes: DeploymentStateChange[] = [];
      for await (const change of client.iterateHistory(name)) changes.push(change);
      if (globals.json) return writeJson(context.stdout, changes);
      context.stdout.write(renderHistory(changes));
    });
}
