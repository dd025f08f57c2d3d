import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { DeploymentsClient } from '../deployments/deployments-client';
import type { TrackingClient } from '../experiments/experiments-client';
import type { ImagesClient } from '../images/images-client';
import type { MonitoringClient } from '../monitoring/monitoring-client';
import type { RegistryClient } from '../registry/registry-client';
import type { LocalResource, Operation } from './catalogue';
import { ConfigurationError } from './errors';
import { mlopsHome } from './mlops-home';

/**
 * What a running local platform tells its clients, written to `<data directory>/platform.json`
 * (mode 0600): where its endpoints are, what its functions and buckets are called, and the
 * credentials generated at its start, which its Lambda endpoint requires requests to be signed with.
 */
export interface LocalPlatformDescriptor extends Readonly<Record<LocalResource, string>> {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * `mlflow`: MLflow's REST API (`MLFLOW_TRACKING_URI`); `sagemakerRuntime`: the SageMaker Runtime stand-in serving the
   * deployments' endpoints. Each is absent from descriptors of platforms older than it.
   */
  readonly endpoints: { readonly lambda: string; readonly dynamodb: string; readonly s3: string; readonly mlflow?: string; readonly sagemakerRuntime?: string };
  /** Each operation's function (one written by an older local platform lacks those added since: the CLI checks). */
  readonly functions: Readonly<Record<Operation, string>>;
}

export const DEFAULT_DATA_DIRECTORY = '.local';
export const DESCRIPTOR_FILE = 'platform.json';
export { MLOPS_HOME_ENV } from './mlops-home';

/**
 * The well-known per-user copy of the running local platform's descriptor
 * (`$MLOPS_HOME/local-platform.json`, by default `~/.mlops/local-platform.json`), so that
 * `--local` finds the platform from any folder.
 */
export function userDescriptorFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(mlopsHome(env), 'local-platform.json');
}

export function writeDescriptor(file: string, descriptor: LocalPlatformDescriptor): void {
  // A new file, created 0600, then renamed over any earlier one (which could have a wider mode).
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(descriptor, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, file);
}

export function readDescriptor(file: string): LocalPlatformDescriptor {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalPlatformDescriptor;
  } catch (error) {
    throw new Error(`no local platform described at ${file} (${(error as Error).message}): start one with npm run local`);
  }
}

/** SDK clients that talk to the local platform: its Lambda endpoint and its S3 emulator. */
export function localAwsClients(descriptor: LocalPlatformDescriptor): { lambda: LambdaClient; s3: S3Client } {
  const { region, credentials, endpoints } = descriptor;
  return {
    lambda: new LambdaClient({ region, credentials, endpoint: endpoints.lambda }),
    s3: new S3Client({ region, credentials, endpoint: endpoints.s3, forcePathStyle: true }),
  };
}

/** A registry client for the local platform, as `RegistryClient` is for a deployed one. */
export function localRegistryClient(descriptor: LocalPlatformDescriptor): RegistryClient {
  // Each client is required by its own function: the CLI, which reads descriptors here, initializes only the one it uses.
  const { RegistryClient } = require('../registry/registry-client') as typeof import('../registry/registry-client');
  return new RegistryClient({ functions: descriptor.functions, artifactBucket: descriptor.artifactBucket, ...localAwsClients(descriptor) });
}

/** A tracking client for the local platform, as `TrackingClient` is for a deployed one. */
export function localTrackingClient(descriptor: LocalPlatformDescriptor): TrackingClient {
  const { TrackingClient } = require('../experiments/experiments-client') as typeof import('../experiments/experiments-client');
  return new TrackingClient({ functions: descriptor.functions, lambda: localAwsClients(descriptor).lambda });
}

/** A monitoring client for the local platform, as `MonitoringClient` is for a deployed one. */
export function localMonitoringClient(descriptor: LocalPlatformDescriptor): MonitoringClient {
  const { MonitoringClient } = require('../monitoring/monitoring-client') as typeof import('../monitoring/monitoring-client');
  return new MonitoringClient({ functions: descriptor.functions, artifactBucket: descriptor.artifactBucket, ...localAwsClients(descriptor) });
}

/** An images client for the local platform, as `ImagesClient` is for a deployed one. */
export function localImagesClient(descriptor: LocalPlatformDescriptor): ImagesClient {
  const { ImagesClient } = require('../images/images-client') as typeof import('../images/images-client');
  return new ImagesClient({ functions: descriptor.functions, artifactBucket: descriptor.artifactBucket, ...localAwsClients(descriptor) });
}

/** A SageMaker Runtime client for the local platform's stand-in, which serves the deployments' endpoints. */
export function localSageMakerRuntimeClient(descriptor: LocalPlatformDescriptor): SageMakerRuntimeClient {
  const endpoint = descriptor.endpoints.sagemakerRuntime;
  if (!endpoint) throw new ConfigurationError("the local platform's descriptor names no SageMaker Runtime endpoint: restart npm run local");
  const { SageMakerRuntimeClient } = require('@aws-sdk/client-sagemaker-runtime') as typeof import('@aws-sdk/client-sagemaker-runtime');
  return new SageMakerRuntimeClient({ region: descriptor.region, credentials: descriptor.credentials, endpoint });
}

/** A deployments client for the local platform, as `DeploymentsClient` is for a deployed one. */
export function localDeploymentsClient(descriptor: LocalPlatformDescriptor): DeploymentsClient {
  const { DeploymentsClient } = require('../deployments/deployments-client') as typeof import('../deployments/deployments-client');
  return new DeploymentsClient({
    functions: descriptor.functions,
    lambda: localAwsClients(descriptor).lambda,
    sageMakerRuntime: () => localSageMakerRuntimeClient(descriptor),
  });
}
