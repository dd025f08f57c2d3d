import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { sageMakerNames } from '../../lambda/deployments/core/sagemaker-names';
import { DeploymentName } from '../../lambda/deployments/core/schemas';
import { MlopsError } from '../shared/errors';
import { validate } from '../shared/validation';

/** One request to a deployment's endpoint, as SageMaker Runtime's InvokeEndpoint takes it. */
export interface EndpointRequest {
  readonly body: Uint8Array | string;
  /** `application/json` or `text/csv`, as the serving shim reads them. */
  readonly contentType: string;
  /** @default - the content type the model answers with */
  readonly accept?: string;
  /** Up to 1,024 visible ASCII characters the model (and the capture) sees: who calls, for usage counts. */
  readonly customAttributes?: string;
  /** Names the request in the capture, to join it with ground truth later. */
  readonly inferenceId?: string;
  /** Send it to this variant, bypassing the traffic split. */
  readonly targetVariant?: string;
}

export interface EndpointAnswer {
  readonly body: Uint8Array;
  readonly contentType?: string;
  /** The variant that answered: during a rollout, the old fleet's or the new one's. */
  readonly invokedVariant?: string;
  readonly customAttributes?: string;
}

/** The model's container answered with an error: its status and message, and where its logs are. */
export class ModelInvocationError extends MlopsError {
  override readonly name = 'ModelInvocationError';
  constructor(
    readonly statusCode: number | undefined,
    readonly modelMessage: string | undefined,
    readonly logStreamArn: string | undefined,
  ) {
    super(
      'ModelError',
      `the model answered ${statusCode ?? 'with an error'}: ${modelMessage ?? 'no message'}${logStreamArn ? ` (logs: ${logStreamArn})` : ''}`,
    );
  }
}

/** Sends one request to the deployment's endpoint (`mlops-<name>`), checking the name first. */
export async function invokeEndpoint(runtime: SageMakerRuntimeClient, deployment: string, request: EndpointRequest): Promise<EndpointAnswer> {
  const { endpoint } = sageMakerNames(validate(DeploymentName, deployment), 0);
  try {
    const answer = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpoint,
        Body: typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body,
        ContentType: request.contentType,
        Accept: request.accept,
        CustomAttributes: request.customAttributes,
        InferenceId: request.inferenceId,
        TargetVariant: request.targetVariant,
      }),
    );
    return {
      body: answer.Body ?? new Uint8Array(),
      contentType: answer.ContentType,
      invokedVariant: answer.InvokedProductionVariant,
      customAttributes: answer.CustomAttributes,
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'ModelError') {
      const { OriginalStatusCode, OriginalMessage, LogStreamArn } = error as Error & {
        OriginalStatusCode?: number;
        OriginalMessage?: string;
        LogStreamArn?: string;
      };
      throw new ModelInvocationError(OriginalStatusCode, OriginalMessage, LogStreamArn);
    }
    throw error;
  }
}
