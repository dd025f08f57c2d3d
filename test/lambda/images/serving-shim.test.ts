import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { addCaptureFile, type CaptureLine, emptyTally } from '../../../lambda/monitoring/core/capture/capture-file';
import { hourFolder } from '../../../lambda/monitoring/core/capture/hour-folders';
import { buildBaseline } from '../../../lambda/monitoring/core/profile/baseline-profile';
import { emptyWindow } from '../../../lambda/monitoring/core/profile/window-sketch';
import { answersHttp, nonLoopbackAddress } from '../../support/network';
import { CALLER_HEADERS, FIXTURES, invoke, SCORE, type Shim, SPAWN_TIMEOUT_MS, startShim, stopShim } from './serving-shim-harness';

/**
 * The fixture model, `fraud-linear` version 3: 1 + 0.5·amount − 2·age + 10·score (binary-exact).
 * [10, 3, 0.25] → 2.5, [2, 1, 0.5] → 5, [4, 0, 0] → 3.
 */
const JSON_REQUEST = {
  instances: [
    { amount: 10, age: 3, score: 0.25 },
    { amount: 2, age: 1, score: 0.5 },
  ],
};
const CSV_REQUEST = '10,3,0.25\r\n2,1,0.5\r\n\r\n4,0,0\r\n';

async function answerOf(response: Response): Promise<{ status: number; contentType: string | null; body: unknown }> {
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
}

/** The status line of a request written by hand (fetch always sends the body its headers announce). */
function rawStatusLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Latin-1, so each character is one byte, as HTTP header fields are read.
    const socket = connect(port, '127.0.0.1', () => socket.write(request, 'latin1'));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (!received.includes('\r\n')) return;
      socket.destroy();
      resolve(received.slice(0, received.indexOf('\r\n')));
    });
    socket.on('error', reject);
  });
}

const filesUnder = (directory: string): string[] =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(directory, entry.name)) : [join(directory, entry.name)],
  );

