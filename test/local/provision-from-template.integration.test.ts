import { randomUUID } from 'node:crypto';
import { CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { type CodeBuildStandIn, startCodeBuildStandIn } from '../../local/codebuild-stand-in';
import { functionEnvironment, provisionFromTemplate } from '../../local/provision-from-template';
import { readSynthesizedTemplate } from '../emulators/synthesized-template';

describe('provisionFromTemplate', () => {
  const template = readSynthesizedTemplate();
  const clients = {
    dynamodb: new DynamoDBClient({}),
    s3: new S3Client({ forcePathStyle: true }),
    eventBridge: new EventBridgeClient({}),
    ecr: new ECRClient({}),
  };
  const resourcesOf = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
  let names: Map<string, string>;
  let codeBuild: CodeBuildStandIn;

  beforeAll(async () => {
    codeBuild = await startCodeBuildStandIn();
    names = await provisionFromTemplate(
      template,
      { ...clients, codeBuild: new CodeBuildClient({ endpoint: codeBuild.endpoint }) },
      `provision-${randomUUID().slice(0, 8)}`,
    );
  });

  afterAll(() => codeBuild.close());

  test('creates each table with the keys, attribute types, indexes and TTL the template declares', async () => {
    for (const [logicalId, { Properties }] of resourcesOf('AWS::DynamoDB::Table')) {
      const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: names.get(logicalId) }));
      const { TimeToLiveDescription } = await clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: names.get(logicalId) }));

      expect(Table?.KeySchema).toEqual(Properties!.KeySchema);
      expect(Table?.AttributeDefinitions).toEqual(expect.arrayContaining(Properties!.AttributeDefinitions));
      expect(Table?.AttributeDefinitions).toHaveLength(Properties!.AttributeDefinitions.length);
      expect(
        (Table?.GlobalSecondaryIndexes ?? []).map(({ IndexName, KeySchema, Projection }) => ({
          IndexName,
          KeySchema,
          // An INCLUDE projection names what it copies besides the keys (the run search index does).
          Projection: {
            ProjectionType: Projection?.ProjectionType,
            ...(Projection?.NonKeyAttributes ? { NonKeyAttributes: Projection.NonKeyAttributes } : {}),
          },
        })),
      ).toEqual(Properties!.GlobalSecondaryIndexes ?? []);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(TimeToLiveDescription).toMatchObject({
        AttributeName: Properties!.TimeToLiveSpecification.AttributeName,
        TimeToLiveStatus: 'ENABLED',
      });
    }
  });

  test('creates every bucket, versioned where the template versions it', async () => {
    const buckets = resourcesOf('AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThan(0);
    for (const [logicalId, { Properties }] of buckets) {
      const { Status } = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: names.get(logicalId) }));
      expect(Status).toBe(Properties?.VersioningConfiguration?.Status);
    }
  });

  test('creates the event bus', async () => {
    for (const [logicalId] of resourcesOf('AWS::Events::EventBus')) {
      await expect(clients.eventBridge.send(new DescribeEventBusCommand({ Name: names.get(logicalId) }))).resolves.toMatchObject({
        Name: names.get(logicalId),
      });
    }
  });

  test('creates the image repository with its tag mutability and scan on push, and the build project', async () => {
    const [[repositoryId, repository]] = resourcesOf('AWS::ECR::Repository');
    const { repositories = [] } = await clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [names.get(repositoryId)!] }));
    expect(repositories[0]).toMatchObject({ imageTagMutability: repository.Properties!.ImageTagMutability, imageScanningConfiguration: { scanOnPush: true } });
    const [[projectId]] = resourcesOf('AWS::CodeBuild::Project');
    const [registerImageId] = resourcesOf('AWS::Lambda::Function').find(
      ([, resource]) => resource.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'RegisterImage',
    )!;
    const environment = functionEnvironment(template, registerImageId, names);
    // The project builds from the artifact bucket's images/ folder; each build overrides it with its own context.
    expect(environment.BUILD_PROJECT_NAME).toBe(names.get(projectId));
    const build = await new CodeBuildClient({ endpoint: codeBuild.endpoint }).send(new StartBuildCommand({ projectName: environment.BUILD_PROJECT_NAME }));
    expect(build.build?.source?.location).toBe(`${environment.ARTIFACT_BUCKET_NAME}/images/`);
    expect(codeBuild.builds()[0].variables).toEqual({
      REPOSITORY_URI: environment.REPOSITORY_URI ?? expect.stringMatching(/\.dkr\.ecr\./),
      REPOSITORY_NAME: names.get(repositoryId),
    });
  });

  test("resolves every function's environment to the provisioned names", () => {
    for (const [logicalId] of resourcesOf('AWS::Lambda::Function')) {
      const environment = functionEnvironment(template, logicalId, names);
      expect(Object.values(environment).every((value) => typeof value === 'string' && value.length > 0)).toBe(true);
      // Every table, bucket and bus a function is told of is one that was provisioned.
      const resourceNames = Object.entries(environment).filter(([variable]) => /_(TABLE|BUCKET)_NAME$|^EVENT_BUS_NAME$/.test(variable));
      expect(resourceNames.length).toBeGreaterThan(0);
      for (const [, name] of resourceNames) expect([...names.values()]).toContain(name);
    }
  });

  test('fails on a function whose environment refers to something not provisioned', () => {
    const [functionId] = resourcesOf('AWS::Lambda::Function')[0];
    expect(() => functionEnvironment(template, functionId, new Map())).toThrow(/not provisioned locally/);
  });
});
