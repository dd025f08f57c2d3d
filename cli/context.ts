import type { ChildProcess } from 'node:child_process';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

/** Where the CLI writes: a process stream, or a buffer in tests. */
export interface Terminal {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface AwsClients {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly cloudFormation: CloudFormationClient;
  /** Made at the first call: only `endpoint invoke` sends through it. */
  readonly sageMakerRuntime: () => SageMakerRuntimeClient;
}

export type ForwardedSignal = 'SIGINT' | 'SIGTERM';

/** The child processes and signals `mlops run exec` works with. */
export interface ProcessControl {
  /** Starts `command` with the CLI's stdin and piped stdout and stderr. */
  spawn(command: string, args: readonly string[], options: { readonly env: Readonly<Record<string, string | undefined>>; readonly cwd: string }): ChildProcess;
  /** Calls `handler` when the CLI receives `signal` (instead of exiting); returns the unsubscribe. */
  onSignal(signal: ForwardedSignal, handler: () => void): () => void;
  /** The working directory commands run in. */
  cwd(): string;
  /** The commit checked out in the git repository holding `cwd`; undefined outside one or without git. */
  gitSource(cwd: string): Promise<GitSource | undefined>;
}

/** Where a run's code came from. */
export interface GitSource {
  readonly commit: string;
  /** Tracked files differ from the commit; undefined when git could not tell. */
  readonly dirty?: boolean;
}

/** Time, for elapsed times and polling. */
export interface CliClock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Everything the CLI takes from its surroundings, so tests can run it in-process. */
export interface CliContext {
  readonly stdout: Terminal;
  readonly stderr: Terminal;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Builds the AWS clients; `region` undefined means the SDK's default chain. */
  readonly awsClients: (region: string | undefined) => AwsClients;
  /** Who runs the command when `MLOPS_ACTOR` is unset. */
  readonly defaultActor: () => string;
  /** @default - this process: node's `spawn`, `process.on`, `git rev-parse HEAD` and `git status` */
  readonly processes?: ProcessControl;
  /** @default - the system clock and timers */
  readonly clock?: CliClock;
  /** What `-` reads as a file (`endpoint invoke --body -`). @default - this process's stdin */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
}
