import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CaptureLine } from '../lambda/monitoring/core/capture/capture-file';
import { hourFolder } from '../lambda/monitoring/core/capture/hour-folders';
import { s3Location } from './image-files';
import type { CaptureSettings } from './sagemaker-endpoints';

/**
 * Data capture on this machine, SageMaker's or the platform's shim's: each answered invocation becomes a line of
 * SageMaker's capture format (what the drift checks read, with the caller's inference id, and the custom attributes
 * where the shim captures), and lines are written in
 * batches to `<destination>/yyyy/mm/dd/hh/<file>.jsonl` in the monitoring bucket on moto. Capturing never delays or
 * fails an invocation: lines are buffered, and a failed write is logged and dropped, as SageMaker drops capture
 * under pressure.
 */

export interface CapturedInvocation {
  readonly at: Date;
  readonly input: { readonly contentType: string; readonly body: Buffer };
  readonly output: { readonly contentType: string; readonly body: Buffer };
  readonly inferenceId?: string;
  readonly customAttributes?: string;
}

export interface EndpointCaptureOptions {
  readonly s3: S3Client;
  /**
   * How often buffered lines are written.
   * @default 1000
   */
  readonly flushIntervalMs?: number;
  /**
   * A batch this large is written at once.
   * @default 500
   */
  readonly maxBatchLines?: number;
  /** @default - silent */
  readonly log?: (line: string) => void;
}

const DEFAULT_FLUSH_INTERVAL_MS = 1000;
const DEFAULT_MAX_BATCH_LINES = 500;

export class EndpointCapture {
  /** Lines waiting, by the hour folder they go to. */
  private batches = new Map<string, string[]>();
  private readonly timer: NodeJS.Timeout;
  private writes = new Set<Promise<void>>();

  constructor(private readonly options: EndpointCaptureOptions) {
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Buffers the invocation's line, if the sampling draw takes it. */
  add(settings: CaptureSettings, invocation: CapturedInvocation, draw = Math.random()): void {
    if (draw * 100 >= settings.samplingPercentage) return;
    const folder = `${settings.destination}/${hourFolder(invocation.at.getTime())}`;
    const batch = this.batches.get(folder) ?? [];
    batch.push(JSON.stringify(captureLine(settings.customAttributes ? invocation : { ...invocation, customAttributes: undefined })));
    this.batches.set(folder, batch);
    if (batch.length >= (this.options.maxBatchLines ?? DEFAULT_MAX_BATCH_LINES)) this.write(folder, batch);
  }

  /** Writes every buffered line; resolves once all writes so far have ended. */
  async flush(): Promise<void> {
    for (const [folder, batch] of this.batches) this.write(folder, batch);
    await Promise.all(this.writes);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private write(folder: string, batch: string[]): void {
    this.batches.delete(folder);
    const { bucket, key } = s3Location(`${folder}${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.jsonl`);
    const write = this.options.s3
      .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${batch.join('\n')}\n`, ContentType: 'application/jsonl' }))
      .then(
        () => undefined,
        (error: Error) => this.options.log?.(`capture of ${batch.length} invocations to s3://${bucket}/${key} dropped: ${error.message}`),
      )
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }
}

/**
 * One capture line as SageMaker writes it, with CSV and JSON bodies as text (the platform's endpoint configs list
 * `text/csv` and `application/json` as capture content types) and anything else base64.
 */
export function captureLine(invocation: CapturedInvocation): CaptureLine {
  const payload = (mode: 'INPUT' | 'OUTPUT', { contentType, body }: CapturedInvocation['input']) => {
    const encoding = encodingOf(contentType);
    return { observedContentType: contentType, mode, data: body.toString(encoding === 'BASE64' ? 'base64' : 'utf8'), encoding };
  };
  return {
    captureData: { endpointInput: payload('INPUT', invocation.input), endpointOutput: payload('OUTPUT', invocation.output) },
    eventMetadata: {
      eventId: randomUUID(),
      inferenceTime: invocation.at.toISOString(),
      ...(invocation.inferenceId ? { inferenceId: invocation.inferenceId } : {}),
      ...(invocation.customAttributes ? { customAttributes: invocation.customAttributes } : {}),
    },
    eventVersion: '0',
  };
}

function encodingOf(contentType: string): 'CSV' | 'JSON' | 'BASE64' {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === 'text/csv') return 'CSV';
  return mediaType === 'application/json' ? 'JSON' : 'BASE64';
}
