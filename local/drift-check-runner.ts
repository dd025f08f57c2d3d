import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CheckStep, Chunk } from '../lambda/monitoring/core/check-drift';
import type { MonitorConfig } from '../lambda/monitoring/core/schemas';

/** What a monitor's schedule starts: the drift-check state machine's input. */
export interface DriftCheckInput {
  readonly config: MonitorConfig;
  /** The schedule's time (ISO 8601): the end of the window. */
  readonly windowEnd: string;
}

export interface DriftCheckRunnerOptions {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly functions: { readonly checkDrift: string; readonly sketchCaptureChunk: string };
  readonly monitoringBucket: string;
  /**
   * Chunks sketched at once, as the Distributed Map's `maxConcurrency`.
   * @default 4
   */
  readonly concurrency?: number;
}

/**
 * Runs a drift check as the `DriftCheck` state machine (lib/monitoring/drift-check-workflow.ts)
 * does, for the local platform, which has no Step Functions: `CheckDrift` plans; a fanned-out
 * window's manifest chunks go to `SketchCaptureChunk`, then `CheckDrift` finishes.
 */
export function driftCheckRunner(options: DriftCheckRunnerOptions) {
  const invoke = async <R>(functionName: string, payload: unknown): Promise<R> => {
    const response = await options.lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
    const body = JSON.parse(new TextDecoder().decode(response.Payload));
    if (response.FunctionError) throw new Error(`${functionName} failed with ${body.errorType}: ${body.errorMessage}`);
    return body as R;
  };

  return async ({ config, windowEnd }: DriftCheckInput): Promise<Extract<CheckStep, { status: 'done' }>> => {
    const planned = await invoke<CheckStep>(options.functions.checkDrift, { phase: 'plan', config, windowEnd });
    if (planned.status === 'done') return planned;
    const { Body } = await options.s3.send(new GetObjectCommand({ Bucket: options.monitoringBucket, Key: planned.manifestKey }));
    const pending = JSON.parse(await Body!.transformToString('utf8')) as Chunk[];
    const sketchNext = async (): Promise<void> => {
      for (let chunk = pending.shift(); chunk; chunk = pending.shift()) {
        await invoke(options.functions.sketchCaptureChunk, { config: planned.config, checkId: planned.checkId, chunk });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, sketchNext));
    return (await invoke<CheckStep>(options.functions.checkDrift, { phase: 'finish', config: planned.config, checkId: planned.checkId })) as Extract<
      CheckStep,
      { status: 'done' }
    >;
  };
}
