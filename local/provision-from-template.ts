import { type CodeBuildClient, CreateProjectCommand } from '@aws-sdk/client-codebuild';
import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateRepositoryCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { CreateEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, HeadBucketCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Creates on the emulators the stateful resources a synthesized template declares (DynamoDB
 * tables with their keys and indexes, S3 buckets, event buses, ECR repositories, CodeBuild
 * projects), so local runs use exactly the
 * deployed shapes. Returns the physical name given to each logical id. Resources that already
 * exist (a local platform restarted on its data) are kept as they are. Resources are created
 * concurrently (a start waits for the slowest, not the sum), CodeBuild projects last, as they
 * refer to the others.
 */

/** The errors the emulators answer when a resource of that name is already there. */
const ALREADY_EXISTS = new Set(['ResourceInUseException', 'ResourceAlreadyExistsException', 'RepositoryAlreadyExistsException']);

/** The account and fixed pseudo parameters the emulators answer with (moto's default account). */
export const LOCAL_ACCOUNT = '123456789012';
const pseudoParameters = (): Record<string, string> => ({
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Region': process.env.AWS_REGION ?? 'us-east-1',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
});

async function unlessExists(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if (error instanceof Error && ALREADY_EXISTS.has(error.name)) return false;
    throw error;
  }
}

type Resource = { Type: string; Properties?: Record<string, any> };
export interface CloudFormationTemplate {
  readonly Resources: Record<string, Resource>;
}

export interface EmulatorClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly eventBridge: EventBridgeClient;
  /** Needed when the template declares ECR repositories. */
  readonly ecr?: ECRClient;
  /** Needed when the template declares CodeBuild projects. */
  readonly codeBuild?: CodeBuildClient;
}

function needed<T>(client: T | undefined, type: string): T {
  if (!client) throw new Error(`the template declares ${type} resources: pass a client for them`);
  return client;
}

const PROVISIONED_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::Events::EventBus', 'AWS::ECR::Repository', 'AWS::CodeBuild::Project']);
/** Named like the provisioned resources, but served by a local stand-in rather than created on an emulator. */
const STAND_IN_TYPES = new Set(['AWS::StepFunctions::StateMachine']);

/** A state machine's ARN, as its `Ref` gives it, from its local name. */
export const stateMachineArn = (name: string) => `arn:aws:states:${pseudoParameters()['AWS::Region']}:${LOCAL_ACCOUNT}:stateMachine:${name}`;

export async function provisionFromTemplate(template: CloudFormationTemplate, clients: EmulatorClients, namePrefix: string): Promise<Map<string, string>> {
  const nameOf = (logicalId: string) =>
    `${namePrefix}-${logicalId}`
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 63);
  // Names in template order, known before anything is created: a project's environment refers to them.
  const names = new Map(
    Object.entries(template.Resources)
      .filter(([, { Type }]) => PROVISIONED_TYPES.has(Type) || STAND_IN_TYPES.has(Type))
      .map(([logicalId]) => [logicalId, nameOf(logicalId)]),
  );
  const provisioned = [...names.keys()].filter((logicalId) => PROVISIONED_TYPES.has(template.Resources[logicalId].Type));
  const isProject = (logicalId: string) => template.Resources[logicalId].Type === 'AWS::CodeBuild::Project';
  const create = (logicalId: string) => createResource(template, logicalId, names, clients);
  await Promise.all(provisioned.filter((logicalId) => !isProject(logicalId)).map(create));
  await Promise.all(provisioned.filter(isProject).map(create));
  return names;
}