describe('the serving shim', () => {
  let shim: Shim;
  let workDir: string;
  let captureDir: string;
  let startedAt: number;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mlops-serving-'));
    const modelDir = join(workDir, 'model');
    captureDir = join(workDir, 'capture');
    cpSync(join(FIXTURES, 'model'), modelDir, { recursive: true });
    startedAt = Date.now();
    shim = await startShim({ MLOPS_ENTRY_SCRIPT: SCORE, MLOPS_MODEL_DIR: modelDir, MLOPS_CAPTURE_DIR: captureDir });
  }, SPAWN_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    await stopShim(shim);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('answers /ping 200 healthy', async () => {
    expect(await answerOf(await fetch(`${shim.url}/ping`))).toEqual({ status: 200, contentType: 'application/json', body: { status: 'healthy' } });
  });

  it('answers JSON with the predictions of the model init() loaded', async () => {
    const answer = await answerOf(await invoke(shim, 'application/json; charset=utf-8', JSON.stringify(JSON_REQUEST), CALLER_HEADERS));
    expect(answer).toEqual({ status: 200, contentType: 'application/json', body: { predictions: [2.5, 5] } });
  });

  it('answers CSV rows (no header, blank lines skipped, cells as numbers) with their predictions', async () => {
    const answer = await answerOf(await invoke(shim, 'text/csv', CSV_REQUEST));
    expect(answer).toEqual({ status: 200, contentType: 'application/json', body: { predictions: [2.5, 5, 3] } });
  });

  it('answers 500 naming the error when run() raises, and keeps serving', async () => {
    const failed = await answerOf(await invoke(shim, 'application/json', '[[1, 2]]'));
    expect(failed).toEqual({ status: 500, contentType: 'application/json', body: { error: 'run() failed: ValueError: expected 3 features, got 2' } });

    expect((await fetch(`${shim.url}/ping`)).status).toBe(200);
    expect(await answerOf(await invoke(shim, 'application/json', '[[4, 0, 0]]'))).toEqual({
      status: 200,
      contentType: 'application/json',
      body: { predictions: [3] },
    });
  });

  it('refuses bad JSON (400), other content types (415), unknown paths (404) and bodies over 6 MB (413)', async () => {
    const badJson = await answerOf(await invoke(shim, 'application/json', '{"instances": [1, 2'));
    expect(badJson.status).toBe(400);
    expect(badJson.body).toEqual({ error: expect.stringMatching(/^the body is not valid JSON: /) });

    expect(await answerOf(await invoke(shim, 'text/plain', '1,2,3'))).toEqual({
      status: 415,
      contentType: 'application/json',
      body: { error: 'unsupported content type text/plain: send application/json or text/csv' },
    });

    const unknown = await fetch(`${shim.url}/predict`);
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();

    const oversized = 6 * 1024 * 1024 + 1;
    const tooLarge = `POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\nContent-Length: ${oversized}\r\n\r\n`;
    expect(await rawStatusLine(shim.port, tooLarge)).toBe('HTTP/1.0 413 Request Entity Too Large');
  });

  it('captures the successful invocations in files that monitoring reads', () => {
    const files = filesUnder(captureDir);
    const lines = files.flatMap((file) => {
      const fileLines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '');
      // Each file lies in the hour folder of its lines' inference time, named by host and process.
      for (const line of fileLines) {
        const time = Date.parse((JSON.parse(line) as CaptureLine).eventMetadata!.inferenceTime!);
        expect(relative(captureDir, file)).toBe(`${hourFolder(time)}${hostname()}-${shim.child.pid}.jsonl`);
      }
      return fileLines;
    });

    // The JSON, CSV and second JSON requests; the failed and refused ones are not captured.
    const captured = lines.map((line) => JSON.parse(line) as CaptureLine);
    expect(captured.map((line) => line.captureData)).toEqual([
      {
        endpointInput: { observedContentType: 'application/json', mode: 'INPUT', data: JSON.stringify(JSON_REQUEST), encoding: 'JSON' },
        endpointOutput: { observedContentType: 'application/json', mode: 'OUTPUT', data: '{"predictions":[2.5,5.0]}', encoding: 'JSON' },
      },
      {
        endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: CSV_REQUEST, encoding: 'CSV' },
        endpointOutput: { observedContentType: 'application/json', mode: 'OUTPUT', data: '{"predictions":[2.5,5.0,3.0]}', encoding: 'JSON' },
      },
      {
        endpointInput: { observedContentType: 'application/json', mode: 'INPUT', data: '[[4, 0, 0]]', encoding: 'JSON' },
        endpointOutput: { observedContentType: 'application/json', mode: 'OUTPUT', data: '{"predictions":[3.0]}', encoding: 'JSON' },
      },
    ]);
    // The caller's inference id and custom attributes go with its request's line, and only with it.
    expect(captured.map(({ eventMetadata }) => [eventMetadata?.inferenceId, eventMetadata?.customAttributes])).toEqual([
      ['order-1234', 'caller=checkout-service'],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    for (const line of captured) {
      expect(line.eventVersion).toBe('0');
      expect(line.eventMetadata?.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(line.eventMetadata?.inferenceTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }

    // Monitoring's own reader, sketching the records in a baseline of the model's three features.
    const baseline = buildBaseline(
      [
        { name: 'amount', kind: 'numeric', values: [1, 5, 10] },
        { name: 'age', kind: 'numeric', values: [0, 2, 4] },
        { name: 'score', kind: 'numeric', values: [0, 0.5, 1] },
      ],
      { createdAt: '2026-11-25T00:00:00.000Z', sketchBins: 10 },
    );
    const window = emptyWindow(baseline);
    const tally = emptyTally();
    for (const file of files) addCaptureFile(window, readFileSync(file, 'utf8'), { start: startedAt - 1000, end: Date.now() + 1000 }, tally);

    expect(tally).toEqual({ records: 6, outsideWindow: 0, unreadable: 0 });
    expect(window.rows).toBe(6);
    const amount = window.features[0];
    expect(amount.kind === 'numeric' && { count: amount.sketch.count, missing: amount.sketch.missing, min: amount.sketch.min, max: amount.sketch.max }).toEqual(
      {
        count: 6,
        missing: 0,
        min: 2,
        max: 10,
      },
    );
  });

  it('stops on SIGTERM with exit code 0', async () => {
    shim.child.kill('SIGTERM');
    expect(await shim.exited).toBe(0);
  });
});

describe('the serving shim, given hostile headers and bodies', () => {
  let shim: Shim;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mlops-serving-'));
    cpSync(join(FIXTURES, 'model'), join(workDir, 'model'), { recursive: true });
    shim = await startShim({ MLOPS_ENTRY_SCRIPT: SCORE, MLOPS_MODEL_DIR: join(workDir, 'model') });
  }, SPAWN_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    await stopShim(shim);
    rmSync(workDir, { recursive: true, force: true });
  });

  const rawRequest = (headers: string, body = '') =>
    rawStatusLine(shim.port, `POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n${headers}\r\n${body}`);

  it('refuses charsets outside the UTF-8, ASCII and Latin-1 families with 415 (punycode decodes in quadratic time)', async () => {
    for (const charset of ['punycode', 'rot13', 'utf-16', 'idna', 'x'.repeat(1000)]) {
      expect(await answerOf(await invoke(shim, `text/csv; charset=${charset}`, '10,3,0.25\n'))).toEqual({
        status: 415,
        contentType: 'application/json',
        body: { error: expect.stringMatching(/^unsupported charset '.{1,40}': send UTF-8, ASCII or Latin-1$/) },
      });
    }
  });

  it('honours the accepted charsets under any of their names', async () => {
    for (const charset of ['UTF8', 'utf_8', 'us-ascii', 'ISO-8859-1', 'latin1', '"utf-8"']) {
      expect(await answerOf(await invoke(shim, `text/csv; charset=${charset}`, '10,3,0.25\n'))).toEqual({
        status: 200,
        contentType: 'application/json',
        body: { predictions: [2.5] },
      });
    }
  });

  it('refuses a Content-Length that is not one plain ASCII number with 400, not 500', async () => {
    expect(await rawRequest('Content-Length: \u00b2\r\n', '10')).toBe('HTTP/1.0 400 Bad Request');
    expect(await rawRequest('Content-Length: 1\u0661\r\n', '10,3,0.25\n')).toBe('HTTP/1.0 400 Bad Request');
    expect(await rawRequest(`Content-Length: ${'9'.repeat(5000)}\r\n`)).toBe('HTTP/1.0 400 Bad Request');
    expect(await rawRequest('Content-Length: 10\r\nContent-Length: 11\r\n', '10,3,0.25\n')).toBe('HTTP/1.0 400 Bad Request');
    expect(await rawRequest('Content-Length: -1\r\n')).toBe('HTTP/1.0 400 Bad Request');
    expect(await rawRequest('Content-Length: 10, 10\r\n', '10,3,0.25\n')).toBe('HTTP/1.0 200 OK');
  });

  it('refuses a transfer coding other than chunked with 400, and chunked with 411', async () => {
    expect(await rawRequest('Transfer-Encoding: gzip\r\n')).toBe('HTTP/1.0 400 Bad Request');
    expect(await rawRequest('Transfer-Encoding: chunked\r\n')).toBe('HTTP/1.0 411 Length Required');
  });

  it('refuses JSON nested too deeply to parse with 400', async () => {
    expect(await answerOf(await invoke(shim, 'application/json', '['.repeat(100_000)))).toEqual({
      status: 400,
      contentType: 'application/json',
      body: { error: 'the body is not valid JSON: it is nested too deeply' },
    });
  });

  it('reads CSV cells of non-ASCII digits as text, not numbers', async () => {
    const answer = await answerOf(await invoke(shim, 'text/csv', '\u0661\u0660,3,0.25\n'));
    expect(answer).toEqual({ status: 500, contentType: 'application/json', body: { error: expect.stringMatching(/^run\(\) failed: TypeError: /) } });
  });
});

