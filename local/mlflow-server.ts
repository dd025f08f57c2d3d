import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { foreignRequestReason } from './loopback-guard';

/**
 * MLflow's REST API on this machine: each HTTP request becomes the API Gateway (HTTP API, payload
 * 2.0) event the deployed API would send, and goes to the platform's `MlflowApi` function on the
 * local Lambda endpoint, so `MLFLOW_TRACKING_URI=http://127.0.0.1:5000` reaches the same handler
 * that deploys. Guarded like the other local listeners: loopback only, `Host` and `Origin` checked
 * (no web page can drive it), JSON bodies only. It asks no signature of the client: MLflow's client
 * signs only for `execute-api`, and the listener answers this machine alone.
 */

export interface MlflowServerOptions {
  /** A client of the local Lambda endpoint, signed with the platform's credentials. */
  readonly lambda: LambdaClient;
  /** The `MlflowApi` function's name on that endpoint. */
  readonly functionName: string;
  /**
   * The port on 127.0.0.1; 0 picks a free one.
   * @default 5000 (MLflow's own), or a free port when that one is taken
   */
  readonly port?: number;
  /** Told when the default port is taken and another is used. @default - silent */
  readonly log?: (line: string) => void;
}

export interface MlflowServer {
  /** `http://127.0.0.1:<port>`: what `MLFLOW_TRACKING_URI` is set to. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export const DEFAULT_MLFLOW_PORT = 5000;
/** The Invoke API's limit on a request payload: a larger body could not reach the function. */
const MAX_BODY_BYTES = 6 * 1024 * 1024 - 64 * 1024;

const mlflowError = (response: ServerResponse, status: number, errorCode: string, message: string) => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: errorCode, message }));
};

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The event API Gateway sends for this request (the fields the handler reads, and the ones a handler may log). */
function toEvent(request: IncomingMessage, body: Buffer, port: number): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]));
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: `127.0.0.1:${port}`,
      domainPrefix: 'local',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${method} ${url.pathname}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
  };
}

export async function startMlflowServer(options: MlflowServerOptions): Promise<MlflowServer> {
  let port = 0;
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) =>
      mlflowError(response, 500, 'INTERNAL_ERROR', `local MLflow endpoint failed: ${(error as Error).message}`),
    );
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refusal = foreignRequestReason(request.headers, port);
    if (refusal) return mlflowError(response, 403, 'PERMISSION_DENIED', refusal);
    const body = await readBody(request);
    if (body === undefined) return mlflowError(response, 413, 'INVALID_PARAMETER_VALUE', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    const contentType = request.headers['content-type'] ?? '';
    if (body.length > 0 && !/^application\/json\b/i.test(contentType)) {
      return mlflowError(response, 400, 'INVALID_PARAMETER_VALUE', `Bad Request. Content-Type must be one of ['application/json'].`);
    }
    const invoked = await options.lambda.send(
      new InvokeCommand({ FunctionName: options.functionName, Payload: Buffer.from(JSON.stringify(toEvent(request, body, port))) }),
    );
    const payload = invoked.Payload ? Buffer.from(invoked.Payload).toString('utf8') : 'null';
    if (invoked.FunctionError) return mlflowError(response, 500, 'INTERNAL_ERROR', `the MlflowApi function failed: ${payload.slice(0, 500)}`);
    const result = JSON.parse(payload) as APIGatewayProxyStructuredResultV2;
    response.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json' }).end(result.body ?? '');
  }

  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  const wanted = options.port ?? DEFAULT_MLFLOW_PORT;
  try {
    await listen(wanted);
  } catch (error) {
    // MLflow's default port is often taken (another MLflow server, macOS's AirPlay): take a free one and say so.
    if (options.port !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await listen(0);
    options.log?.(
      `port ${DEFAULT_MLFLOW_PORT} is taken: the MLflow endpoint listens on ${(server.address() as AddressInfo).port} (choose one with --mlflow-port)`,
    );
  }
  port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // MLflow's client keeps its connections open between calls.
        server.closeAllConnections();
      }),
  };
}
