import { createHash, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { SynthesizedFunction } from '../local/synthesize';
import { round, summarize } from './stats';

type Handler = (event: unknown, context: Context) => Promise<any>;

const context = (functionName: string) => ({ awsRequestId: randomUUID(), functionName }) as Context;

async function timed<T>(act: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await act();
  return [performance.now() - started, result];
}

/**
 * Loads the deployed bundles in this process, one after the other, each after setting its own
 * environment (`environments`, by function name), which it reads at import as at its cold start.
 * The variables stay set; they must point at the emulators.
 */
export async function loadHandlers(
  functions: readonly SynthesizedFunction[],
  environments: Record<string, Record<string, string>>,
): Promise<Record<string, Handler>> {
  const handlers: Record<string, Handler> = {};
  for (const fn of functions) {
    Object.assign(process.env, environments[fn.name]);
    handlers[fn.name] = (await import(pathToFileURL(fn.bundlePath).href)).handler as Handler;
  }
  return handlers;
}

export interface LoadOptions {
  readonly sequentialRegistrations: number;
  readonly throughputRegistrations: number;
  readonly throughputConcurrency: number;
  readonly racingCallers: number;
}

/**
 * Register-model latency (sequential calls), throughput (concurrent callers on separate models),
 * and the time for `racingCallers` concurrent registrations of one model, which must come out as
 * versions 1..n.
 */
export async function measureRegistry(handlers: Record<string, Handler>, s3: S3Client, artifactBucket: string, options: LoadOptions) {
  const body = Buffer.from('benchmark model weights '.repeat(1000));
  const key = 'models/bench/model.bin';
  await s3.send(new PutObjectCommand({ Bucket: artifactBucket, Key: key, Body: body, ChecksumAlgorithm: 'SHA256' }));
  const registration = (name: string) => ({
    name,
    artifact: { uri: `s3://${artifactBucket}/${key}`, sha256: createHash('sha256').update(body).digest('hex') },
    metrics: { auc: 0.91, logloss: 0.3 },
    parameters: { max_depth: '6' },
    tags: { team: 'bench', stage: 'candidate' },
    clientToken: randomUUID(),
  });
  const register = (name: string) => handlers.RegisterModel(registration(name), context('RegisterModel'));

  for (let i = 0; i < 10; i++) await register('bench-warmup');

  const sequential: number[] = [];
  for (let i = 0; i < options.sequentialRegistrations; i++) sequential.push((await timed(() => register('bench-sequential')))[0]);

  const query: number[] = [];
  for (let i = 0; i < options.sequentialRegistrations; i++) {
    query.push((await timed(() => handlers.QueryRegistry({ query: 'getVersion', name: 'bench-sequential' }, context('QueryRegistry'))))[0]);
  }

  const perWorker = Math.ceil(options.throughputRegistrations / options.throughputConcurrency);
  const [throughputMs] = await timed(() =>
    Promise.all(
      Array.from({ length: options.throughputConcurrency }, async (_, worker) => {
        for (let i = 0; i < perWorker; i++) await register(`bench-throughput-${worker}`);
      }),
    ),
  );

  const [raceMs, raced] = await timed(() => Promise.all(Array.from({ length: options.racingCallers }, () => register('bench-race'))));
  const versions = raced.map((result: { version: number }) => result.version).sort((a: number, b: number) => a - b);
  const exact = versions.every((version: number, index: number) => version === index + 1);
  if (!exact) throw new Error(`concurrent registrations produced versions ${versions.join(',')}`);

  return {
    registerModel: summarize(sequential),
    getVersion: summarize(query),
    throughput: {
      registrations: perWorker * options.throughputConcurrency,
      concurrency: options.throughputConcurrency,
      perSecond: round((perWorker * options.throughputConcurrency) / (throughputMs / 1000)),
    },
    concurrentRegistration: { callers: options.racingCallers, wallMs: round(raceMs), versionsExactly1toN: exact },
  };
}
