import { type Command, Option } from 'commander';
import { NotFoundError } from '../../../client/shared/errors';
import type { DeploymentRecord, DeploymentStateChange } from '../../../lambda/deployments/core/model';
import type { CheckRecord } from '../../../lambda/monitoring/core/model';
import { connectDeployments, connectMonitoring, type GlobalOptions } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { parseWhole } from '../../parse';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { renderDeployment, renderDeployments, renderHistory } from './deploy-details';
import { renderDriftVerdict, renderRevisionTraffic, renderTraffic } from './deploy-traffic';

/** The latest check of the deployment's monitor (named as the deployment); none when it has none yet. */
async function latestCheck(context: CliContext, globals: GlobalOptions, name: string): Promise<CheckRecord | undefined> {
  const monitoring = await connectMonitoring(context, globals, ['queryMonitoring']);
  return monitoring.getCheck(name).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
}

/** `deploy status`, `deploy list` and `deploy history`: reads only. */
export function addDeployQueryCommands(deploy: Command, context: CliContext): void {
  deploy
    .command('status')
    .summary('a deployment: what it serves, its traffic, its rollout, its drift')
    .description(
      'what the deployment serves and where its traffic goes, the rollout in progress, its compute and what it costs idle, its strategy, alarms and rollback target; ' +
        'then its traffic over the last --hours: requests per hour as a chart, distinct callers (by their custom attributes), errors and latency by CloudWatch, ' +
        "each revision's figures, and its monitor's latest drift verdict",
    )
    .argument('<name>', 'the deployment')
    .addOption(new Option('--hours <count>', 'the traffic of this many hours, 1 to 168').argParser(parseWhole).default(24))
    .action(async (name: string, options: { hours: number }, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectDeployments(context, globals, ['queryDeployments']);
      const [record, traffic, check] = await Promise.all([
        client.getDeployment(name),
        client.deploymentTraffic(name, options.hours),
        latestCheck(context, globals, name),
      ]);
      if (globals.json) return writeJson(context.stdout, { ...record, traffic, drift: check ?? null });
      writeBlocks(
        context.stdout,
        ...renderDeployment(record, clockOf(context).now()),
        renderTraffic(traffic, context.stdout.columns ?? 80),
        traffic.revisions.length > 0 ? renderRevisionTraffic(traffic.revisions) : undefined,
        renderDriftVerdict(check),
      );
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
