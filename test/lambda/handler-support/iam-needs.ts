/**
 * Which IAM actions an SDK command needs, and on what: the one place that says it, for the test
 * that compares what handler tests sent with the synthesized policies.
 */
import { DeleteAlarmsCommand, DescribeAlarmsCommand, GetMetricDataCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { StartBuildCommand } from '@aws-sdk/client-codebuild';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  UpdateEndpointCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SAGEMAKER_NAME_PREFIX } from '../../../lambda/deployments/core/sagemaker-names';
import { MODEL_PACKAGE_GROUP_PREFIX } from '../../../lambda/images/core/model-packages';
import { type EnvironmentVariable, FUNCTION_ENVIRONMENT, type PlatformFunctionName, type SentCommand, TEST_ACCOUNT } from './sdk-mocks';

/** Each table by the environment variable that names it to a function. */
export const TABLE_KINDS = {
  REGISTRY_TABLE_NAME: 'registry-table',
  EXPERIMENTS_TABLE_NAME: 'experiments-table',
  MONITORING_TABLE_NAME: 'monitoring-table',
  IMAGES_TABLE_NAME: 'images-table',
  DEPLOYMENTS_TABLE_NAME: 'deployments-table',
} as const satisfies Partial<Record<EnvironmentVariable, string>>;

export type TableKind = (typeof TABLE_KINDS)[keyof typeof TABLE_KINDS];

interface BucketGrants {
  readonly kind: string;
  /** How far its grants reach: any key of the bucket, or the keys under one top-level folder (`collected/`). */
  readonly grantsBy: 'bucket' | 'folder';
  /** Top-level folders of a bucket granted by bucket that one capability writes alone, and is granted alone (`images/`). */
  readonly foldersGrantedApart?: readonly string[];
}

/** Each bucket by the environment variable that names it to a function, and how far its grants reach. */
export const BUCKET_KINDS = {
  // Each capability is granted its own folders of the artifact bucket (lambda/shared/artifact-prefixes.ts).
  ARTIFACT_BUCKET_NAME: {
    kind: 'artifact-bucket',
    grantsBy: 'bucket',
    foldersGrantedApart: ['images/', 'image-inputs/', 'training-data/', 'models/', 'uploads/', 'mlflow/', 'registry-manifests/'],
  },
  MONITORING_BUCKET_NAME: { kind: 'monitoring-bucket', grantsBy: 'folder' },
} as const satisfies Partial<Record<EnvironmentVariable, BucketGrants>>;

export type BucketKind = (typeof BUCKET_KINDS)[keyof typeof BUCKET_KINDS]['kind'];

/** The other resources a function is given the name of, by the environment variable that names them. */
export const NAMED_RESOURCE_KINDS = {
  REPOSITORY_NAME: 'image-repository',
  BUILD_PROJECT_NAME: 'image-build-project',
  EXECUTION_ROLE_ARN: 'deployments-execution-role',
  DRIFT_CHECK_STATE_MACHINE_ARN: 'drift-check-state-machine',
} as const satisfies Partial<Record<EnvironmentVariable, string>>;

export type NamedResourceKind = (typeof NAMED_RESOURCE_KINDS)[keyof typeof NAMED_RESOURCE_KINDS];

/** Resources of the function's own account and region that a request names, granted by pattern: `<service>:<resource type>/<name pattern>`. */
export type AccountResource =
  | `ecr:repository/${string}`
  | `sagemaker:model-package-group/${string}`
  | `sagemaker:model-package/${string}`
  | `sagemaker:${'endpoint' | 'endpoint-config' | 'model'}/${string}`
  | `cloudwatch:alarm:${string}`;

/**
 * Where an action applies: a table or one of its indexes (`experiments-table/index/gsi2`), a bucket
 * or its objects (`artifact-bucket/*`, `monitoring-bucket/collected/*`), the event bus, another
 * resource named to the function (`image-repository`), resources of a type the request names
 * (`ecr:repository/*`), or `*` for actions without resource-level permissions.
 */
export type IamResource =
  | TableKind
  | `${TableKind}/index/${string}`
  | BucketKind
  | `${BucketKind}/${string}`
  | NamedResourceKind
  | AccountResource
  | 'event-bus'
  | '*';

