import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * An HTTP proxy on loopback that records every request it forwards to an emulator, so a test can
 * check what a handler sent on the wire: its size as sent (the SDK gzips large CloudWatch bodies)
 * and as the service reads it, which emulators do not check against the service's limits.
 *
 * It forwards bodies decompressed: moto 5.2.1's server decompresses a gzip body twice and answers
 * 500 (`BadGzipFile`), so without this every PutMetricData of 10 KiB or more fails on moto.
 * What it forwards (another Host, another body) no longer matches the client's signature, which
 * moto's guard verifies: it signs the request again, with the emulator environment's credentials
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) and the client's region and service.
 */

/** The region and service of a SigV4 `Authorization` header's credential scope. */
const CREDENTIAL_SCOPE = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/;
/** Headers the client signed that the new signature replaces. */
const SIGNATURE_HEADERS = new Set(['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']);

/** The forwarded request's headers, signed again for `target` (unsigned requests go on unsigned). */
async function signedAgain(
  method: string,
  url: string,
  target: URL,
  headers: Record<string, string>,
  body: Buffer,
  authorization: string | undefined,
): Promise<Record<string, string>> {
  const scope = authorization === undefined ? null : CREDENTIAL_SCOPE.exec(authorization);
  if (scope === null) return headers;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (!accessKeyId || !secretAccessKey) throw new Error('recording proxy: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must hold the emulator credentials');
  const [region, service] = [scope[1], scope[2]];
  const { pathname, searchParams } = new URL(url, target);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const unsigned = Object.fromEntries(Object.entries(headers).filter(([name]) => !SIGNATURE_HEADERS.has(name.toLowerCase())));
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service, sha256: Sha256, uriEscapePath: service !== 's3' });
  const signed = await signer.sign({
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: pathname,
    query,
    headers: unsigned,
    body,
  });
  return signed.headers;
}

function headerText(value: IncomingHttpHeaders[string]): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

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
    incoming.on('end', () => void forward(Buffer.concat(chunks)));
    const forward = async (sent: Buffer) => {
      // The body goes on whole, with its length: no chunked encoding, no compression.
      const { 'content-encoding': contentEncoding, 'x-amz-target': amzTarget, 'transfer-encoding': _chunked, authorization, ...headers } = incoming.headers;
      const body = contentEncoding === 'gzip' ? gunzipSync(sent) : sent;
      requests.push({
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        operation: typeof amzTarget === 'string' ? amzTarget.slice(amzTarget.lastIndexOf('.') + 1) : undefined,
        contentEncoding,
        wireBytes: sent.length,
        body,
      });
      const forwardedHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        const text = headerText(value);
        if (text !== undefined && name !== 'connection') forwardedHeaders[name] = text;
      }
      Object.assign(forwardedHeaders, {
        ...(amzTarget === undefined ? {} : { 'x-amz-target': headerText(amzTarget) }),
        ...(contentEncoding === undefined || contentEncoding === 'gzip' ? {} : { 'content-encoding': contentEncoding }),
        'content-length': String(body.length),
        host: target.host,
      });
      let signedHeaders: Record<string, string>;
      try {
        signedHeaders = await signedAgain(incoming.method ?? 'GET', incoming.url ?? '/', target, forwardedHeaders, body, headerText(authorization));
      } catch (error) {
        outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`recording proxy: ${(error as Error).message}`);
        return;
      }
      const forwarded = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: signedHeaders,
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
    };
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
