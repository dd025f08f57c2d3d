import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { addBaselineCommand } from './monitor-baseline';
import { addCheckCommand } from './monitor-check';
import { addCollectCommand } from './monitor-collect';
import { addManageCommands } from './monitor-manage';
import { addReportCommand } from './monitor-report';
import { addStatusCommand } from './monitor-status';

/** `mlops monitor ...`: data drift, on local files and in the deployed monitors. */
export function addMonitorCommands(program: Command, context: CliContext): void {
  const monitor = program
    .command('monitor')
    .description(
      "data drift: compare a data set with a reference, profile training data and register it as a model version's baseline, " +
        'store monitors the platform checks on its schedule, and follow their checks and drift reports',
    );
  addCheckCommand(monitor, context);
  addBaselineCommand(monitor, context);
  addCollectCommand(monitor, context);
  addStatusCommand(monitor, context);
  addReportCommand(monitor, context);
  addManageCommands(monitor, context);
}
