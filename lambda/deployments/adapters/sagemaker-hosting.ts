import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  type ProductionVariant,
  type ProductionVariantInstanceType,
  type SageMakerClient,
  type Tag,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import type { DeploymentRecord, DeploymentRevision } from '../core/model';
import type { SageMakerHosting } from '../core/ports';

/** The one variant of every endpoint config: blue/green updates need the new config to keep the old variant's name. */
export const VARIANT_NAME = 'main';

export interface SageMakerHostingOptions {
  /** The role SageMaker runs the containers with (it pulls the image and reads the model data). */
  readonly executionRoleArn: string;
  /**
   * Where captured requests go: `s3://<monitoring bucket>/captured`. SageMaker writes there for instance endpoints;
   * on serverless ones (which SageMaker cannot capture) the serving shim does, in the same layout.
   */
  readonly captureUri: string;
}

/** SageMaker hosting for deployments: a model and an endpoint config per revision, one endpoint per deployment. */
export class SageMakerDeploymentHosting implements SageMakerHosting {
  constructor(
    private readonly sageMaker: SageMakerClient,
    private readonly options: SageMakerHostingOptions,
  ) {}

  async createRevision(deployment: DeploymentRecord, revision: DeploymentRevision): Promise<void> {
    const tags = tagsOf(deployment, revision);
    await this.sageMaker.send(
      new CreateModelCommand({
        ModelName: revision.model,
        ExecutionRoleArn: this.options.executionRoleArn,
        PrimaryContainer: {
          Image: revision.image.imageUri,
          ModelDataUrl: revision.image.modelDataUrl,
          // The shim captures every request itself, under the endpoint's folder as SageMaker would: SageMaker cannot
          // capture on serverless endpoints, and on instances its capture leaves out the callers' custom attributes.
          Environment: { MLOPS_CAPTURE_S3_URI: `${this.options.captureUri}/${deployment.endpoint}/${VARIANT_NAME}`, MLOPS_DEPLOYMENT: deployment.name },
        },
        Tags: tags,
      }),
    );
    await this.sageMaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: revision.endpointConfig,
        ProductionVariants: [variantOf(deployment, revision)],
        Tags: tags,
      }),
    );
  }

  async createEndpoint(deployment: DeploymentRecord, revision: DeploymentRevision): Promise<void> {
    await this.sageMaker.send(
      new CreateEndpointCommand({ EndpointName: deployment.endpoint, EndpointConfigName: revision.endpointConfig, Tags: tagsOf(deployment, revision) }),
    );
  }

  async updateEndpoint(deployment: DeploymentRecord, revision: DeploymentRevision): Promise<void> {
    await this.sageMaker.send(
      new UpdateEndpointCommand({
        EndpointName: deployment.endpoint,
        EndpointConfigName: revision.endpointConfig,
        // Without one, SageMaker swaps all at once (the only update a serverless endpoint takes).
        ...(revision.rollout.runBy === 'sagemaker'
          ? {
              DeploymentConfig: {
                ...revision.rollout.deploymentConfig,
                AutoRollbackConfiguration: { Alarms: [...revision.rollout.deploymentConfig.AutoRollbackConfiguration.Alarms] },
              },
            }
          : {}),
      }),
    );
  }

  async deleteEndpoint(deployment: DeploymentRecord): Promise<void> {
    await ignoringMissing(this.sageMaker.send(new DeleteEndpointCommand({ EndpointName: deployment.endpoint })));
  }

  async deleteRevision(revision: DeploymentRevision): Promise<void> {
    await ignoringMissing(this.sageMaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: revision.endpointConfig })));
    await ignoringMissing(this.sageMaker.send(new DeleteModelCommand({ ModelName: revision.model })));
  }
}

function variantOf(deployment: DeploymentRecord, revision: DeploymentRevision): ProductionVariant {
  const { compute } = deployment;
  const base = { VariantName: VARIANT_NAME, ModelName: revision.model, InitialVariantWeight: 1 };
  return compute.kind === 'serverless'
    ? { ...base, ServerlessConfig: { MemorySizeInMB: compute.memoryMb, MaxConcurrency: compute.maxConcurrency } }
    : { ...base, InstanceType: compute.instanceType as ProductionVariantInstanceType, InitialInstanceCount: compute.count };
}

/** Every SageMaker resource says which deployment, revision and image it belongs to. */
function tagsOf(deployment: DeploymentRecord, revision: DeploymentRevision): Tag[] {
  return [
    { Key: 'mlops:deployment', Value: deployment.name },
    { Key: 'mlops:revision', Value: String(revision.revision) },
    { Key: 'mlops:image', Value: `${revision.image.name}:${revision.image.version}` },
  ];
}

/** SageMaker answers a delete of something gone with a ValidationException saying it could not find it. */
async function ignoringMissing(sent: Promise<unknown>): Promise<void> {
  try {
    await sent;
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationException' && /could not find|does not exist/i.test(error.message)) return;
    throw error;
  }
}