async function createResource(template: CloudFormationTemplate, logicalId: string, names: Map<string, string>, clients: EmulatorClients): Promise<void> {
  const { Type, Properties = {} } = template.Resources[logicalId];
  const name = names.get(logicalId)!;
  if (Type === 'AWS::DynamoDB::Table') {
    const created = await unlessExists(() =>
      clients.dynamodb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: Properties.KeySchema,
          AttributeDefinitions: Properties.AttributeDefinitions,
          GlobalSecondaryIndexes: Properties.GlobalSecondaryIndexes?.map((index: Record<string, unknown>) => ({
            IndexName: index.IndexName,
            KeySchema: index.KeySchema,
            Projection: index.Projection,
          })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
    );
    await waitUntilTableExists({ client: clients.dynamodb, maxWaitTime: 30 }, { TableName: name });
    if (created && Properties.TimeToLiveSpecification?.Enabled) {
      await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: Properties.TimeToLiveSpecification }));
    }
  } else if (Type === 'AWS::S3::Bucket') {
    // In us-east-1, S3 answers CreateBucket on a bucket you own with 200 (and moto empties it): look first.
    const exists = await clients.s3.send(new HeadBucketCommand({ Bucket: name })).then(
      () => true,
      (error: Error) => (error.name === 'NotFound' ? false : Promise.reject(error)),
    );
    if (!exists) await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
    if (Properties.VersioningConfiguration?.Status === 'Enabled') {
      await clients.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    }
  } else if (Type === 'AWS::Events::EventBus') {
    await unlessExists(() => clients.eventBridge.send(new CreateEventBusCommand({ Name: name })));
  } else if (Type === 'AWS::ECR::Repository') {
    await unlessExists(() =>
      needed(clients.ecr, Type).send(
        new CreateRepositoryCommand({
          repositoryName: name,
          imageTagMutability: Properties.ImageTagMutability,
          imageScanningConfiguration: { scanOnPush: Properties.ImageScanningConfiguration?.ScanOnPush === true },
        }),
      ),
    );
  } else if (Type === 'AWS::CodeBuild::Project') {
    const source = Properties.Source ?? {};
    await unlessExists(() =>
      needed(clients.codeBuild, Type).send(
        new CreateProjectCommand({
          name,
          source: { type: source.Type, location: resolveIntrinsic(template, source.Location, names, name), buildspec: source.BuildSpec },
          artifacts: { type: 'NO_ARTIFACTS' },
          environment: {
            type: Properties.Environment.Type,
            image: Properties.Environment.Image,
            computeType: Properties.Environment.ComputeType,
            privilegedMode: Properties.Environment.PrivilegedMode,
            environmentVariables: (Properties.Environment.EnvironmentVariables ?? []).map((variable: { Name: string; Value: unknown }) => ({
              name: variable.Name,
              value: resolveIntrinsic(template, variable.Value, names, `${logicalId}: ${variable.Name}`),
              type: 'PLAINTEXT' as const,
            })),
          },
          serviceRole: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`,
        }),
      ),
    );
  }
}

/**
 * A function's environment from the template, with references to provisioned resources replaced
 * by their local names (and ARNs and URIs built from them). A reference to anything not provisioned
 * is an error: the function would fail.
 */
export function functionEnvironment(template: CloudFormationTemplate, functionLogicalId: string, names: Map<string, string>): Record<string, string> {
  const variables: Record<string, unknown> = template.Resources[functionLogicalId].Properties?.Environment?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([variable, value]) => [variable, resolveIntrinsic(template, value, names, `${functionLogicalId}: ${variable}`)]),
  );
}

/** The ARNs `Fn::GetAtt` gives of the resources provisioned locally. */
const ARN_OF: Record<string, (name: string, region: string) => string> = {
  'AWS::ECR::Repository': (name, region) => `arn:aws:ecr:${region}:${LOCAL_ACCOUNT}:repository/${name}`,
  'AWS::CodeBuild::Project': (name, region) => `arn:aws:codebuild:${region}:${LOCAL_ACCOUNT}:project/${name}`,
};

/** Evaluates the intrinsics CDK writes into environments and locations: Ref, Fn::GetAtt (Arn), Fn::Join, Fn::Select, Fn::Split. */
function resolveIntrinsic(template: CloudFormationTemplate, value: unknown, names: Map<string, string>, what: string): string {
  const resolve = (inner: unknown): string | string[] => {
    if (typeof inner === 'string') return inner;
    const intrinsic = inner as Record<string, any>;
    if ('Ref' in intrinsic) {
      const name = names.get(intrinsic.Ref) ?? pseudoParameters()[intrinsic.Ref];
      if (name !== undefined && template.Resources[intrinsic.Ref]?.Type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(name);
      if (name !== undefined) return name;
    } else if ('Fn::GetAtt' in intrinsic) {
      const [logicalId, attribute] = intrinsic['Fn::GetAtt'] as [string, string];
      const arnOf = ARN_OF[template.Resources[logicalId]?.Type];
      const name = names.get(logicalId);
      if (attribute === 'Arn' && arnOf && name !== undefined) return arnOf(name, pseudoParameters()['AWS::Region']);
      // A role is not provisioned (nothing local checks IAM), but its ARN is passed on, such as SageMaker's execution role.
      const role = template.Resources[logicalId];
      if (attribute === 'Arn' && role?.Type === 'AWS::IAM::Role') return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${role.Properties?.RoleName ?? logicalId}`;
    } else if ('Fn::Join' in intrinsic) {
      const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => resolve(part) as string).join(separator);
    } else if ('Fn::Select' in intrinsic) {
      const [index, list] = intrinsic['Fn::Select'] as [number | string, unknown];
      return (resolve(list) as string[])[Number(index)];
    } else if ('Fn::Split' in intrinsic) {
      const [separator, source] = intrinsic['Fn::Split'] as [string, unknown];
      return (resolve(source) as string).split(separator);
    }
    throw new Error(`${what} refers to ${JSON.stringify(value)}, which is not provisioned locally`);
  };
  return resolve(value) as string;
}

/** Every function's environment (as `functionEnvironment`), by logical id. */
export function functionEnvironments(template: CloudFormationTemplate, names: Map<string, string>): Map<string, Record<string, string>> {
  return new Map(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([logicalId]) => [logicalId, functionEnvironment(template, logicalId, names)]),
  );
}