describe('the serving shim settings', () => {
  it('refuses a port of non-ASCII digits with a message and exit code 2', async () => {
    const failed = startShim({ MLOPS_ENTRY_SCRIPT: SCORE, PORT: '\u00b2' });
    await expect(failed).rejects.toThrow(/exited with 2 before listening:\nthe port must be a number from 0 to 65535, got '\u00b2'/);
  });

  it('refuses capture upload settings it cannot use with a message and exit code 2', async () => {
    const refused: [Record<string, string>, string][] = [
      [{ MLOPS_CAPTURE_S3_URI: 'https://bucket/captured' }, "MLOPS_CAPTURE_S3_URI must be s3://<bucket>[/<prefix>], got 'https://bucket/captured'"],
      [{ MLOPS_CAPTURE_FLUSH_SECONDS: '0' }, "MLOPS_CAPTURE_FLUSH_SECONDS must be a positive number, got '0'"],
      [{ MLOPS_CAPTURE_FLUSH_SECONDS: 'nan' }, "MLOPS_CAPTURE_FLUSH_SECONDS must be a positive number, got 'nan'"],
      [{ MLOPS_CAPTURE_FLUSH_LINES: '1.5' }, "MLOPS_CAPTURE_FLUSH_LINES must be a positive number, got '1.5'"],
    ];
    for (const [env, message] of refused) {
      await expect(startShim({ MLOPS_ENTRY_SCRIPT: SCORE, ...env })).rejects.toThrow(`exited with 2 before listening:\n${message}`);
    }
  });

  it('listens on MLOPS_BIND_ADDRESS only', async () => {
    const address = nonLoopbackAddress();
    if (!address) {
      console.warn('skipped: this machine has no non-loopback IPv4 address to try');
      return;
    }
    const workDir = mkdtempSync(join(tmpdir(), 'mlops-serving-'));
    const shim = await startShim({ MLOPS_ENTRY_SCRIPT: SCORE, MLOPS_MODEL_DIR: workDir, MLOPS_BIND_ADDRESS: '127.0.0.1' });
    try {
      expect(await answersHttp('127.0.0.1', shim.port)).toBe(true);
      expect(await answersHttp(address, shim.port)).toBe(false);
    } finally {
      await stopShim(shim);
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('the serving shim, when init() raises', () => {
  let shim: Shim;
  let workDir: string;

  beforeAll(async () => {
    // The script's model is missing, so its init() raises FileNotFoundError.
    workDir = mkdtempSync(join(tmpdir(), 'mlops-serving-'));
    mkdirSync(join(workDir, 'model'));
    shim = await startShim({ MLOPS_ENTRY_SCRIPT: SCORE, MLOPS_MODEL_DIR: join(workDir, 'model') });
  }, SPAWN_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    await stopShim(shim);
    rmSync(workDir, { recursive: true, force: true });
  });

  const reason = () => `init() failed: FileNotFoundError: [Errno 2] No such file or directory: '${join(workDir, 'model', 'fraud-linear', '3', 'model.json')}'`;

  it('answers /ping 500 unhealthy with the reason', async () => {
    expect(await answerOf(await fetch(`${shim.url}/ping`))).toEqual({
      status: 500,
      contentType: 'application/json',
      body: { status: 'unhealthy', error: reason() },
    });
  });

  it('answers /invocations 503 with the reason', async () => {
    expect(await answerOf(await invoke(shim, 'text/csv', '10,3,0.25\n'))).toEqual({ status: 503, contentType: 'application/json', body: { error: reason() } });
  });
});
