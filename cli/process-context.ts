import { hostname, userInfo } from 'node:os';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { CliContext } from './context';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** The real process: its streams, environment, and SDK clients from the default credential chain. */
export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    awsClients: (region) => ({
      lambda: new LambdaClient({ region }),
      // Emulators on loopback need path-style addressing, as in the functions' own clients.
      s3: new S3Client({ region, forcePathStyle: process.env.MLOPS_S3_FORCE_PATH_STYLE === 'true' }),
      cloudFormation: new CloudFormationClient({ region }),
    }),
    defaultActor: () => `${osUser()}@${hostname()}`,
  };
}
