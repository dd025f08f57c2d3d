import { InvalidArgumentError, Option } from 'commander';
import type { RunStatus } from '../../../lambda/experiments/core/model';

/** Argument parsers and shared options of the `run` commands. */

/** `--interval 2`, `--interval 0.5`: seconds, more than 0. */
export function parseSeconds(text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds > 0)) throw new InvalidArgumentError('expected a number of seconds, more than 0.');
  return seconds;
}

/** `--limit 20`: a whole number, 1 or more. */
export function parseCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a whole number, 1 or more.');
  return Number(text);
}

export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'COMPLETED', 'FAILED', 'KILLED', 'CRASHED'];

export const statusOption = () => new Option('--status <status>', 'only runs in this status').choices(RUN_STATUSES);

export const modeOption = () =>
  new Option(
    '--mode <mode>',
    'whether higher (max) or lower (min) values of the metric are better (default: min when its name holds loss, error, mse or mae, else max)',
  ).choices(['max', 'min']);
