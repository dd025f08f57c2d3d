/**
 * SageMaker behind the SageMaker client mock.
 *
 * The Model Registry: model package groups, and the versioned packages created in them with their approval, as
 * CreateModelPackageGroup (a `ValidationException` when the group exists), CreateModelPackage (a repeated client
 * token answers the package it created) and UpdateModelPackage leave them.
 *
 * Hosting: models, endpoint configs and endpoints, with SageMaker's refusals (a `ValidationException` for a name in
 * use, "Could not find ..." for a missing one, an instance type outside the hosting enum, an update of an endpoint
 * not InService). Endpoints move as SageMaker moves them later: created or updated, an endpoint is Creating or
 * Updating until the test settles it (`settle`), rolls it back (`rollBack`) or fails it (`fail`); deleted, it is
 * Deleting until settled.
 */
import {
  CreateEndpointCommand,
  type CreateEndpointCommandInput,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  type CreateModelCommandInput,
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateModelPackageGroupCommand,
  type CreateModelPackageGroupCommandInput,
  DeleteEndpointCommand,
  type DeleteEndpointCommandInput,
  DeleteEndpointConfigCommand,
  type DeleteEndpointConfigCommandInput,
  DeleteModelCommand,
  type DeleteModelCommandInput,
  DescribeEndpointCommand,
  type DescribeEndpointCommandInput,
  type EndpointStatus,
  ProductionVariantInstanceType,
  SageMakerServiceException,
  UpdateEndpointCommand,
  type UpdateEndpointCommandInput,
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

export interface FakeEndpoint {
  readonly name: string;
  /** The config serving. */
  readonly config: string;
  readonly status: EndpointStatus;
  /** The config an update is moving to. */
  readonly updatingTo?: string;
  readonly failureReason?: string;
  /** What the endpoint was created with, then each update, in order. */
  readonly requests: readonly (CreateEndpointCommandInput | UpdateEndpointCommandInput)[];
}

const HOSTING_INSTANCE_TYPES: ReadonlySet<string> = new Set(Object.values(ProductionVariantInstanceType));

const validationException = (message: string) =>
  new SageMakerServiceException({ name: 'ValidationException', message, $fault: 'client', $metadata: { httpStatusCode: 400 } });

export class FakeSageMaker {
  private readonly groupDescriptions = new Map<string, string | undefined>();
  private readonly modelPackages = new Map<string, FakeModelPackage>();
  /** Hosting resources by their lowercased names: SageMaker's names are case-insensitive. */
  private readonly hostedModels = new Map<string, CreateModelCommandInput>();
  private readonly hostedConfigs = new Map<string, CreateEndpointConfigCommandInput>();
  private readonly hostedEndpoints = new Map<string, FakeEndpoint>();

  constructor(
    private readonly account: string,
    private readonly region: string,
  ) {}

  /** Serves the commands from the registry. Call after resetting the mock. */
  serve(mock: AwsStub<any, any, any>): this {
    mock.on(CreateModelPackageGroupCommand).callsFake(this.createGroup);
    mock.on(CreateModelPackageCommand).callsFake(this.createPackage);
    mock.on(UpdateModelPackageCommand).callsFake(this.updatePackage);
    mock.on(CreateModelCommand).callsFake(this.createModel);
    mock.on(CreateEndpointConfigCommand).callsFake(this.createEndpointConfig);
    mock.on(CreateEndpointCommand).callsFake(this.createEndpoint);
    mock.on(UpdateEndpointCommand).callsFake(this.updateEndpoint);
    mock.on(DescribeEndpointCommand).callsFake(this.describeEndpoint);
    mock.on(DeleteEndpointCommand).callsFake(this.deleteEndpoint);
    mock.on(DeleteEndpointConfigCommand).callsFake(this.deleteEndpointConfig);
    mock.on(DeleteModelCommand).callsFake(this.deleteModel);
    return this;
  }

  /** The hosting models by name, as created. */
  get models(): Record<string, CreateModelCommandInput> {
    return Object.fromEntries(this.hostedModels);
  }

  /** The endpoint configs by name, as created. */
  get endpointConfigs(): Record<string, CreateEndpointConfigCommandInput> {
    return Object.fromEntries(this.hostedConfigs);
  }

  /** The endpoints by name. */
  get endpoints(): Record<string, FakeEndpoint> {
    return Object.fromEntries(this.hostedEndpoints);
  }

  /** A model and an endpoint config serving it, made earlier. */
  addRevision(model: string, endpointConfig: string): this {
    this.hostedModels.set(model.toLowerCase(), { ModelName: model });
    this.hostedConfigs.set(endpointConfig.toLowerCase(), {
      EndpointConfigName: endpointConfig,
      ProductionVariants: [{ VariantName: 'main', ModelName: model }],
    });
    return this;
  }

  /** An endpoint made earlier, in `status` on `config` (Updating moves to `updatingTo`). */
  addEndpoint(name: string, config: string, status: EndpointStatus = 'InService', updatingTo?: string): this {
    this.hostedEndpoints.set(name.toLowerCase(), { name, config, status, ...(updatingTo ? { updatingTo } : {}), requests: [] });
    return this;
  }

  /** SageMaker finished what the endpoint was doing: created or updated, it is InService (on the new config); rolled back, on the old; deleted, gone. */
  settle(name: string): void {
    const endpoint = this.endpoint(name);
    if (endpoint.status === 'Deleting') {
      this.hostedEndpoints.delete(name.toLowerCase());
      return;
    }
    const config = endpoint.status === 'Updating' && endpoint.updatingTo ? endpoint.updatingTo : endpoint.config;
    this.hostedEndpoints.set(name.toLowerCase(), { ...endpoint, config, status: 'InService', updatingTo: undefined });
  }

  /** SageMaker's guardrails roll an update back (an alarm fired): RollingBack, then, settled, InService on the old config. */
  rollBack(name: string, reason: string): void {
    const endpoint = this.endpoint(name);
    this.hostedEndpoints.set(name.toLowerCase(), { ...endpoint, status: 'RollingBack', updatingTo: undefined, failureReason: reason });
  }

  /** SageMaker could not do what it was asked. */
  fail(name: string, reason: string): void {
    this.hostedEndpoints.set(name.toLowerCase(), { ...this.endpoint(name), status: 'Failed', updatingTo: undefined, failureReason: reason });
  }

  private endpoint(name: string): FakeEndpoint {
    const endpoint = this.hostedEndpoints.get(name.toLowerCase());
    if (!endpoint) throw new Error(`no endpoint named ${name}`);
    return endpoint;
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

  private readonly createModel = async (input: CreateModelCommandInput) => {
    const name = input.ModelName!;
    if (this.hostedModels.has(name.toLowerCase())) throw validationException(`Cannot create already existing model "${this.arn(`model/${name}`)}".`);
    this.hostedModels.set(name.toLowerCase(), structuredClone(input));
    return { ModelArn: this.arn(`model/${name}`) };
  };

  private readonly createEndpointConfig = async (input: CreateEndpointConfigCommandInput) => {
    const name = input.EndpointConfigName!;
    (input.ProductionVariants ?? []).forEach((variant, index) => {
      if (variant.InstanceType !== undefined && !HOSTING_INSTANCE_TYPES.has(variant.InstanceType)) {
        throw validationException(
          `1 validation error detected: Value '${variant.InstanceType}' at 'productionVariants.${index + 1}.member.instanceType' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      }
    });
    if (this.hostedConfigs.has(name.toLowerCase()))
      throw validationException(`Cannot create already existing endpoint configuration "${this.arn(`endpoint-config/${name}`)}".`);
    for (const variant of input.ProductionVariants ?? []) {
      if (!this.hostedModels.has(variant.ModelName!.toLowerCase()))
        throw validationException(`Could not find model "${this.arn(`model/${variant.ModelName}`)}".`);
    }
    this.hostedConfigs.set(name.toLowerCase(), structuredClone(input));
    return { EndpointConfigArn: this.arn(`endpoint-config/${name}`) };
  };

  private readonly createEndpoint = async (input: CreateEndpointCommandInput) => {
    const name = input.EndpointName!;
    if (this.hostedEndpoints.has(name.toLowerCase())) throw validationException(`Cannot create already existing endpoint "${this.arn(`endpoint/${name}`)}".`);
    this.existingConfig(input.EndpointConfigName!);
    this.hostedEndpoints.set(name.toLowerCase(), { name, config: input.EndpointConfigName!, status: 'Creating', requests: [structuredClone(input)] });
    return { EndpointArn: this.arn(`endpoint/${name}`) };
  };

  private readonly updateEndpoint = async (input: UpdateEndpointCommandInput) => {
    const endpoint = this.existingEndpoint(input.EndpointName!);
    this.existingConfig(input.EndpointConfigName!);
    if (endpoint.status !== 'InService') throw validationException(`Cannot update in-progress endpoint "${this.arn(`endpoint/${endpoint.name}`)}".`);
    this.hostedEndpoints.set(endpoint.name.toLowerCase(), {
      ...endpoint,
      status: 'Updating',
      updatingTo: input.EndpointConfigName!,
      failureReason: undefined,
      requests: [...endpoint.requests, structuredClone(input)],
    });
    return { EndpointArn: this.arn(`endpoint/${endpoint.name}`) };
  };

  private readonly describeEndpoint = async (input: DescribeEndpointCommandInput) => {
    const endpoint = this.existingEndpoint(input.EndpointName!);
    return {
      EndpointName: endpoint.name,
      EndpointArn: this.arn(`endpoint/${endpoint.name}`),
      EndpointConfigName: endpoint.config,
      EndpointStatus: endpoint.status,
      ...(endpoint.failureReason ? { FailureReason: endpoint.failureReason } : {}),
    };
  };

  private readonly deleteEndpoint = async (input: DeleteEndpointCommandInput) => {
    const endpoint = this.existingEndpoint(input.EndpointName!);
    this.hostedEndpoints.set(endpoint.name.toLowerCase(), { ...endpoint, status: 'Deleting', updatingTo: undefined });
    return {};
  };

  private readonly deleteEndpointConfig = async (input: DeleteEndpointConfigCommandInput) => {
    this.existingConfig(input.EndpointConfigName!);
    this.hostedConfigs.delete(input.EndpointConfigName!.toLowerCase());
    return {};
  };

  private readonly deleteModel = async (input: DeleteModelCommandInput) => {
    const name = input.ModelName!;
    if (!this.hostedModels.has(name.toLowerCase())) throw validationException(`Could not find model "${this.arn(`model/${name}`)}".`);
    this.hostedModels.delete(name.toLowerCase());
    return {};
  };

  private existingEndpoint(name: string): FakeEndpoint {
    const endpoint = this.hostedEndpoints.get(name.toLowerCase());
    if (!endpoint) throw validationException(`Could not find endpoint "${this.arn(`endpoint/${name}`)}".`);
    return endpoint;
  }

  private existingConfig(name: string): void {
    if (!this.hostedConfigs.has(name.toLowerCase()))
      throw validationException(`Could not find endpoint configuration "${this.arn(`endpoint-config/${name}`)}".`);
  }
}
