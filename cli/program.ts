import { Command, Option } from 'commander';
import { DEFAULT_DATA_DIRECTORY, DESCRIPTOR_FILE } from '../client/shared/local-connection';
import { DEFAULT_STACK_NAME } from '../client/shared/stack-outputs';
import { addRunCommands } from './commands/experiments/run-commands';
import { addImageCommands } from './commands/images/image-commands';
import { addMonitorCommands } from './commands/monitoring/monitor-commands';
import { addAliasCommands } from './commands/registry/model-alias';
import { addFindCommand } from './commands/registry/model-find';
import { addListCommand } from './commands/registry/model-list';
import { addRegisterCommand } from './commands/registry/model-register';
import { addShowCommand } from './commands/registry/model-show';
import { addVersionsCommand } from './commands/registry/model-versions';
import { IMAGES_SETTINGS, LOCAL_ENV, MONITORING_SETTINGS, SETTINGS, STACK_ENV, TRACKING_SETTINGS } from './config';
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
    .addOption(new Option('--stack <name>', `the platform stack to discover the functions from (env ${STACK_ENV}, default ${DEFAULT_STACK_NAME})`))
    .addOption(new Option('--register-function <name>', `RegisterModel function name or ARN (env ${SETTINGS.registerModel.env})`))
    .addOption(new Option('--alias-function <name>', `SetModelAlias function name or ARN (env ${SETTINGS.setModelAlias.env})`))
    .addOption(new Option('--query-function <name>', `QueryRegistry function name or ARN (env ${SETTINGS.queryRegistry.env})`))
    .addOption(new Option('--artifact-bucket <name>', `the artifact bucket (env ${SETTINGS.artifactBucket.env})`))
    .addOption(new Option('--start-run-function <name>', `StartRun function name or ARN (env ${TRACKING_SETTINGS.startRun.env})`))
    .addOption(new Option('--log-metrics-function <name>', `LogMetrics function name or ARN (env ${TRACKING_SETTINGS.logMetrics.env})`))
    .addOption(new Option('--end-run-function <name>', `EndRun function name or ARN (env ${TRACKING_SETTINGS.endRun.env})`))
    .addOption(new Option('--query-runs-function <name>', `QueryRuns function name or ARN (env ${TRACKING_SETTINGS.queryRuns.env})`))
    .addOption(new Option('--sweep-runs-function <name>', `SweepRuns function name or ARN (env ${TRACKING_SETTINGS.sweepRuns.env})`))
    .addOption(new Option('--collect-data-function <name>', `CollectData function name or ARN (env ${MONITORING_SETTINGS.collectData.env})`))
    .addOption(new Option('--register-baseline-function <name>', `RegisterBaseline function name or ARN (env ${MONITORING_SETTINGS.registerBaseline.env})`))
    .addOption(new Option('--query-monitoring-function <name>', `QueryMonitoring function name or ARN (env ${MONITORING_SETTINGS.queryMonitoring.env})`))
    .addOption(new Option('--register-image-function <name>', `RegisterImage function name or ARN (env ${IMAGES_SETTINGS.registerImage.env})`))
    .addOption(new Option('--query-images-function <name>', `QueryImages function name or ARN (env ${IMAGES_SETTINGS.queryImages.env})`))
    .addOption(new Option('--region <region>', 'the AWS region (default: the SDK chain, e.g. AWS_REGION)'))
    .addOption(
      new Option(
        '--local',
        `use the platform npm run local started, described in ${DEFAULT_DATA_DIRECTORY}/${DESCRIPTOR_FILE} (env ${LOCAL_ENV}: 1, or another descriptor's path)`,
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

  addRunCommands(program, context);
  addMonitorCommands(program, context);
  addImageCommands(program, context);
  return program;
}
