import { hostname, userInfo } from 'node:os';
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
    awsClients: (region) => {
      // Loaded at first use, not at start: `--version`, `--help` and `--local` never need the default chain's clients.
      const { CloudFormationClient } = require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
      const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
      const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
      return {
        lambda: new LambdaClient({ region }),
        // Emulators on loopback need path-style addressing, as in the functions' own clients.
        s3: new S3Client({ region, forcePathStyle: process.env.MLOPS_S3_FORCE_PATH_STYLE === 'true' }),
        cloudFormation: new CloudFormationClient({ region }),
        sageMakerRuntime: () => {
          const { SageMakerRuntimeClient } = require('@aws-sdk/client-sagemaker-runtime') as typeof import('@aws-sdk/client-sagemaker-runtime');
          return new SageMakerRuntimeClient({ region });
        },
      };
    },
    defaultActor: () => `${osUser()}@${hostname()}`,
  };
}
