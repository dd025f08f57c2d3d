/**
 * The SageMaker Model Registry behind the SageMaker client mock: model package groups, and the
 * versioned packages created in them with their approval, as CreateModelPackageGroup (a
 * `ValidationException` when the group exists), CreateModelPackage (a repeated client token answers
 * the package it created) and UpdateModelPackage leave them.
 */
import {
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateModelPackageGroupCommand,
  type CreateModelPackageGroupCommandInput,
  SageMakerServiceException,
  UpdateModelPackageCommand,
  type UpdateModelPackageCommandInput,
} from '@aws-sdk/client-sagemaker';
import type { AwsStub } from 'aws-sdk-client-mock';

export interface FakeModelPackage {
  readonly arn: string;
  readonly groupName: string;
  readonly version: number;
  readonly approvalStatus: string;
  readonly approvalDescription?: string;
  /** What the package was created with. */
  readonly created: CreateModelPackageCommandInput;
}

const validationException = (message: string) =>
  new SageMakerServiceException({ name: 'ValidationException', message, $fault: 'client', $metadata: { httpStatusCode: 400 } });

export class FakeSageMaker {
  private readonly groupDescriptions = new Map<string, string | undefined>();
  private readonly modelPackages = new Map<string, FakeModelPackage>();

  constructor(
    private readonly account: string,
    private readonly region: string,
  ) {}

  /** Serves the commands from the registry. Call after resetting the mock. */
  serve(mock: AwsStub<any, any, any>): this {
    mock.on(CreateModelPackageGroupCommand).callsFake(this.createGroup);
    mock.on(CreateModelPackageCommand).callsFake(this.createPackage);
    mock.on(UpdateModelPackageCommand).callsFake(this.updatePackage);
    return this;
  }

  /** The groups by name, with their descriptions. */
  get groups(): Record<string, string | undefined> {
    return Object.fromEntries(this.groupDescriptions);
  }

  /** The packages, in the order they were created. */
  get packages(): readonly FakeModelPackage[] {
    return [...this.modelPackages.values()];
  }

  package(arn: string): FakeModelPackage | undefined {
    return this.modelPackages.get(arn);
  }

  /** A group made earlier (by another image of the same model, say). */
  addGroup(name: string, description?: string): this {
    this.groupDescriptions.set(name, description);
    return this;
  }

  /** A package made earlier (for an image registered before), in `groupName`, made too if need be; returns its ARN. */
  addPackage(groupName: string, approvalStatus: string, clientToken?: string): string {
    if (!this.groupDescriptions.has(groupName)) this.groupDescriptions.set(groupName, undefined);
    const version = this.packages.filter((existing) => existing.groupName === groupName).length + 1;
    const arn = this.arn(`model-package/${groupName}/${version}`);
    this.modelPackages.set(arn, {
      arn,
      groupName,
      version,
      approvalStatus,
      created: { ModelPackageGroupName: groupName, ModelApprovalStatus: approvalStatus as never, ClientToken: clientToken },
    });
    return arn;
  }

  private arn(resource: string): string {
    // SageMaker lowercases the names in the ARNs it makes.
    return `arn:aws:sagemaker:${this.region}:${this.account}:${resource.toLowerCase()}`;
  }

  private readonly createGroup = async (input: CreateModelPackageGroupCommandInput) => {
    const name = input.ModelPackageGroupName!;
    if (this.groupDescriptions.has(name)) throw validationException(`Model Package Group already exists: ${this.arn(`model-package-group/${name}`)}`);
    this.groupDescriptions.set(name, input.ModelPackageGroupDescription);
    return { ModelPackageGroupArn: this.arn(`model-package-group/${name}`) };
  };

  private readonly createPackage = async (input: CreateModelPackageCommandInput) => {
    const groupName = input.ModelPackageGroupName!;
    if (!this.groupDescriptions.has(groupName)) throw validationException(`Model Package Group ${groupName} does not exist.`);
    const repeated = input.ClientToken === undefined ? undefined : this.packages.find((existing) => existing.created.ClientToken === input.ClientToken);
    if (repeated) return { ModelPackageArn: repeated.arn };
    const version = this.packages.filter((existing) => existing.groupName === groupName).length + 1;
    const arn = this.arn(`model-package/${groupName}/${version}`);
    this.modelPackages.set(arn, {
      arn,
      groupName,
      version,
      approvalStatus: input.ModelApprovalStatus ?? 'PendingManualApproval',
      created: structuredClone(input),
    });
    return { ModelPackageArn: arn };
  };

  private readonly updatePackage = async (input: UpdateModelPackageCommandInput) => {
    const existing = this.modelPackages.get(input.ModelPackageArn!);
    if (!existing) throw validationException(`Model package ${input.ModelPackageArn} does not exist.`);
    this.modelPackages.set(existing.arn, {
      ...existing,
      approvalStatus: input.ModelApprovalStatus ?? existing.approvalStatus,
      approvalDescription: input.ApprovalDescription ?? existing.approvalDescription,
    });
    return { ModelPackageArn: existing.arn };
  };
}
