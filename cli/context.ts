import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';

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
}
