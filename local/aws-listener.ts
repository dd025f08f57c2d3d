import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { LOCAL_REGION } from './emulators';
import { foreignRequestReason } from './loopback-guard';
import { type LocalCredentials, type SignatureRefusal, signatureRefusal } from './sigv4-verifier';

/** What the local stand-ins of AWS APIs share: listening on loopback, reading bodies, refusing and answering as AWS. */

/** Listens on 127.0.0.1 (`port`, or a free one); resolves with the port. */
export function listenOnLoopback(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A stand-in's listener: where it answers, and how it stops (its connections closed, then what it still runs settled). */
export interface LoopbackListener {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Serves `handle` on 127.0.0.1 (`options.port`, or a free one). A handler that fails answers 500 as AWS would, with
 * `errorType` and the listener's `name`; `settle` is awaited on stop (deliveries, executions still running).
 */
export async function serveOnLoopback(
  options: { readonly port?: number; readonly name: string; readonly errorType: string; readonly settle?: () => Promise<unknown> },
  handle: (request: IncomingMessage, response: ServerResponse, port: number) => Promise<void>,
): Promise<LoopbackListener> {
  let port = 0;
  const server = createServer((request, response) => {
    handle(request, response, port).catch((error: unknown) =>
      sendError(response, 500, options.errorType, { message: `${options.name} failed: ${(error as Error).message}` }),
    );
  });
  port = await listenOnLoopback(server, options.port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await options.settle?.();
    },
  };
}

/** The body, or `undefined` when it is larger than `limit` bytes (the rest is read and dropped). */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size <= limit ? Buffer.concat(chunks) : undefined;
}

/** An AWS error: the SDK reads the type from `x-amzn-ErrorType`, the fields from the body. */
export function sendError(response: ServerResponse, status: number, errorType: string, body: Record<string, string | number>): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': errorType }).end(JSON.stringify(body));
}

/** JSON as the AWS JSON protocols answer it: times as epoch seconds. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, converted) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : converted;
  });
}

/**
 * Why a request to a local AWS stand-in is refused (a foreign Host or Origin, a body over `maxBodyBytes`, or no
 * valid SigV4 signature for `service` by one of `credentials`), with the status to answer; or its body.
 */
export async function admitSigned(
  request: IncomingMessage,
  port: number,
  credentials: readonly LocalCredentials[],
  service: string,
  maxBodyBytes: number,
): Promise<{ body: Buffer } | { status: number; refusal: SignatureRefusal | { type: 'AccessDeniedException' | 'RequestTooLargeException'; message: string } }> {
  const foreign = foreignRequestReason(request.headers, port);
  if (foreign) {
    request.resume();
    return { status: 403, refusal: { type: 'AccessDeniedException', message: foreign } };
  }
  const body = await readBody(request, maxBodyBytes);
  if (body === undefined) return { status: 413, refusal: { type: 'RequestTooLargeException', message: `request bodies are limited to ${maxBodyBytes} bytes` } };
  const received = { method: request.method ?? '', url: request.url ?? '/', headers: request.headers, body };
  // The signer's key decides which credentials it must match; an unknown key is refused as the first would refuse it.
  const keyId = /Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
  const signer = credentials.find(({ accessKeyId }) => accessKeyId === keyId) ?? credentials[0];
  const refusal = await signatureRefusal(received, signer, service);
  return refusal ? { status: 403, refusal } : { body };
}

/** An answer as moto gave it, its body read. */
export interface ForwardedAnswer {
  readonly status: number;
  /** The headers the SDK reads: content type, request id, error type. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Sends a request admitted by a stand-in on to moto unchanged (the JSON protocols' method, path, target and body),
 * signed again for `service` with moto's credentials, as the signature covers the Host it is sent to.
 */
export async function forwardToMoto(
  request: IncomingMessage,
  body: Buffer,
  moto: { readonly endpoint: string; readonly credentials: LocalCredentials },
  service: string,
): Promise<ForwardedAnswer> {
  const url = new URL(moto.endpoint);
  const signer = new SignatureV4({ credentials: moto.credentials, region: LOCAL_REGION, service, sha256: Sha256 });
  const headers: Record<string, string> = { host: url.host };
  for (const name of ['content-type', 'x-amz-target', 'x-amz-json-version']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const path = request.url ?? '/';
  const signed = await signer.sign({
    method: request.method ?? 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers,
    body,
  });
  return new Promise((resolve, reject) => {
    const forwarded = httpRequest(
      { host: url.hostname, port: url.port, method: signed.method, path, headers: { ...signed.headers, 'content-length': String(body.length) } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 502,
            headers: Object.fromEntries(
              ['content-type', 'x-amzn-requestid', 'x-amzn-errortype'].flatMap((name) => (answer.headers[name] ? [[name, String(answer.headers[name])]] : [])),
            ),
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    forwarded.on('error', reject);
    forwarded.end(body);
  });
}
