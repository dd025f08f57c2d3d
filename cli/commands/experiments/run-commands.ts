import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { addCompareCommand } from './run-compare';
import { addExecCommand } from './run-exec';
import { addListCommand } from './run-list';
import { addShowCommand } from './run-show';
import { addSweepCommand } from './run-sweep';
import { addWatchCommand } from './run-watch';

/** `mlops run ...`: experiment tracking. */
export function addRunCommands(program: Command, context: CliContext): void {
  const run = program.command('run').description('track training runs: run a command as one, follow it, list, show and compare runs');
  addExecCommand(run, context);
  addWatchCommand(run, context);
  addListCommand(run, context);
  addShowCommand(run, context);
  addCompareCommand(run, context);
  addSweepCommand(run, context);
}
