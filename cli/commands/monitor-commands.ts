import type { Command } from 'commander';
import type { CliContext } from '../context';
import { addBaselineCommand } from './monitor-baseline';
import { addCheckCommand } from './monitor-check';

/** `mlops monitor ...`: data drift, on local files. */
export function addMonitorCommands(program: Command, context: CliContext): void {
  const monitor = program.command('monitor').description('data drift: compare a data set with a reference, profile training data as a baseline');
  addCheckCommand(monitor, context);
  addBaselineCommand(monitor, context);
}
