import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { StartBuildCommand } from '@aws-sdk/client-codebuild';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
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
import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { modelPackageGroupName } from '../../../lambda/images/core/model-packages';
import { describeNeed, iamNeedsOf } from './iam-needs';
import { FUNCTION_ENVIRONMENT, TEST_ACCOUNT } from './sdk-mocks';

const {
  REGISTRY_TABLE_NAME,
  EXPERIMENTS_TABLE_NAME,
  RUN_METRICS_NAMESPACE,
  ARTIFACT_BUCKET_NAME,
  MONITORING_BUCKET_NAME,
  BUILD_PROJECT_NAME,
  REPOSITORY_NAME,
  EXECUTION_ROLE_ARN,
} = FUNCTION_ENVIRONMENT;

describe('iamNeedsOf', () => {
  const sent = (command: { input: object }) => ({ sent: command, input: command.input as Record<string, unknown> });

  it('needs s3:GetObjectVersion only for reads of a given object version', () => {
    const current = iamNeedsOf([sent(new GetObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'k' }))]);
    const pinned = iamNeedsOf([sent(new GetObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'k', VersionId: 'v1' }))]);

    expect(current.map((need) => need.action)).toEqual(['s3:GetObject']);
    expect(pinned.map((need) => need.action)).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
  });

  it('needs s3:ListBucket on the bucket for HeadObject, so a missing key reads as 404, not 403', () => {
    const needs = iamNeedsOf([sent(new HeadObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'models/churn/model.tar.gz' }))]);

    expect(needs).toEqual([
      { action: 's3:GetObject', resource: 'artifact-bucket/models/*' },
      { action: 's3:ListBucket', resource: 'artifact-bucket' },
    ]);
  });

  it('needs s3:GetObject alone for the HeadObject of a function that takes 403 for a missing key (RegisterImage reads uploads it may not list)', () => {
    const needs = iamNeedsOf([sent(new HeadObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'image-inputs/score.py' }))], 'RegisterImage');

    expect(needs).toEqual([{ action: 's3:GetObject', resource: 'artifact-bucket/image-inputs/*' }]);
  });

  it('names the objects under a folder of a bucket granted apart (the prefixes of the artifact bucket) by that folder, any other key by the bucket', () => {
    const needs = iamNeedsOf([
      sent(new PutObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'images/fraud-scoring/1/context/Dockerfile' })),
      sent(new GetObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'image-inputs/requirements.txt' })),
      sent(new GetObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'elsewhere/requirements.txt' })),
    ]);

    expect(needs.map(describeNeed)).toEqual([
      's3:GetObject on artifact-bucket/*',
      's3:GetObject on artifact-bucket/image-inputs/*',
      's3:PutObject on artifact-bucket/images/*',
    ]);
  });

  it('needs a read of the source (its version when given) and a write of the target for CopyObject', () => {
    const copy = (CopySource: string) => new CopyObjectCommand({ Bucket: ARTIFACT_BUCKET_NAME, Key: 'images/fraud-scoring/1/context/score.py', CopySource });

    expect(iamNeedsOf([sent(copy(`${ARTIFACT_BUCKET_NAME}/other/my%20score.py`))]).map(describeNeed)).toEqual([
      's3:GetObject on artifact-bucket/*',
      's3:PutObject on artifact-bucket/images/*',
    ]);
    expect(iamNeedsOf([sent(copy(`${MONITORING_BUCKET_NAME}/collected/x.py?versionId=v1`))]).map(describeNeed)).toEqual([
      's3:GetObject on monitoring-bucket/collected/*',
      's3:GetObjectVersion on monitoring-bucket/collected/*',
      's3:PutObject on artifact-bucket/images/*',
    ]);
  });

  it('needs StartBuild on the build project named to the function', () => {
    const needs = iamNeedsOf([sent(new StartBuildCommand({ projectName: BUILD_PROJECT_NAME }))]);

    expect(needs).toEqual([{ action: 'codebuild:StartBuild', resource: 'image-build-project' }]);
  });

  it("needs DescribeImages on the platform's repository when named to the function, on the external repositories it was given when the request names one", () => {
    const needs = iamNeedsOf([
      sent(new DescribeImagesCommand({ repositoryName: REPOSITORY_NAME, imageIds: [{ imageTag: 'fraud-scoring-1' }] })),
      sent(new DescribeImagesCommand({ registryId: TEST_ACCOUNT, repositoryName: 'team/fraud-serving', imageIds: [{ imageTag: '1.4.0' }] })),
    ]);

    expect(needs.map(describeNeed)).toEqual(['ecr:DescribeImages on ecr:repository/team/*', 'ecr:DescribeImages on image-repository']);
  });

  it('fails loudly on DescribeImages of a repository it was not given: the grants cover no other', () => {
    expect(() => iamNeedsOf([sent(new DescribeImagesCommand({ registryId: TEST_ACCOUNT, repositoryName: 'other/fraud-serving' }))])).toThrow(
      /EXTERNAL_IMAGE_REPOSITORIES only/,
    );
  });

  it('fails loudly on DescribeImages of another account: the grants cover the own account only', () => {
    expect(() => iamNeedsOf([sent(new DescribeImagesCommand({ registryId: '210987654321', repositoryName: 'team/fraud-serving' }))])).toThrow(
      /own account \(123456789012\) only/,
    );
  });

  it("needs the SageMaker actions on the platform's model package groups and their packages: a versioned package on both", () => {
    const group = modelPackageGroupName('fraud-linear');
    const needs = iamNeedsOf([
      sent(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group })),
      sent(new CreateModelPackageCommand({ ModelPackageGroupName: group })),
      sent(new UpdateModelPackageCommand({ ModelPackageArn: `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${group}/1` })),
    ]);

    expect(needs.map(describeNeed)).toEqual([
      'sagemaker:CreateModelPackage on sagemaker:model-package-group/mlops-*',
      'sagemaker:CreateModelPackage on sagemaker:model-package/mlops-*/*',
      'sagemaker:CreateModelPackageGroup on sagemaker:model-package-group/mlops-*',
      'sagemaker:UpdateModelPackage on sagemaker:model-package/mlops-*/*',
    ]);
  });

  it.each([
    ['a group', new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fraud-linear' })],
    ['a package in a group', new CreateModelPackageCommand({ ModelPackageGroupName: 'fraud-linear' })],
    ['the approval of a package', new UpdateModelPackageCommand({ ModelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-linear/1' })],
  ])("fails loudly on %s outside the platform's groups: the grants cover mlops-* only", (_, command) => {
    expect(() => iamNeedsOf([sent(command)])).toThrow(/the grants cover .*platform's groups only/);
  });

  it("needs CreateModel on the platform's models, AddTags when it tags, and PassRole on the execution role named to the function, only to SageMaker", () => {
    const tags = [{ Key: 'mlops:deployment', Value: 'fraud-api' }];

    expect(
      iamNeedsOf([sent(new CreateModelCommand({ ModelName: 'mlops-fraud-api-1', ExecutionRoleArn: EXECUTION_ROLE_ARN, Tags: tags }))]).map(describeNeed),
    ).toEqual([
      'iam:PassRole on deployments-execution-role if StringEquals iam:PassedToService = "sagemaker.amazonaws.com"',
      'sagemaker:AddTags on sagemaker:model/mlops-*',
      'sagemaker:CreateModel on sagemaker:model/mlops-*',
    ]);
    expect(iamNeedsOf([sent(new CreateModelCommand({ ModelName: 'mlops-fraud-api-1', ExecutionRoleArn: EXECUTION_ROLE_ARN }))]).map(describeNeed)).toEqual([
      'iam:PassRole on deployments-execution-role if StringEquals iam:PassedToService = "sagemaker.amazonaws.com"',
      'sagemaker:CreateModel on sagemaker:model/mlops-*',
    ]);
  });

  it('fails loudly on a CreateModel passing a role no environment variable holds: the handler hard-coded it', () => {
    expect(() =>
      iamNeedsOf([sent(new CreateModelCommand({ ModelName: 'mlops-fraud-api-1', ExecutionRoleArn: 'arn:aws:iam::123456789012:role/admin' }))]),
    ).toThrow(/held by no function environment variable/);
  });

  it('needs CreateEndpoint and UpdateEndpoint on the endpoint and on the config it is given, AddTags on what a tagged create makes', () => {
    const tags = [{ Key: 'mlops:deployment', Value: 'fraud-api' }];
    const needs = iamNeedsOf([
      sent(new CreateEndpointConfigCommand({ EndpointConfigName: 'mlops-fraud-api-1', ProductionVariants: [], Tags: tags })),
      sent(new CreateEndpointCommand({ EndpointName: 'mlops-fraud-api', EndpointConfigName: 'mlops-fraud-api-1', Tags: tags })),
      sent(new UpdateEndpointCommand({ EndpointName: 'mlops-fraud-api', EndpointConfigName: 'mlops-fraud-api-2' })),
    ]);

    expect(needs.map(describeNeed)).toEqual([
      'sagemaker:AddTags on sagemaker:endpoint-config/mlops-*',
      'sagemaker:AddTags on sagemaker:endpoint/mlops-*',
      'sagemaker:CreateEndpoint on sagemaker:endpoint-config/mlops-*',
      'sagemaker:CreateEndpoint on sagemaker:endpoint/mlops-*',
      'sagemaker:CreateEndpointConfig on sagemaker:endpoint-config/mlops-*',
      'sagemaker:UpdateEndpoint on sagemaker:endpoint-config/mlops-*',
      'sagemaker:UpdateEndpoint on sagemaker:endpoint/mlops-*',
    ]);
  });

  it('needs the describe and deletes on the hosting resource each names', () => {
    const needs = iamNeedsOf([
      sent(new DescribeEndpointCommand({ EndpointName: 'mlops-fraud-api' })),
      sent(new DeleteEndpointCommand({ EndpointName: 'mlops-fraud-api' })),
      sent(new DeleteEndpointConfigCommand({ EndpointConfigName: 'mlops-fraud-api-1' })),
      sent(new DeleteModelCommand({ ModelName: 'mlops-fraud-api-1' })),
    ]);

    expect(needs.map(describeNeed)).toEqual([
      'sagemaker:DeleteEndpoint on sagemaker:endpoint/mlops-*',
      'sagemaker:DeleteEndpointConfig on sagemaker:endpoint-config/mlops-*',
      'sagemaker:DeleteModel on sagemaker:model/mlops-*',
      'sagemaker:DescribeEndpoint on sagemaker:endpoint/mlops-*',
    ]);
  });

  it.each([
    ['an endpoint', new DescribeEndpointCommand({ EndpointName: 'fraud-api' })],
    ['an endpoint config given to an update', new UpdateEndpointCommand({ EndpointName: 'mlops-fraud-api', EndpointConfigName: 'fraud-api-2' })],
    ['a model', new DeleteModelCommand({ ModelName: 'fraud-api-1' })],
  ])("fails loudly on %s outside the platform's names: the grants cover mlops-* only", (_, command) => {
    expect(() => iamNeedsOf([sent(command)])).toThrow(/the grants cover the platform's .*s only/);
  });

  it("needs the alarm actions on the platform's alarms, by the names each command gives", () => {
    const needs = iamNeedsOf([
      sent(
        new PutMetricAlarmCommand({
          AlarmName: 'mlops-fraud-api-5xx-rate',
          MetricName: 'Invocation5XXErrors',
          EvaluationPeriods: 2,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ),
      sent(new DescribeAlarmsCommand({ AlarmNames: ['mlops-fraud-api-5xx-rate', 'mlops-fraud-api-latency-p99'] })),
      sent(new DeleteAlarmsCommand({ AlarmNames: ['mlops-fraud-api-5xx-rate'] })),
    ]);

    expect(needs.map(describeNeed)).toEqual([
      'cloudwatch:DeleteAlarms on cloudwatch:alarm:mlops-*',
      'cloudwatch:DescribeAlarms on cloudwatch:alarm:mlops-*',
      'cloudwatch:PutMetricAlarm on cloudwatch:alarm:mlops-*',
    ]);
  });

  it("fails loudly on alarms outside the platform's names, and on a DescribeAlarms of every alarm of the account", () => {
    expect(() => iamNeedsOf([sent(new DeleteAlarmsCommand({ AlarmNames: ['mlops-fraud-api-5xx-rate', 'billing'] }))])).toThrow(
      /alarms billing are not the platform's/,
    );
    expect(() => iamNeedsOf([sent(new DescribeAlarmsCommand({}))])).toThrow(/names no alarm/);
  });

  it('names the objects of a bucket granted by folder by the top-level folder of the key, and holds its listing to that folder', () => {
    const needs = iamNeedsOf([
      sent(new PutObjectCommand({ Bucket: MONITORING_BUCKET_NAME, Key: 'reports/churn-prod/20260601T1200Z.json' })),
      sent(new GetObjectCommand({ Bucket: MONITORING_BUCKET_NAME, Key: 'baselines/churn/3/profile.json' })),
      sent(new ListObjectsV2Command({ Bucket: MONITORING_BUCKET_NAME, Prefix: 'collected/churn-prod/', Delimiter: '/' })),
    ]);

    expect(needs.map(describeNeed)).toEqual([
      's3:GetObject on monitoring-bucket/baselines/*',
      's3:ListBucket on monitoring-bucket if StringLike s3:prefix = "collected/*"',
      's3:PutObject on monitoring-bucket/reports/*',
    ]);
  });

  it('fails loudly on a key of a bucket granted by folder that is under no folder', () => {
    expect(() => iamNeedsOf([sent(new GetObjectCommand({ Bucket: MONITORING_BUCKET_NAME, Key: 'profile.json' }))])).toThrow(/under no top-level folder/);
    expect(() => iamNeedsOf([sent(new ListObjectsV2Command({ Bucket: MONITORING_BUCKET_NAME }))])).toThrow(/under no top-level folder/);
  });

  it('authorises a transaction by the action of each of its items, on the table each names', () => {
    const transaction = new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: REGISTRY_TABLE_NAME, Key: { pk: 'a' } } },
        { ConditionCheck: { TableName: REGISTRY_TABLE_NAME, Key: { pk: 'b' }, ConditionExpression: 'attribute_exists(pk)' } },
        { Update: { TableName: EXPERIMENTS_TABLE_NAME, Key: { pk: 'c' }, UpdateExpression: 'SET a = :a' } },
        { Put: { TableName: EXPERIMENTS_TABLE_NAME, Item: { pk: 'd' } } },
      ],
    });

    expect(iamNeedsOf([sent(transaction)]).map(describeNeed)).toEqual([
      'dynamodb:ConditionCheckItem on registry-table',
      'dynamodb:DeleteItem on registry-table',
      'dynamodb:PutItem on experiments-table',
      'dynamodb:UpdateItem on experiments-table',
    ]);
  });

  it('tells the tables apart by the environment variable holding the name each command used', () => {
    const needs = iamNeedsOf([
      sent(new GetCommand({ TableName: REGISTRY_TABLE_NAME, Key: { pk: 'a' } })),
      sent(new GetCommand({ TableName: EXPERIMENTS_TABLE_NAME, Key: { pk: 'a' } })),
      sent(new BatchGetCommand({ RequestItems: { [EXPERIMENTS_TABLE_NAME]: { Keys: [{ pk: 'a' }] } } })),
    ]);

    expect(needs.map(describeNeed)).toEqual([
      'dynamodb:BatchGetItem on experiments-table',
      'dynamodb:GetItem on experiments-table',
      'dynamodb:GetItem on registry-table',
    ]);
  });

  it('needs Query on the index a query names, and on the table otherwise', () => {
    const needs = iamNeedsOf([
      sent(new QueryCommand({ TableName: EXPERIMENTS_TABLE_NAME, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :p' })),
      sent(new QueryCommand({ TableName: EXPERIMENTS_TABLE_NAME, KeyConditionExpression: 'pk = :p' })),
    ]);

    expect(needs.map(describeNeed)).toEqual(['dynamodb:Query on experiments-table', 'dynamodb:Query on experiments-table/index/gsi2']);
  });

  it('needs PutMetricData on * under a condition on the namespace the function was given', () => {
    const needs = iamNeedsOf([sent(new PutMetricDataCommand({ Namespace: RUN_METRICS_NAMESPACE, MetricData: [] }))]);

    expect(needs.map(describeNeed)).toEqual(['cloudwatch:PutMetricData on * if StringEquals cloudwatch:namespace = $RUN_METRICS_NAMESPACE']);
  });

  it('fails loudly on a table or namespace no environment variable holds: the handler hard-coded it', () => {
    expect(() => iamNeedsOf([sent(new GetCommand({ TableName: 'other-table', Key: {} }))])).toThrow(
      /"other-table" is held by no function environment variable/,
    );
    expect(() => iamNeedsOf([sent(new PutMetricDataCommand({ Namespace: 'MlopsPlatform/Experiments', MetricData: [] }))])).toThrow(
      /held by no function environment variable/,
    );
  });

  it('fails loudly on a command with no IAM mapping, naming it', () => {
    expect(() => iamNeedsOf([sent(new ScanCommand({ TableName: REGISTRY_TABLE_NAME }))])).toThrow(/no IAM action mapped for ScanCommand/);
  });
});