export interface IamNeed {
  readonly action: string;
  readonly resource: IamResource;
  /** A condition the grant must carry, its value named by the environment variable that holds it: `StringEquals cloudwatch:namespace = $RUN_METRICS_NAMESPACE`. */
  readonly condition?: string;
}

/** `dynamodb:Query on experiments-table/index/gsi2`, with ` if <condition>` when there is one: how needs and grants are compared. */
export const describeNeed = ({ action, resource, condition }: IamNeed) => `${action} on ${resource}${condition === undefined ? '' : ` if ${condition}`}`;

/** The environment variable whose test value is `value`; a value no variable holds was hard-coded in the handler. */
export function variableHolding(value: unknown): EnvironmentVariable {
  const found = (Object.keys(FUNCTION_ENVIRONMENT) as EnvironmentVariable[]).find((variable) => FUNCTION_ENVIRONMENT[variable] === value);
  if (!found) throw new Error(`${JSON.stringify(value)} is held by no function environment variable: the handler did not take it from its environment`);
  return found;
}

/** The kind of the table a command named, by the environment variable that holds its name. */
export function tableKind(tableName: unknown): TableKind {
  const variable = variableHolding(tableName);
  const kind = (TABLE_KINDS as Partial<Record<EnvironmentVariable, TableKind>>)[variable];
  if (!kind) throw new Error(`${variable} does not name a table: add it to TABLE_KINDS`);
  return kind;
}

function bucketOf(bucketName: unknown): BucketGrants & { readonly kind: BucketKind } {
  const variable = variableHolding(bucketName);
  const bucket = (BUCKET_KINDS as Partial<Record<EnvironmentVariable, BucketGrants & { readonly kind: BucketKind }>>)[variable];
  if (!bucket) throw new Error(`${variable} does not name a bucket: add it to BUCKET_KINDS`);
  return bucket;
}

/** The kind of a resource (not a table or bucket) a command named, by the environment variable that holds its name. */
function namedResourceKind(name: unknown): NamedResourceKind {
  const variable = variableHolding(name);
  const kind = (NAMED_RESOURCE_KINDS as Partial<Record<EnvironmentVariable, NamedResourceKind>>)[variable];
  if (!kind) throw new Error(`${variable} does not name a resource: add it to NAMED_RESOURCE_KINDS`);
  return kind;
}

/** The folder a key or prefix is under, as the grants of buckets granted by folder name it: `collected/*`. */
function folderOf(keyOrPrefix: string): string {
  const slash = keyOrPrefix.indexOf('/');
  if (slash < 1) throw new Error(`"${keyOrPrefix}" is under no top-level folder, and this bucket is granted by folder`);
  return `${keyOrPrefix.slice(0, slash)}/*`;
}

/** The objects an object command touches, as its grant names them. */
function objectsOf(input: { Bucket?: string; Key?: string }): IamResource {
  const { kind, grantsBy, foldersGrantedApart = [] } = bucketOf(input.Bucket);
  const apart = foldersGrantedApart.some((folder) => input.Key!.startsWith(folder));
  return `${kind}/${grantsBy === 'folder' || apart ? folderOf(input.Key!) : '*'}`;
}

/** Listing a bucket granted by folder is held to the folder the prefix is under. */
function listing(input: { Bucket?: string; Prefix?: string }): IamNeed {
  const { kind, grantsBy } = bucketOf(input.Bucket);
  return grantsBy === 'bucket'
    ? { action: 's3:ListBucket', resource: kind }
    : { action: 's3:ListBucket', resource: kind, condition: `StringLike s3:prefix = ${JSON.stringify(folderOf(input.Prefix ?? ''))}` };
}

const objectRead = (input: { Bucket?: string; Key?: string; VersionId?: string }): IamNeed[] => [
  { action: 's3:GetObject', resource: objectsOf(input) },
  ...(input.VersionId === undefined ? [] : [{ action: 's3:GetObjectVersion', resource: objectsOf(input) }]),
];

/** The object a CopyObject reads: `CopySource` is `bucket/key`, the key URL-encoded, with `?versionId=` for a version. */
function copySourceOf(copySource: string): { Bucket: string; Key: string; VersionId?: string } {
  const [path, query] = copySource.split('?');
  const slash = path.indexOf('/');
  const versionId = new URLSearchParams(query ?? '').get('versionId') ?? undefined;
  return { Bucket: path.slice(0, slash), Key: decodeURIComponent(path.slice(slash + 1)), VersionId: versionId };
}

