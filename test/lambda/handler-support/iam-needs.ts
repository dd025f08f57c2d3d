/**
 * Which IAM actions an SDK command needs, and on what: the one place that says it, for the test
 * that compares what handler tests sent with the synthesized policies.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type EnvironmentVariable, FUNCTION_ENVIRONMENT, type SentCommand } from './sdk-mocks';

/** Each table by the environment variable that names it to a function. */
export const TABLE_KINDS = {
  REGISTRY_TABLE_NAME: 'registry-table',
  EXPERIMENTS_TABLE_NAME: 'experiments-table',
  MONITORING_TABLE_NAME: 'monitoring-table',
} as const satisfies Partial<Record<EnvironmentVariable, string>>;

export type TableKind = (typeof TABLE_KINDS)[keyof typeof TABLE_KINDS];

/**
 * Each bucket by the environment variable that names it to a function, and how far its grants
 * reach: any key of the bucket, or the keys under one top-level folder (`collected/`).
 */
export const BUCKET_KINDS = {
  ARTIFACT_BUCKET_NAME: { kind: 'artifact-bucket', grantsBy: 'bucket' },
  MONITORING_BUCKET_NAME: { kind: 'monitoring-bucket', grantsBy: 'folder' },
} as const satisfies Partial<Record<EnvironmentVariable, { kind: string; grantsBy: 'bucket' | 'folder' }>>;

export type BucketKind = (typeof BUCKET_KINDS)[keyof typeof BUCKET_KINDS]['kind'];

/**
 * Where an action applies: a table or one of its indexes (`experiments-table/index/gsi2`), a bucket
 * or its objects (`artifact-bucket/*`, `monitoring-bucket/collected/*`), the event bus, or `*` for
 * actions without resource-level permissions.
 */
export type IamResource = TableKind | `${TableKind}/index/${string}` | BucketKind | `${BucketKind}/${string}` | 'event-bus' | '*';

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

function bucketOf(bucketName: unknown) {
  const variable = variableHolding(bucketName);
  const bucket = (BUCKET_KINDS as Partial<Record<EnvironmentVariable, (typeof BUCKET_KINDS)[keyof typeof BUCKET_KINDS]>>)[variable];
  if (!bucket) throw new Error(`${variable} does not name a bucket: add it to BUCKET_KINDS`);
  return bucket;
}

/** The folder a key or prefix is under, as the grants of buckets granted by folder name it: `collected/*`. */
function folderOf(keyOrPrefix: string): string {
  const slash = keyOrPrefix.indexOf('/');
  if (slash < 1) throw new Error(`"${keyOrPrefix}" is under no top-level folder, and this bucket is granted by folder`);
  return `${keyOrPrefix.slice(0, slash)}/*`;
}

/** The objects an object command touches, as its grant names them. */
function objectsOf(input: { Bucket?: string; Key?: string }): IamResource {
  const { kind, grantsBy } = bucketOf(input.Bucket);
  return `${kind}/${grantsBy === 'bucket' ? '*' : folderOf(input.Key!)}`;
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

/** TransactWriteItems has no IAM action of its own: each item is authorised as its single-item action, on its own table. */
const TRANSACT_WRITE_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

const onTable = (action: string) => (input: { TableName?: string }): IamNeed[] => [{ action, resource: tableKind(input.TableName) }];

/** The one place that says which IAM actions an SDK command needs. A command missing here fails `iamNeedsOf`. */
const IAM_NEEDS = new Map<Function, (input: any) => IamNeed[]>([
  [GetCommand, onTable('dynamodb:GetItem')],
  [PutCommand, onTable('dynamodb:PutItem')],
  [UpdateCommand, onTable('dynamodb:UpdateItem')],
  [DeleteCommand, onTable('dynamodb:DeleteItem')],
  // Query is the only action that reads an index, and is granted on that index's ARN.
  [QueryCommand, (input) => [{ action: 'dynamodb:Query', resource: input.IndexName === undefined ? tableKind(input.TableName) : `${tableKind(input.TableName)}/index/${input.IndexName}` }]],
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
  [HeadObjectCommand, (input) => [...objectRead(input), listing(input)]],
  [GetObjectCommand, objectRead],
  [PutObjectCommand, (input) => [{ action: 's3:PutObject', resource: objectsOf(input) }]],
  [ListObjectsV2Command, (input) => [listing(input)]],
  [PutEventsCommand, () => [{ action: 'events:PutEvents', resource: 'event-bus' }]],
  // PutMetricData has no resource-level permissions: the grant is scoped by a namespace condition instead.
  [
    PutMetricDataCommand,
    (input) => [{ action: 'cloudwatch:PutMetricData', resource: '*', condition: `StringEquals cloudwatch:namespace = $${variableHolding(input.Namespace)}` }],
  ],
]);

/** The IAM actions `commands` need, deduplicated and sorted; throws on a command with no mapping. */
export function iamNeedsOf(commands: readonly Pick<SentCommand, 'sent' | 'input'>[]): IamNeed[] {
  const needs = new Map<string, IamNeed>();
  for (const { sent, input } of commands) {
    const mapper = IAM_NEEDS.get(sent.constructor);
    if (!mapper) throw new Error(`no IAM action mapped for ${sent.constructor.name}: add it to IAM_NEEDS in test/lambda/handler-support/iam-needs.ts`);
    for (const need of mapper(input)) needs.set(describeNeed(need), need);
  }
  return [...needs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, need]) => need);
}
