import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * An HTTP proxy on loopback that records every request it forwards to an emulator, so a test can
 * check what a handler sent on the wire: its size as sent (the SDK gzips large CloudWatch bodies)
 * and as the service reads it, which emulators do not check against the service's limits.
 *
 * It forwards bodies decompressed: moto 5.2.1's server decompresses a gzip body twice and answers
 * 500 (`BadGzipFile`), so without this every PutMetricData of 10 KiB or more fails on moto.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The operation named by `X-Amz-Target` (JSON protocols), e.g. `PutMetricData`. */
  readonly operation?: string;
  readonly contentEncoding?: string;
  /** Body bytes as sent, after any compression. */
  readonly wireBytes: number;
  /** The body as the service reads it (decompressed). */
  readonly body: Buffer;
}

export interface RecordingProxy {
  /** Where clients send requests instead of the emulator: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Every request forwarded so far, in the order they arrived. */
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const sent = Buffer.concat(chunks);
      // The body goes on whole, with its length: no chunked encoding, no compression.
      const { 'content-encoding': contentEncoding, 'x-amz-target': amzTarget, 'transfer-encoding': _chunked, ...headers } = incoming.headers;
      const body = contentEncoding === 'gzip' ? gunzipSync(sent) : sent;
      requests.push({
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        operation: typeof amzTarget === 'string' ? amzTarget.slice(amzTarget.lastIndexOf('.') + 1) : undefined,
        contentEncoding,
        wireBytes: sent.length,
        body,
      });
      const forwarded = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: {
            ...headers,
            ...(amzTarget === undefined ? {} : { 'x-amz-target': amzTarget }),
            ...(contentEncoding === undefined || contentEncoding === 'gzip' ? {} : { 'content-encoding': contentEncoding }),
            'content-length': String(body.length),
            host: target.host,
          },
          agent,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.on('error', (error) => {
        outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`recording proxy: ${error.message}`);
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        agent.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
