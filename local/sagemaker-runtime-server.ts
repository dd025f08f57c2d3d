import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { admitSigned, sendError, serveOnLoopback } from './aws-listener';
import type { EndpointCapture } from './endpoint-capture';
import type { EndpointMetrics } from './endpoint-metrics';
import { LOCAL_ACCOUNT } from './provision-from-template';
import type { InvocationTarget } from './sagemaker-endpoints';
import type { LocalCredentials } from './sigv4-verifier';

/**
 * SageMaker Runtime's `InvokeEndpoint` on this machine (`endpoints.sagemakerRuntime` of the descriptor), answered as
 * the service answers the SDK: `POST /endpoints/<name>/invocations` goes to the fleet the hosting stand-in routes it
 * to (weighted between the old and the new fleet during a rollout), with the body, `Content-Type`, `Accept`, custom
 * attributes and inference id passed on as SageMaker passes them to the container; the answer names the variant
 * (`x-Amzn-Invoked-Production-Variant`). A container's 4xx or 5xx is a `ModelError` (424) with its status and
 * message, an unknown endpoint a `ValidationError`. Each invocation is counted for its fleet (the alarms) and each
 * answered one captured where its endpoint captures. Guarded as the other local listeners, SigV4 with signing name
 * `sagemaker` required.
 */

export interface SageMakerRuntimeServerOptions {
  /** Where an invocation of an endpoint goes (`SageMakerEndpoints.route`). */
  readonly route: (endpoint: string, targetVariant?: string) => InvocationTarget | undefined;
  /** The credentials whose signed requests are served (the descriptor's). */
  readonly credentials: readonly LocalCredentials[];
  readonly metrics?: Pick<EndpointMetrics, 'record'>;
  readonly capture?: Pick<EndpointCapture, 'add'>;
  /** @default - a free port on 127.0.0.1 */
  readonly port?: number;
  /** One line per invocation. @default - silent */
  readonly log?: (line: string) => void;
}

export interface SageMakerRuntimeServer {
  /** `http://127.0.0.1:<port>`: a `SageMakerRuntimeClient`'s endpoint. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** SageMaker Runtime's limit on a request payload. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const INVOKE_PATH = /^\/endpoints\/([^/]+)\/invocations$/;
/** The request headers SageMaker passes on to the container. */
const PASSED_HEADERS = ['content-type', 'accept', 'x-amzn-sagemaker-custom-attributes', 'x-amzn-sagemaker-inference-id'];
const header = (request: IncomingMessage, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

export async function startSageMakerRuntimeServer(options: SageMakerRuntimeServerOptions): Promise<SageMakerRuntimeServer> {
  return serveOnLoopback({ port: options.port, name: 'local SageMaker Runtime endpoint', errorType: 'InternalFailure' }, (request, response, port) =>
    serve(request, response, port, options),
  );
}

async function serve(request: IncomingMessage, response: ServerResponse, port: number, options: SageMakerRuntimeServerOptions): Promise<void> {
  response.setHeader('x-amzn-RequestId', randomUUID());
  const admitted = await admitSigned(request, port, options.credentials, 'sagemaker', MAX_BODY_BYTES);
  if ('refusal' in admitted) return sendError(response, admitted.status, admitted.refusal.type, { message: admitted.refusal.message });
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  const match = INVOKE_PATH.exec(pathname);
  if (request.method !== 'POST' || !match) {
    return sendError(response, 404, 'UnknownOperationException', {
      message: `the local SageMaker Runtime serves InvokeEndpoint only, not ${request.method} ${pathname}`,
    });
  }
  const endpoint = decodeURIComponent(match[1]);
  const target = options.route(endpoint, header(request, 'x-amzn-sagemaker-target-variant'));
  if (!target) return sendError(response, 400, 'ValidationError', { Message: `Endpoint ${endpoint} of account ${LOCAL_ACCOUNT} not found.` });

  const at = new Date();
  const started = performance.now();
  const answer = await fetch(`${target.url}/invocations`, {
    method: 'POST',
    headers: Object.fromEntries(PASSED_HEADERS.flatMap((name) => (header(request, name) ? [[name, header(request, name)!]] : []))),
    body: admitted.body,
  }).then(
    async (sent) => ({ status: sent.status, headers: sent.headers, body: Buffer.from(await sent.arrayBuffer()) }),
    (error: Error) => ({ status: 0, error }),
  );
  const modelLatencyUs = Math.round((performance.now() - started) * 1000);
  // A container that cannot be reached counts as a 5xx of the model, as SageMaker counts a crashed one.
  options.metrics?.record({
    endpoint,
    variant: target.variant,
    endpointConfig: target.endpointConfig,
    at: at.getTime(),
    status: answer.status || 500,
    modelLatencyUs,
  });
  options.log?.(`${endpoint} ${target.endpointConfig}/${target.variant} ${answer.status || 'unreachable'} ${Math.round(modelLatencyUs / 1000)} ms`);
  if (!('body' in answer)) {
    return sendError(response, 500, 'InternalFailure', { message: `An exception occurred while sending request to model: ${answer.error.message}` });
  }
  if (answer.status >= 400) {
    const message = answer.body.toString('utf8').slice(0, 2048);
    return sendError(response, 424, 'ModelError', {
      ErrorCode: answer.status >= 500 ? 'SERVER_ERROR_FROM_MODEL' : 'CLIENT_ERROR_FROM_MODEL',
      Message: `Received ${answer.status >= 500 ? 'server' : 'client'} error (${answer.status}) from primary with message "${message}". See the serving shim's log for this endpoint.`,
      OriginalStatusCode: answer.status,
      OriginalMessage: message,
      LogStreamArn: `arn:aws:logs:us-east-1:${LOCAL_ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${endpoint}`,
    });
  }
  const contentType = answer.headers.get('content-type') ?? 'application/octet-stream';
  const customAttributes = answer.headers.get('x-amzn-sagemaker-custom-attributes');
  response
    .writeHead(200, {
      'Content-Type': contentType,
      'x-Amzn-Invoked-Production-Variant': target.variant,
      ...(customAttributes ? { 'X-Amzn-SageMaker-Custom-Attributes': customAttributes } : {}),
    })
    .end(answer.body);
  if (target.capture) {
    options.capture?.add(target.capture, {
      at,
      input: { contentType: header(request, 'content-type') ?? 'application/octet-stream', body: admitted.body },
      output: { contentType, body: answer.body },
      inferenceId: header(request, 'x-amzn-sagemaker-inference-id'),
      customAttributes: header(request, 'x-amzn-sagemaker-custom-attributes'),
    });
  }
}