/**
 * Functions that read a bucket they may not list and take S3's 403 for a missing key as "missing"
 * (`S3BuildInputs`): their HeadObject needs `s3:GetObject` alone. Any other function's HeadObject
 * also needs `s3:ListBucket`, to be told a missing key (404) from a forbidden one (403).
 */
const READERS_WITHOUT_LISTING: ReadonlySet<PlatformFunctionName> = new Set(['RegisterImage']);

/**
 * The repository a DescribeImages names: the platform's, when the function was given its name, or
 * one of the repositories of the function's own account that images built elsewhere may come from
 * (`EXTERNAL_IMAGE_REPOSITORIES`: names, or prefixes ending in `*`), as its grant names it.
 */
function repositoryOf(input: { registryId?: string; repositoryName?: string }): IamResource {
  if (input.registryId !== undefined && input.registryId !== TEST_ACCOUNT) {
    throw new Error(`DescribeImages of registry ${input.registryId}: the grants cover repositories of the function's own account (${TEST_ACCOUNT}) only`);
  }
  const named = (Object.keys(FUNCTION_ENVIRONMENT) as EnvironmentVariable[]).some((variable) => FUNCTION_ENVIRONMENT[variable] === input.repositoryName);
  if (named) return namedResourceKind(input.repositoryName);
  const name = input.repositoryName ?? '';
  const pattern = FUNCTION_ENVIRONMENT.EXTERNAL_IMAGE_REPOSITORIES.split(',').find((allowed) =>
    allowed.endsWith('*') ? name.startsWith(allowed.slice(0, -1)) : name === allowed,
  );
  if (!pattern) throw new Error(`DescribeImages of repository ${name}: the grants cover EXTERNAL_IMAGE_REPOSITORIES only`);
  return `ecr:repository/${pattern}`;
}

/** The platform's model package groups, and the packages in them, as their grants name them: by the groups' name prefix. */
const PACKAGE_GROUPS = `sagemaker:model-package-group/${MODEL_PACKAGE_GROUP_PREFIX}*` as const;
const PACKAGES = `sagemaker:model-package/${MODEL_PACKAGE_GROUP_PREFIX}*/*` as const;

/** A group the function names must be one of the platform's: its grants cover no other. */
function platformGroup(groupName: string): void {
  if (!groupName.startsWith(MODEL_PACKAGE_GROUP_PREFIX))
    throw new Error(`model package group ${groupName} is not the platform's (${MODEL_PACKAGE_GROUP_PREFIX}*): the grants cover the platform's groups only`);
}

