import { type Command, Option } from 'commander';
import type { DeploymentsClient } from '../../../client/deployments/deployments-client';
import type { DeploymentRecord } from '../../../lambda/deployments/core/model';
import { connectDeployments, type GlobalOptions, type Need } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { EXIT_FAILED, ExitStatus } from '../../exit-status';
import { parseDuration } from '../../parse';
import { writeBlocks, writeJson } from '../../render/output';
import { statusLine } from '../monitoring/monitor-dataset';
import { renderDeployment, renderProgress } from './deploy-details';

export interface FollowOptions {
  readonly wait?: boolean;
  /** Milliseconds. */
  readonly timeout: number;
  /** Milliseconds between polls. */
  readonly poll: number;
}

/** `--wait`, `--timeout` and `--poll`, shared by the commands that start something SageMaker finishes. */
export function addFollowOptions(command: Command): Command {
  return command
    .option('--wait', 'follow the deployment until it is IN_SERVICE, FAILED or DELETED, showing its progress')
    .addOption(new Option('--timeout <duration>', 'with --wait: give up (exit 1) after this long').argParser(parseDuration).default(60 * 60_000, '1h'))
    .addOption(new Option('--poll <duration>', 'with --wait: time between polls').argParser(parseDuration).default(10_000, '10s'));
}

/** A client for a command that starts something: its operation, and the query `--wait` follows it with. */
export function connectFollowing(context: CliContext, globals: GlobalOptions, operation: Need<'deployments'>, options: FollowOptions) {
  return connectDeployments(context, globals, options.wait ? [operation, 'queryDeployments'] : [operation]);
}

/**
 * Prints what a command started; with `--wait`, follows it first (on a terminal, one line redrawn in place;
 * otherwise a line per status reached, unless `--json`), then prints where it settled. A FAILED deployment, or a
 * rollout that was rolled back, ends with exit status 1.
 */
export async function showOrFollow(
  context: CliContext,
  client: DeploymentsClient,
  started: DeploymentRecord,
  options: FollowOptions,
  json: boolean,
): Promise<void> {
  const clock = clockOf(context);
  if (!options.wait) {
    if (json) return writeJson(context.stdout, started);
    return writeBlocks(context.stdout, ...renderDeployment(started, clock.now()));
  }
  const since = clock.now();
  const line = statusLine(context.stderr);
  let lastStatus: string | undefined;
  let settled: DeploymentRecord;
  try {
    settled = await client.waitForDeployment(started.name, {
      pollIntervalMs: options.poll,
      timeoutMs: options.timeout,
      clock: { now: () => new Date(clock.now()), sleep: (ms) => clock.sleep(ms) },
      onProgress: (record) => {
        if (context.stderr.isTTY === true) return line.show(renderProgress(record, since, clock.now()));
        if (json || record.status === lastStatus) return;
        lastStatus = record.status;
        context.stderr.write(`${renderProgress(record, since, clock.now())}\n`);
      },
    });
  } finally {
    line.clear();
  }
  if (json) writeJson(context.stdout, settled);
  else writeBlocks(context.stdout, ...renderDeployment(settled, clock.now()));
  const rolledBack = started.pending !== undefined && settled.current?.revision !== started.pending.revision && settled.status !== 'DELETED';
  if (settled.status === 'FAILED' || (rolledBack && started.status !== 'ROLLING_BACK')) throw new ExitStatus(EXIT_FAILED);
}
