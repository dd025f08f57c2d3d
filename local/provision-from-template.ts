import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, HeadBucketCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Creates on the emulators the stateful resources a synthesized template declares (DynamoDB
 * tables with their keys and indexes, S3 buckets, event buses), so local runs use exactly the
 * deployed shapes. Returns the physical name given to each logical id. Resources that already
 * exist (a local platform restarted on its data) are kept as they are.
 */

/** The errors the emulators answer when a resource of that name is already there. */
const ALREADY_EXISTS = new Set(['ResourceInUseException', 'ResourceAlreadyExistsException']);

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
}

export async function provisionFromTemplate(
  template: CloudFormationTemplate,
  clients: EmulatorClients,
  namePrefix: string,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const nameOf = (logicalId: string) => `${namePrefix}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 63);
  for (const [logicalId, { Type, Properties = {} }] of Object.entries(template.Resources)) {
    const name = nameOf(logicalId);
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
    } else {
      continue;
    }
    names.set(logicalId, name);
  }
  return names;
}

/**
 * A function's environment from the template, with `Ref`s to provisioned resources replaced by
 * their local names. A reference to anything not provisioned is an error: the function would fail.
 */
export function functionEnvironment(template: CloudFormationTemplate, functionLogicalId: string, names: Map<string, string>): Record<string, string> {
  const variables: Record<string, unknown> = template.Resources[functionLogicalId].Properties?.Environment?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([variable, value]) => {
      if (typeof value === 'string') return [variable, value];
      const ref = (value as { Ref?: string }).Ref;
      const name = ref === undefined ? undefined : names.get(ref);
      if (name === undefined) throw new Error(`${functionLogicalId}: ${variable} refers to ${JSON.stringify(value)}, which is not provisioned locally`);
      return [variable, name];
    }),
  );
}

/** Every function's environment (as `functionEnvironment`), by logical id. */
export function functionEnvironments(template: CloudFormationTemplate, names: Map<string, string>): Map<string, Record<string, string>> {
  return new Map(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([logicalId]) => [logicalId, functionEnvironment(template, logicalId, names)]),
  );
}
