import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitSigned, forwardToMoto, sendError, serveOnLoopback, toAwsJson } from './aws-listener';
import type { SageMakerEndpoints } from './sagemaker-endpoints';
import { SageMakerValidationError } from './sagemaker-validation-error';
import type { LocalCredentials } from './sigv4-verifier';

/**
 * The SageMaker API on this machine (`AWS_ENDPOINT_URL_SAGEMAKER` of the local functions): SageMaker's JSON protocol
 * (`X-Amz-Target: SageMaker.<Action>`), the hosting actions answered by `SageMakerEndpoints` (which moto cannot do:
 * it has no UpdateEndpoint, puts endpoints in service at once and accepts what SageMaker refuses), every other action
 * (model packages, tags, ...) passed through to moto unchanged, signed again with moto's credentials.
 * Guarded as the other local listeners: loopback only, a foreign Host or Origin refused, SigV4 required.
 */

export interface SageMakerHostingServerOptions {
  readonly endpoints: SageMakerEndpoints;
  /** The credentials whose signed requests are served: the functions' (moto's) and the descriptor's. */
  readonly credentials: readonly LocalCredentials[];
  /** Where the other actions go. */
  readonly moto: { readonly endpoint: string; readonly credentials: LocalCredentials };
  /** @default - a free port on 127.0.0.1 */
  readonly port?: number;
}

export interface SageMakerHostingServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** SageMaker's limit on a request. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

// The SDK's input shapes, as the JSON protocol carries them (SageMakerEndpoints checks what it needs).
type Input = any;
const ACTIONS: Record<string, (endpoints: SageMakerEndpoints, input: Input) => unknown> = {
  CreateModel: (endpoints, input) => endpoints.createModel(input),
  DescribeModel: (endpoints, input) => endpoints.describeModel(input.ModelName),
  DeleteModel: (endpoints, input) => endpoints.deleteModel(input.ModelName),
  CreateEndpointConfig: (endpoints, input) => endpoints.createEndpointConfig(input),
  DescribeEndpointConfig: (endpoints, input) => endpoints.describeEndpointConfig(input.EndpointConfigName),
  DeleteEndpointConfig: (endpoints, input) => endpoints.deleteEndpointConfig(input.EndpointConfigName),
  CreateEndpoint: (endpoints, input) => endpoints.createEndpoint(input),
  UpdateEndpoint: (endpoints, input) => endpoints.updateEndpoint(input),
  DescribeEndpoint: (endpoints, input) => endpoints.describeEndpoint(input.EndpointName),
  DeleteEndpoint: (endpoints, input) => endpoints.deleteEndpoint(input.EndpointName),
};

export async function startSageMakerHostingServer(options: SageMakerHostingServerOptions): Promise<SageMakerHostingServer> {
  return serveOnLoopback({ port: options.port, name: 'local SageMaker endpoint', errorType: 'InternalFailure' }, (request, response, port) =>
    serve(request, response, port, options),
  );
}

async function serve(request: IncomingMessage, response: ServerResponse, port: number, options: SageMakerHostingServerOptions): Promise<void> {
  response.setHeader('x-amzn-RequestId', randomUUID());
  const admitted = await admitSigned(request, port, options.credentials, 'sagemaker', MAX_BODY_BYTES);
  if ('refusal' in admitted) return sendError(response, admitted.status, admitted.refusal.type, { message: admitted.refusal.message });
  const target = String(request.headers['x-amz-target'] ?? '');
  const action = ACTIONS[target.replace(/^SageMaker\./, '')];
  if (!action || !target.startsWith('SageMaker.')) {
    const answer = await forwardToMoto(request, admitted.body, options.moto, 'sagemaker');
    return void response.writeHead(answer.status, answer.headers).end(answer.body);
  }
  let input: Input;
  try {
    input = admitted.body.length === 0 ? {} : JSON.parse(admitted.body.toString('utf8'));
  } catch {
    return sendError(response, 400, 'SerializationException', { message: 'the request body is not JSON' });
  }
  try {
    const output = action(options.endpoints, input) ?? {};
    response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' }).end(toAwsJson(output));
  } catch (error) {
    if (!(error instanceof SageMakerValidationError)) throw error;
    sendError(response, 400, error.name, { __type: error.name, message: error.message });
  }
}
