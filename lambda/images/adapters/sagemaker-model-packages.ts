import { CreateModelPackageCommand, CreateModelPackageGroupCommand, type SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import type { ApprovalStatus } from '../core/model';
import type { CreateModelPackageInput, ModelPackages } from '../core/ports';

/** What an image's container takes and answers, as the serving shim implements them. */
const CONTENT_TYPES = ['application/json', 'text/csv'];

/** The SageMaker Model Registry: a package group per model, a package per image version serving it. */
export class SageMakerModelPackages implements ModelPackages {
  constructor(private readonly sagemaker: SageMakerClient) {}

  async create(input: CreateModelPackageInput): Promise<string> {
    await this.ensureGroup(input.groupName, input.groupDescription);
    const { ModelPackageArn } = await this.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: input.groupName,
        ModelPackageDescription: input.description,
        ModelApprovalStatus: input.approvalStatus,
        ClientToken: input.clientToken,
        CustomerMetadataProperties: { ...input.metadata, approval: input.approvalDescription ?? '' },
        InferenceSpecification: {
          Containers: [{ Image: input.imageUri, ModelDataUrl: input.modelDataUrl, Environment: { ...input.environment } }],
          SupportedContentTypes: CONTENT_TYPES,
          SupportedResponseMIMETypes: ['application/json'],
        },
      }),
    );
    return ModelPackageArn!;
  }

  async setApproval(arn: string, status: ApprovalStatus, description?: string): Promise<void> {
    await this.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status, ApprovalDescription: description }));
  }

  private async ensureGroup(name: string, description: string): Promise<void> {
    try {
      await this.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: name, ModelPackageGroupDescription: description }));
    } catch (error) {
      // Every package after a model's first finds its group there.
      if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
    }
  }
}
