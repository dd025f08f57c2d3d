/**
 * Which IAM actions an SDK command needs, and on what: the one place that says it, for the test
 * that compares what handler tests sent with the synthesized policies.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type EnvironmentVariable, FUNCTION_ENVIRONMENT, type SentCommand } from './sdk-mocks';

/** Each table by the environment variable that names it to a function. */
export const TABLE_KINDS = {
  REGISTRY_TABLE_NAME: 'registry-table',
  EXPERIMENTS_TABLE_NAME: 'experiments-table',
} as const satisfies Partial<Record<EnvironmentVariable, string>>;

export type TableKind = (typeof TABLE_KINDS)[keyof typeof TABLE_KINDS];

/**
 * Where an action applies: a table or one of its indexes (`experiments-table/index/gsi2`), the
 * artifact bucket or its objects, the event bus, or `*` for actions without resource-level permissions.
 */
export type IamResource = TableKind | `${TableKind}/index/${string}` | 'bucket' | 'object' | 'event-bus' | '*';

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

const objectRead = (input: { VersionId?: string }): IamNeed[] => [
  { action: 's3:GetObject', resource: 'object' },
  ...(input.VersionId === undefined ? [] : [{ action: 's3:GetObjectVersion', resource: 'object' as const }]),
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
  [HeadObjectCommand, (input) => [...objectRead(input), { action: 's3:ListBucket', resource: 'bucket' }]],
  [GetObjectCommand, objectRead],
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
