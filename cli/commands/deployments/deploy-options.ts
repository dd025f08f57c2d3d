import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CreateDeploymentRequest } from '../../../lambda/deployments/core/schemas';
import { parseDuration, parseMinutes, parseWhole } from '../../parse';
import { BadInputError } from '../monitoring/monitor-dataset';

/** The `deploy` options that shape a rollout and its compute, and how they become a request's fields. */

type Strategy = NonNullable<CreateDeploymentRequest['strategy']>;
type Compute = NonNullable<CreateDeploymentRequest['compute']>;
type Alarms = NonNullable<CreateDeploymentRequest['alarms']>;

export interface StrategyOptions {
  readonly strategy?: Strategy['kind'];
  readonly canaryPercent?: number;
  readonly stepPercent?: number;
  /** Whole minutes. */
  readonly bake?: number;
  /** Whole minutes. */
  readonly stepInterval?: number;
}

export interface ComputeOptions {
  readonly memory?: number;
  readonly maxConcurrency?: number;
  readonly instanceType?: string;
  readonly instanceCount?: number;
}

export interface AlarmOptions {
  readonly maxErrorRate?: number;
  /** Milliseconds. */
  readonly maxLatencyP99?: number;
}

/** `1s`, `800ms`; a bare number is milliseconds. */
export function parseMilliseconds(text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text) : parseDuration(text);
  if (!Number.isInteger(ms)) throw new InvalidArgumentError('expected whole milliseconds.');
  return ms;
}

/** A percentage such as `5` or `0.5`. */
export function parsePercent(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError('expected a percentage, like 5 or 0.5.');
  return value;
}

export function addStrategyOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--strategy <kind>', 'how an update reaches the new version (canary and linear need instances)').choices(['all-at-once', 'canary', 'linear']),
    )
    .addOption(new Option('--canary-percent <percent>', 'the share of traffic the canary takes first (1 to 50; default 10)').argParser(parseWhole))
    .addOption(new Option('--step-percent <percent>', 'the share each linear step moves (10 to 50; default 20)').argParser(parseWhole))
    .addOption(
      new Option(
        '--bake <minutes>',
        'how long the alarms watch each step before the next, and the last before the old version goes (default 10m; a canary, at least 3m)',
      ).argParser(parseMinutes),
    )
    .addOption(new Option('--step-interval <minutes>', 'the wait between linear steps (default 5m, at least 3m)').argParser(parseMinutes));
}

export function addComputeOptions(command: Command): Command {
  return command
    .addOption(new Option('--memory <MB>', 'serverless memory: 1024 to 6144, in steps of 1024 (default 2048)').argParser(parseWhole))
    .addOption(new Option('--max-concurrency <n>', 'serverless: requests served at once, 1 to 200 (default 5)').argParser(parseWhole))
    .addOption(
      new Option(
        '--instance-type <type>',
        'serve on real-time instances of this type (ml.m5.large, ...) instead of serverless: billed by the hour, idle or not',
      ),
    )
    .addOption(new Option('--instance-count <n>', 'how many instances (1 to 10; default 1)').argParser(parseWhole));
}

export function addAlarmOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--max-error-rate <percent>', "roll back when the new version's 5xx share passes this, per minute (default 5)").argParser(parsePercent),
    )
    .addOption(
      new Option('--max-latency-p99 <duration>', "roll back when the new version's p99 model latency passes this (default 1s)").argParser(parseMilliseconds),
    );
}

/** The strategy the options name, or undefined to keep the deployment's (or the default). Options of another kind are refused. */
export function strategyOf(options: StrategyOptions): Strategy | undefined {
  const kind =
    options.strategy ??
    (options.canaryPercent !== undefined ? 'canary' : options.stepPercent !== undefined || options.stepInterval !== undefined ? 'linear' : undefined);
  if (kind === undefined) return options.bake === undefined ? undefined : { kind: 'all-at-once', bakeMinutes: options.bake };
  const misplaced = [
    kind !== 'canary' && options.canaryPercent !== undefined && '--canary-percent',
    kind !== 'linear' && options.stepPercent !== undefined && '--step-percent',
    kind !== 'linear' && options.stepInterval !== undefined && '--step-interval',
    kind === 'linear' && options.bake !== undefined && '--bake',
  ].filter((flag): flag is string => flag !== false);
  if (misplaced.length > 0)
    throw new BadInputError(
      `${misplaced.join(' and ')} do not apply to --strategy ${kind}${kind === 'linear' ? ' (a linear step waits --step-interval)' : ''}`,
    );
  if (kind === 'canary') return { kind, percent: options.canaryPercent, bakeMinutes: options.bake };
  if (kind === 'linear') return { kind, stepPercent: options.stepPercent, intervalMinutes: options.stepInterval };
  return { kind, bakeMinutes: options.bake };
}

/** Instances when an instance type is given, else serverless. Options of the other kind are refused. */
export function computeOf(options: ComputeOptions): Compute {
  if (options.instanceType !== undefined) {
    const misplaced = [options.memory !== undefined && '--memory', options.maxConcurrency !== undefined && '--max-concurrency'].filter(Boolean);
    if (misplaced.length > 0) throw new BadInputError(`${misplaced.join(' and ')} apply to serverless deployments, not to --instance-type`);
    return { kind: 'instances', instanceType: options.instanceType, count: options.instanceCount };
  }
  if (options.instanceCount !== undefined) throw new BadInputError('--instance-count needs --instance-type');
  return { kind: 'serverless', memoryMb: options.memory, maxConcurrency: options.maxConcurrency };
}

export function alarmsOf(options: AlarmOptions): Alarms {
  return { errorRatePercent: options.maxErrorRate, latencyP99Ms: options.maxLatencyP99 };
}
