import { Command, Option } from 'commander';
import { DEFAULT_STACK_NAME } from '../client/shared/catalogue';
import { DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE } from '../client/shared/local-connection';
import { addExperimentListCommand } from './commands/experiments/experiment-list';
import { addRunCommands } from './commands/experiments/run-commands';
import { addImageCommands } from './commands/images/image-commands';
import { addMonitorCommands } from './commands/monitoring/monitor-commands';
import { addAliasCommands } from './commands/registry/model-alias';
import { addFindCommand } from './commands/registry/model-find';
import { addListCommand } from './commands/registry/model-list';
import { addRegisterCommand } from './commands/registry/model-register';
import { addShowCommand } from './commands/registry/model-show';
import { addVersionsCommand } from './commands/registry/model-versions';
import { connectionSettings, LOCAL_ENV, STACK_ENV } from './config';
import type { CliContext } from './context';

/**
 * The `mlops` command tree. Output goes to the context's streams and commander never exits the
 * process (it throws instead), so the whole program runs in-process in tests.
 */
export function createProgram(context: CliContext): Command {
  const program = new Command('mlops')
    .description(
      'Work with the MLOps platform: register models, move aliases, query the registry, track training runs, watch for data drift, build inference images. Times are UTC.',
    )
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: (text) => context.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addOption(new Option('--stack <name>', `the platform stack to discover the functions from (env ${STACK_ENV}, default ${DEFAULT_STACK_NAME})`));
  for (const { flag, help } of connectionSettings()) program.addOption(new Option(`${flag} <name>`, help));
  program
    .addOption(new Option('--region <region>', 'the AWS region (default: the SDK chain, e.g. AWS_REGION)'))
    .addOption(
      new Option(
        '--local',
        `use the platform npm run local started: its descriptor in ${DEFAULT_DATA_DIRECTORY}/${DESCRIPTOR_FILE} here, else ~/.mlops/local-platform.json (env ${LOCAL_ENV}: 1, or a descriptor's path)`,
      ),
    )
    .addOption(new Option('--json', 'print machine-readable JSON on stdout, nothing else'));

  const model = program.command('model').description('the model registry');
  addRegisterCommand(model, context);
  addListCommand(model, context);
  addShowCommand(model, context);
  addVersionsCommand(model, context);
  addFindCommand(model, context);
  addAliasCommands(model, context);

  const experiment = program.command('experiment').description('experiments: the runs grouped by what they try');
  addExperimentListCommand(experiment, context);
  addRunCommands(program, context);
  addMonitorCommands(program, context);
  addImageCommands(program, context);
  return program;
}
