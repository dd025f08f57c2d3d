import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { addDeployChangeCommands } from './deploy-change';
import { addDeployCreateCommand } from './deploy-create';
import { addDeployQueryCommands } from './deploy-queries';

/** `mlops deploy ...`: deployments of inference images on SageMaker endpoints. */
export function addDeployCommands(program: Command, context: CliContext): void {
  const deploy = program
    .command('deploy')
    .description(
      'deployments: serve an inference image version on a SageMaker endpoint (serverless, or instances billed by the hour), ' +
        'roll new versions out safely (all at once, canary or linear, rolled back by alarms), follow a model alias, capture every request',
    );
  addDeployCreateCommand(deploy, context);
  addDeployChangeCommands(deploy, context);
  addDeployQueryCommands(deploy, context);
}
