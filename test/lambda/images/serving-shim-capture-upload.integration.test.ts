import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3CaptureStore } from '../../../lambda/monitoring/adapters/s3-capture-store';
import { addCaptureFile, type CaptureLine, emptyTally } from '../../../lambda/monitoring/core/capture/capture-file';
import { hourFolder } from '../../../lambda/monitoring/core/capture/hour-folders';
import { buildBaseline } from '../../../lambda/monitoring/core/profile/baseline-profile';
import { emptyWindow } from '../../../lambda/monitoring/core/profile/window-sketch';
import { CALLER_HEADERS, FIXTURES, invoke, SCORE, type Shim, startShim, stopShim } from './serving-shim-harness';

/**
 * The serving shim uploading its capture to S3 itself (serverless deployments), against the moto server the
 * integration setup starts, which checks every request's SigV4 signature against the emulator credentials.
 */
const CAPTURE_PREFIX = 'captured/fraud-endpoint/';
const VARIANT = 'AllTraffic';
const ROW = '10,3,0.25\n';

const s3 = () => new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3, region: process.env.AWS_REGION, forcePathStyle: true });

/** Sends SIGTERM and resolves with the exit code and how long the drain took. */
async function terminate(shim: Shim): Promise<{ code: number | null; seconds: number }> {
  const started = Date.now();
  shim.child.kill('SIGTERM');
  const code = await shim.exited;
  return { code, seconds: (Date.now() - started) / 1000 };
}

