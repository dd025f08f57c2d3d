import { Command, Option } from 'commander';
import { DEFAULT_STACK_NAME } from '../client/shared/catalogue';
import { DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE } from '../client/shared/local-connection';
import { connectionSettings, LOCAL_ENV, STACK_ENV } from './config';
import type { CliContext } from './context';

/**
 * The `mlops` command tree. Output goes to the context's streams and commander never exits the
 * process (it throws instead), so the whole program runs in-process in tests.
 */
export function createProgram(context: CliContext, argv: readonly string[] = []): Command {
  const program = new Command('mlops')
    .description(
      'Work with the MLOps platform: register models, move aliases, query the registry, track training runs, watch for data drift, build inference images, deploy them. Times are UTC.',
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

  const group = commandGroup(program, argv);
  for (const [name, add] of Object.entries(GROUPS)) if (group === undefined || group === name) add(program, context);
  return program;
}

type AddGroup = (program: Command, context: CliContext) => void;

/**
 * The command groups, each required only when the command line needs it: a call initializes one
 * area's commands, not all four (module initialization is most of the CLI's start-up).
 */
const GROUPS: Readonly<Record<string, AddGroup>> = {
  model: (program, context) => {
    const model = program.command('model').description('the model registry');
    (require('./commands/registry/model-register') as typeof import('./commands/registry/model-register')).addRegisterCommand(model, context);
    (require('./commands/registry/model-list') as typeof import('./commands/registry/model-list')).addListCommand(model, context);
    (require('./commands/registry/model-show') as typeof import('./commands/registry/model-show')).addShowCommand(model, context);
    (require('./commands/registry/model-versions') as typeof import('./commands/registry/model-versions')).addVersionsCommand(model, context);
    (require('./commands/registry/model-find') as typeof import('./commands/registry/model-find')).addFindCommand(model, context);
    (require('./commands/registry/model-alias') as typeof import('./commands/registry/model-alias')).addAliasCommands(model, context);
  },
  experiment: (program, context) => {
    const experiment = program.command('experiment').description('experiments: the runs grouped by what they try');
    (require('./commands/experiments/experiment-list') as typeof import('./commands/experiments/experiment-list')).addExperimentListCommand(
      experiment,
      context,
    );
  },
  run: (program, context) =>
    (require('./commands/experiments/run-commands') as typeof import('./commands/experiments/run-commands')).addRunCommands(program, context),
  monitor: (program, context) =>
    (require('./commands/monitoring/monitor-commands') as typeof import('./commands/monitoring/monitor-commands')).addMonitorCommands(program, context),
  image: (program, context) =>
    (require('./commands/images/image-commands') as typeof import('./commands/images/image-commands')).addImageCommands(program, context),
  deploy: (program, context) =>
    (require('./commands/deployments/deploy-commands') as typeof import('./commands/deployments/deploy-commands')).addDeployCommands(program, context),
  endpoint: (program, context) =>
    (require('./commands/deployments/endpoint-invoke') as typeof import('./commands/deployments/endpoint-invoke')).addEndpointCommands(program, context),
};

/**
 * The group the command line names: its first argument that is not a global option or an option's
 * value. Undefined (every group is added) for a bare `mlops`, `--help`, `help ...` or a misspelt
 * group, so help lists every command and commander can suggest the one meant.
 */
function commandGroup(program: Command, argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--') return undefined;
    if (!argument.startsWith('-')) return Object.hasOwn(GROUPS, argument) ? argument : undefined;
    const option = program.options.find((candidate) => candidate.long === argument || candidate.short === argument);
    if (option && (option.required || option.optional)) index++;
  }
  return undefined;
}