/** A package ARN, `arn:...:model-package/<group>/<version>`, of one of the platform's groups. */
function platformPackage(arn: string): typeof PACKAGES {
  platformGroup(/:model-package\/([^/]+)\//.exec(arn)?.[1] ?? '');
  return PACKAGES;
}

/** The SageMaker hosting resources of deployments, as their grants name them: by the platform's name prefix. */
const HOSTING = {
  endpoint: `sagemaker:endpoint/${SAGEMAKER_NAME_PREFIX}*`,
  'endpoint-config': `sagemaker:endpoint-config/${SAGEMAKER_NAME_PREFIX}*`,
  model: `sagemaker:model/${SAGEMAKER_NAME_PREFIX}*`,
} as const;

/** `action` on the platform's hosting resource of `type` named `name`: its grants cover no other. */
function onHosting(action: string, type: keyof typeof HOSTING, name: string): IamNeed {
  if (!name?.startsWith(SAGEMAKER_NAME_PREFIX))
    throw new Error(`SageMaker ${type} ${name} is not the platform's (${SAGEMAKER_NAME_PREFIX}*): the grants cover the platform's ${type}s only`);
  return { action: `sagemaker:${action}`, resource: HOSTING[type] };
}

/** A create with tags needs `sagemaker:AddTags` on what it creates, as well as the create itself. */
const tagged = (input: { Tags?: unknown[] }, type: keyof typeof HOSTING, name: string): IamNeed[] =>
  input.Tags?.length ? [onHosting('AddTags', type, name)] : [];

/** The platform's rollback alarms, as their grants name them: by the name prefix they share with the hosting resources. */
const ALARMS = `cloudwatch:alarm:${SAGEMAKER_NAME_PREFIX}*` as const;

/** `action` on the alarms a command names, each the platform's; a command naming none (every alarm of the account) is granted to no function. */
function onAlarms(action: string, names: readonly string[] | undefined): IamNeed[] {
  if (!names?.length) throw new Error(`${action} names no alarm: the grants cover the platform's alarms (${SAGEMAKER_NAME_PREFIX}*) by name only`);
  const foreign = names.filter((name) => !name.startsWith(SAGEMAKER_NAME_PREFIX));
  if (foreign.length > 0)
    throw new Error(`alarms ${foreign.join(', ')} are not the platform's (${SAGEMAKER_NAME_PREFIX}*): the grants cover the platform's alarms only`);
  return [{ action, resource: ALARMS }];
}

/** TransactWriteItems has no IAM action of its own: each item is authorised as its single-item action, on its own table. */
const TRANSACT_WRITE_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

const onTable =
  (action: string) =>
  (input: { TableName?: string }): IamNeed[] => [{ action, resource: tableKind(input.TableName) }];

/** The one place that says which IAM actions an SDK command needs (sent by `functionName`, where that matters). A command missing here fails `iamNeedsOf`. */
const IAM_NEEDS = new Map<Function, (input: any, functionName?: PlatformFunctionName) => IamNeed[]>([
  [GetCommand, onTable('dynamodb:GetItem')],
  [PutCommand, onTable('dynamodb:PutItem')],
  [UpdateCommand, onTable('dynamodb:UpdateItem')],
  [DeleteCommand, onTable('dynamodb:DeleteItem')],
  // Query is the only action that reads an index, and is granted on that index's ARN.
  [
    QueryCommand,
    (input) => [
      {
        action: 'dynamodb:Query',
        resource: input.IndexName === undefined ? tableKind(input.TableName) : `${tableKind(input.TableName)}/index/${input.IndexName}`,
      },
    ],
  ],
  [BatchGetCommand, (input) => Object.keys(input.RequestItems).map((tableName) => ({ action: 'dynamodb:BatchGetItem', resource: tableKind(tableName) }))],
  [
    TransactWriteCommand,
    (input) =>
      (input.TransactItems as Record<string, { TableName?: string }>[]).map((item) => {
        const [[kind, request]] = Object.entries(item);
        const action = TRANSACT_WRITE_ITEM_ACTIONS[kind];
        if (!action) throw new Error(`no IAM action mapped for TransactWriteItems item "${kind}": add it to TRANSACT_WRITE_ITEM_ACTIONS`);
        return { action, resource: tableKind(request.TableName) };
      }),
  ],
  // Without s3:ListBucket, S3 answers HeadObject on a missing key with 403 instead of 404, and the
  // registry could not tell the caller "upload the artifact first".
  [HeadObjectCommand, (input, functionName) => [...objectRead(input), ...(functionName && READERS_WITHOUT_LISTING.has(functionName) ? [] : [listing(input)])]],
  [GetObjectCommand, objectRead],
  [PutObjectCommand, (input) => [{ action: 's3:PutObject', resource: objectsOf(input) }]],
  // A copy reads its source and writes its target: no action of its own.
  [CopyObjectCommand, (input) => [...objectRead(copySourceOf(input.CopySource)), { action: 's3:PutObject', resource: objectsOf(input) }]],
  [ListObjectsV2Command, (input) => [listing(input)]],
  [PutEventsCommand, () => [{ action: 'events:PutEvents', resource: 'event-bus' }]],
  [StartBuildCommand, (input) => [{ action: 'codebuild:StartBuild', resource: namedResourceKind(input.projectName) }]],
  [StartExecutionCommand, (input) => [{ action: 'states:StartExecution', resource: namedResourceKind(input.stateMachineArn) }]],
  [DescribeImagesCommand, (input) => [{ action: 'ecr:DescribeImages', resource: repositoryOf(input) }]],
  [
    CreateModelPackageGroupCommand,
    (input) => {
      platformGroup(input.ModelPackageGroupName);
      return [{ action: 'sagemaker:CreateModelPackageGroup', resource: PACKAGE_GROUPS }];
    },
  ],
  // A versioned package is authorised on the package it creates and on the group it is created in.
  [
    CreateModelPackageCommand,
    (input) => {
      if (input.ModelPackageGroupName === undefined)
        throw new Error("CreateModelPackage without a group: the grants cover versioned packages of the platform's groups only");
      platformGroup(input.ModelPackageGroupName);
      return [
        { action: 'sagemaker:CreateModelPackage', resource: PACKAGES },
        { action: 'sagemaker:CreateModelPackage', resource: PACKAGE_GROUPS },
      ];
    },
  ],
  [UpdateModelPackageCommand, (input) => [{ action: 'sagemaker:UpdateModelPackage', resource: platformPackage(input.ModelPackageArn) }]],
  // CreateModel passes the execution role to SageMaker: PassRole on that role alone, and only to SageMaker.
  [
    CreateModelCommand,
    (input) => [
      onHosting('CreateModel', 'model', input.ModelName),
      ...tagged(input, 'model', input.ModelName),
      {
        action: 'iam:PassRole',
        resource: namedResourceKind(input.ExecutionRoleArn),
        condition: 'StringEquals iam:PassedToService = "sagemaker.amazonaws.com"',
      },
    ],
  ],
  [
    CreateEndpointConfigCommand,
    (input) => [onHosting('CreateEndpointConfig', 'endpoint-config', input.EndpointConfigName), ...tagged(input, 'endpoint-config', input.EndpointConfigName)],
  ],
  // SageMaker authorises creating and updating an endpoint on the endpoint and on the config it is given.
  [
    CreateEndpointCommand,
    (input) => [
      onHosting('CreateEndpoint', 'endpoint', input.EndpointName),
      onHosting('CreateEndpoint', 'endpoint-config', input.EndpointConfigName),
      ...tagged(input, 'endpoint', input.EndpointName),
    ],
  ],
  [
    UpdateEndpointCommand,
    (input) => [onHosting('UpdateEndpoint', 'endpoint', input.EndpointName), onHosting('UpdateEndpoint', 'endpoint-config', input.EndpointConfigName)],
  ],
  [DescribeEndpointCommand, (input) => [onHosting('DescribeEndpoint', 'endpoint', input.EndpointName)]],
  [DeleteEndpointCommand, (input) => [onHosting('DeleteEndpoint', 'endpoint', input.EndpointName)]],
  [DeleteEndpointConfigCommand, (input) => [onHosting('DeleteEndpointConfig', 'endpoint-config', input.EndpointConfigName)]],
  [DeleteModelCommand, (input) => [onHosting('DeleteModel', 'model', input.ModelName)]],
  [PutMetricAlarmCommand, (input) => onAlarms('cloudwatch:PutMetricAlarm', [input.AlarmName])],
  [DescribeAlarmsCommand, (input) => onAlarms('cloudwatch:DescribeAlarms', input.AlarmNames)],
  [DeleteAlarmsCommand, (input) => onAlarms('cloudwatch:DeleteAlarms', input.AlarmNames)],
  // GetMetricData has no resource-level permissions: a grant of it reads every metric of the account.
  [GetMetricDataCommand, () => [{ action: 'cloudwatch:GetMetricData', resource: '*' }]],
  // PutMetricData has no resource-level permissions: the grant is scoped by a namespace condition instead.
  [
    PutMetricDataCommand,
    (input) => [{ action: 'cloudwatch:PutMetricData', resource: '*', condition: `StringEquals cloudwatch:namespace = $${variableHolding(input.Namespace)}` }],
  ],
]);

/** The IAM actions `commands` (sent by `functionName`) need, deduplicated and sorted; throws on a command with no mapping. */
export function iamNeedsOf(commands: readonly Pick<SentCommand, 'sent' | 'input'>[], functionName?: PlatformFunctionName): IamNeed[] {
  const needs = new Map<string, IamNeed>();
  for (const { sent, input } of commands) {
    const mapper = IAM_NEEDS.get(sent.constructor);
    if (!mapper) throw new Error(`no IAM action mapped for ${sent.constructor.name}: add it to IAM_NEEDS in test/lambda/handler-support/iam-needs.ts`);
    for (const need of mapper(input, functionName)) needs.set(describeNeed(need), need);
  }
  return [...needs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, need]) => need);
}