/** One invocation's round trip, in ms; the answer must be a 200. */
async function roundTripMs(shim: Shim): Promise<number> {
  const started = performance.now();
  const response = await invoke(shim, 'text/csv', ROW);
  await response.text();
  expect(response.status).toBe(200);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Polls until `read` gives `count` items (or 10 s pass) and returns the last read. */
async function eventually<T>(read: () => Promise<T[]>, count: number): Promise<T[]> {
  const deadline = Date.now() + 10_000;
  let items = await read();
  while (items.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    items = await read();
  }
  return items;
}

describe('the serving shim, uploading its capture to S3', () => {
  let workDir: string;
  let modelDir: string;
  let bucket: string;
  let client: S3Client;
  const shims: Shim[] = [];
  const closers: (() => void)[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mlops-capture-upload-'));
    modelDir = join(workDir, 'model');
    cpSync(join(FIXTURES, 'model'), modelDir, { recursive: true });
    client = s3();
    bucket = `capture-upload-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    await Promise.all(shims.map(stopShim));
    for (const close of closers) close();
    client.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string | undefined>) => {
    const shim = await startShim({ MLOPS_ENTRY_SCRIPT: SCORE, MLOPS_MODEL_DIR: modelDir, ...env });
    shims.push(shim);
    return shim;
  };

  /** The capture under an endpoint's prefix, as the platform's drift check reads it. */
  async function readCapture(prefix: string, since: number) {
    const store = new S3CaptureStore(client, bucket);
    const objects = (await store.list({ bucket, prefix }, since - 1000, Date.now() + 1000)) ?? [];
    const files = await Promise.all(objects.map(async (object) => ({ key: object.key, text: (await store.read(object))! })));
    return files;
  }

  it('uploads the lines of answered requests, with their inference ids and custom attributes, to the hour folder, every M lines and on SIGTERM', async () => {
    const since = Date.now();
    const prefix = `${CAPTURE_PREFIX}lines/`;
    const shim = await start({
      MLOPS_CAPTURE_S3_URI: `s3://${bucket}/${prefix}${VARIANT}`,
      MLOPS_CAPTURE_FLUSH_LINES: '2',
      MLOPS_CAPTURE_FLUSH_SECONDS: '60',
    });

    expect((await invoke(shim, 'text/csv', ROW, CALLER_HEADERS)).status).toBe(200);
    expect((await invoke(shim, 'application/json', '[[2, 1, 0.5]]', { 'X-Amzn-SageMaker-Inference-Id': 'order-1235' })).status).toBe(200);
    expect((await invoke(shim, 'application/json', '[[1, 2]]')).status).toBe(500);
    // Two lines make a batch, uploaded long before the 60 s flush.
    expect(await eventually(() => readCapture(prefix, since), 1)).toHaveLength(1);
    expect((await invoke(shim, 'text/csv', '4,0,0\n')).status).toBe(200);
    // The third line waits for the next batch, or for the drain SIGTERM starts.
    const { code } = await terminate(shim);
    expect(code).toBe(0);

    const files = await readCapture(prefix, since);
    const pattern = new RegExp(`^${prefix}${VARIANT}/(\\d{4}/\\d{2}/\\d{2}/\\d{2}/)${hostname()}-${shim.child.pid}-(\\d+)\\.jsonl$`);
    expect(files.map(({ key }) => pattern.exec(key)?.[2]).sort()).toEqual(['1', '2']);
    const lines = files
      .sort((a, b) => a.key.localeCompare(b.key))
      .flatMap(({ key, text }) =>
        text
          .trimEnd()
          .split('\n')
          .map((line) => ({ key, line: JSON.parse(line) as CaptureLine })),
      );
    for (const { key, line } of lines) expect(pattern.exec(key)?.[1]).toBe(hourFolder(Date.parse(line.eventMetadata!.inferenceTime!)));
    expect(lines.map(({ line }) => [line.captureData?.endpointInput?.data, line.eventMetadata?.inferenceId, line.eventMetadata?.customAttributes])).toEqual([
      [ROW, 'order-1234', 'caller=checkout-service'],
      ['[[2, 1, 0.5]]', 'order-1235', undefined],
      ['4,0,0\n', undefined, undefined],
    ]);

    // Monitoring's reader sketches the records: the three answered requests, four rows.
    const baseline = buildBaseline(
      ['amount', 'age', 'score'].map((name) => ({ name, kind: 'numeric' as const, values: [0, 5, 10] })),
      { createdAt: '2026-11-25T00:00:00.000Z', sketchBins: 10 },
    );
    const window = emptyWindow(baseline);
    const tally = emptyTally();
    for (const { text } of files) addCaptureFile(window, text, { start: since - 1000, end: Date.now() + 1000 }, tally);
    expect(tally).toEqual({ records: 3, outsideWindow: 0, unreadable: 0 });
    expect(window.rows).toBe(3);
    expect(shim.stderr()).not.toMatch(/capture .*(failed|lost|dropped)/);
  });

  it('signs with credentials from the container credentials endpoint, sending its authorization token', async () => {
    const since = Date.now();
    const prefix = `${CAPTURE_PREFIX}container/`;
    const authorizations: (string | undefined)[] = [];
    const endpoint = createHttpServer((request, response) => {
      authorizations.push(request.headers.authorization);
      const credentials = { AccessKeyId: process.env.AWS_ACCESS_KEY_ID, SecretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, Token: 'session-token' };
      response
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ ...credentials, Expiration: new Date(Date.now() + 3_600_000).toISOString() }));
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    closers.push(() => endpoint.close());
    const shim = await start({
      MLOPS_CAPTURE_S3_URI: `s3://${bucket}/${prefix}${VARIANT}`,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v2/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'container-token',
    });

    expect((await invoke(shim, 'text/csv', ROW, CALLER_HEADERS)).status).toBe(200);
    expect((await terminate(shim)).code).toBe(0);

    const files = await readCapture(prefix, since);
    expect(files).toHaveLength(1);
    expect(JSON.parse(files[0].text).eventMetadata).toMatchObject({ inferenceId: 'order-1234', customAttributes: 'caller=checkout-service' });
    expect(authorizations).toEqual(['container-token']);
  });

  it('never slows or fails a prediction when S3 does not answer, and stops within its drain time on SIGTERM', async () => {
    // Accepts connections and never answers: each upload waits for its timeout.
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const plain = await start({});
    const stuck = await start({
      MLOPS_CAPTURE_S3_URI: `s3://${bucket}/${CAPTURE_PREFIX}silent/${VARIANT}`,
      MLOPS_CAPTURE_FLUSH_LINES: '1',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    });

    // Alternated, after a warm-up of each, so both see the same load on the machine.
    const samples: [number, number][] = [];
    for (let n = 0; n < 45; n++) samples.push([await roundTripMs(plain), await roundTripMs(stuck)]);
    const withoutCapture = median(samples.slice(5).map(([time]) => time));
    const withDeadS3 = median(samples.slice(5).map(([, time]) => time));
    console.log(`p50 of 40 invocations: ${withoutCapture.toFixed(2)} ms without capture, ${withDeadS3.toFixed(2)} ms uploading to an S3 that never answers`);
    expect(sockets.length).toBeGreaterThan(0);
    expect(withDeadS3).toBeLessThan(withoutCapture + 20);

    const { code, seconds } = await terminate(stuck);
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(8);
    expect(stuck.stderr()).toMatch(/capture upload did not finish within 5 s: about \d+ queued lines lost/);
  });
});
