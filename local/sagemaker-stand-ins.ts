import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import { EndpointCapture } from './endpoint-capture';
import { type ImageFleetsOptions, imageFleets } from './endpoint-fleets';
import { EndpointMetrics } from './endpoint-metrics';
import { type HostingSnapshot, SageMakerEndpoints } from './sagemaker-endpoints';
import { startSageMakerHostingServer } from './sagemaker-hosting-server';
import { startSageMakerRuntimeServer } from './sagemaker-runtime-server';
import type { LocalCredentials } from './sigv4-verifier';

/**
 * SageMaker hosting and SageMaker Runtime on this machine, wired together: endpoints served by serving-shim
 * processes of the platform's images, invocations routed, counted (the rollback alarms on moto follow them) and
 * captured to the monitoring bucket on moto.
 */

export interface SageMakerStandInsOptions {
  /** Clients of moto: S3 (the images' files, the capture) and CloudWatch (the alarms and metrics). */
  readonly s3: S3Client;
  readonly cloudWatch: CloudWatchClient;
  readonly findImage: ImageFleetsOptions['findImage'];
  /** The credentials whose signed requests both serve: the functions' (moto's) and the descriptor's. */
  readonly credentials: readonly LocalCredentials[];
  /** Where the SageMaker actions other than hosting go. */
  readonly moto: { readonly endpoint: string; readonly credentials: LocalCredentials };
  /**
   * How long a SageMaker and CloudWatch minute lasts, in milliseconds: rollout waits, alarm periods and published
   * minutes scale with it, so a test or the demo runs a ten-minute bake in seconds.
   * @default 60_000 (real time)
   */
  readonly minuteMs?: number;
  /**
   * Where the models, configs and endpoints are kept across restarts (JSON): each endpoint starts again on the config
   * it served.
   * @default - nothing kept
   */
  readonly stateFile?: string;
  /** Progress lines (endpoints in service, rollout steps, rollbacks, alarm states). @default - silent */
  readonly log?: (line: string) => void;
  /** One line per invocation. @default - none */
  readonly logInvocation?: (line: string) => void;
}

export interface SageMakerStandIns {
  /** What `AWS_ENDPOINT_URL_SAGEMAKER` points at. */
  readonly hostingEndpoint: string;
  /** A `SageMakerRuntimeClient`'s endpoint. */
  readonly runtimeEndpoint: string;
  /** Stops both listeners and every serving shim, after writing the capture held. */
  stop(): Promise<void>;
}

export async function startSageMakerStandIns(options: SageMakerStandInsOptions): Promise<SageMakerStandIns> {
  const { cloudWatch, log } = options;
  const endpoints = new SageMakerEndpoints({
    startFleet: imageFleets({ s3: options.s3, findImage: options.findImage }),
    firingAlarms: async (names) => {
      // moto ignores the StateValue filter when alarms are named: the states are read here.
      const { MetricAlarms = [] } = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [...names] }));
      return MetricAlarms.flatMap(({ AlarmName, StateValue }) => (AlarmName && StateValue === 'ALARM' ? [AlarmName] : []));
    },
    minuteMs: options.minuteMs,
    log,
    onChange: options.stateFile === undefined ? undefined : (snapshot) => keep(options.stateFile!, snapshot),
  });
  if (options.stateFile !== undefined && existsSync(options.stateFile))
    endpoints.restore(JSON.parse(readFileSync(options.stateFile, 'utf8')) as HostingSnapshot);
  const metrics = new EndpointMetrics({ cloudWatch, minuteMs: options.minuteMs, log });
  const capture = new EndpointCapture({ s3: options.s3, log });
  const stops: (() => Promise<void>)[] = [() => endpoints.stop(), () => metrics.stop(), () => capture.stop()];
  const stop = async () => {
    await Promise.all(stops.map((stopOne) => stopOne()));
  };
  try {
    const hosting = await startSageMakerHostingServer({ endpoints, credentials: options.credentials, moto: options.moto });
    stops.unshift(() => hosting.stop());
    const runtime = await startSageMakerRuntimeServer({
      route: (endpoint, variant) => endpoints.route(endpoint, variant),
      credentials: options.credentials,
      metrics,
      capture,
      log: options.logInvocation,
    });
    stops.unshift(() => runtime.stop());
    metrics.start();
    return { hostingEndpoint: hosting.endpoint, runtimeEndpoint: runtime.endpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Writes the snapshot whole or not at all (a new file renamed over the old). */
function keep(file: string, snapshot: HostingSnapshot): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temporary, file);
}
