import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelRegistry, type ModelRegistryProps } from '../../../lib';
import { testApp } from '../../support/platform-app';

function registryStack(props: Partial<ModelRegistryProps> = {}) {
  const app = testApp();
  const stack = new Stack(app, 'Test');
  const registry = new ModelRegistry(stack, 'Registry', { eventBus: new events.EventBus(stack, 'Bus'), ...props });
  return { stack, registry };
}

describe('ModelRegistry', () => {
  const { stack, registry } = registryStack();
  const pipelineRole = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  const readerRole = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  registry.grantRegister(pipelineRole);
  registry.grantRead(readerRole);
  registry.grantSetAlias(readerRole);
  const template = Template.fromStack(stack);

  test('keeps versions in an on-demand table with PITR and deletion protection, retained on delete', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          }),
        ],
      }),
    });
  });

  test('stores artifacts in a versioned, encrypted, private, logged, retained bucket', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifacts/' },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
          ]),
        },
      }),
    });
  });

  test('refuses plain HTTP and old TLS on every bucket', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      );
    }
  });

  test('gives each function exactly the table actions it sends', () => {
    const tableActions = (fn: string) =>
      Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`${fn}Role`) }] } });
    const actions = (fn: string) =>
      [
        ...new Set(
          Object.values(tableActions(fn))
            .flatMap((policy) => (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => [s.Action].flat()))
            .filter((action) => action.startsWith('dynamodb:')),
        ),
      ].sort();
    expect(actions('RegisterModel')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(actions('SetModelAlias')).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(actions('QueryRegistry')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });

  /** The artifact bucket's objects under `prefix`, as a policy names them. */
  const objects = (prefix: string) => stack.resolve(registry.artifactBucket.arnForObjects(`${prefix}*`));
  const statementsOf = (role: iam.Role) => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] } }),
    );
    return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
  };

  test('grantRegister lets a pipeline invoke RegisterModel and upload artifacts under models/ and uploads/ only, nothing more', () => {
    const statements = statementsOf(pipelineRole);

    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(['lambda:InvokeFunction', 's3:AbortMultipartUpload', 's3:PutObject']);
    expect(statements.filter((s) => [s.Action].flat().some((action) => action.startsWith('s3:')))).toEqual([
      expect.objectContaining({ Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: [objects('models/'), objects('uploads/')] }),
    ]);
    // Never the whole bucket: build contexts, model data, image inputs and training data live there too.
    expect(JSON.stringify(statements)).not.toContain(JSON.stringify(objects('')));
  });

  test('grantRead and grantSetAlias let a role query, download artifacts (any version) under the model prefixes and manifests, and move aliases', () => {
    const statements = statementsOf(readerRole);

    expect([...new Set(statements.flatMap((s) => [s.Action].flat()))].sort()).toEqual(['lambda:InvokeFunction', 's3:GetObject', 's3:GetObjectVersion']);
    expect(statements.filter((s) => [s.Action].flat().some((action) => action.startsWith('s3:')))).toEqual([
      expect.objectContaining({
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: [objects('mlflow/'), objects('models/'), objects('registry-manifests/'), objects('uploads/')],
      }),
    ]);
  });

  test("RegisterModel reads and pins artifacts under the model upload prefixes and MLflow's, and writes only manifests", () => {
    const role = registry.functions.registerModel.role as iam.Role;
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [objects('mlflow/'), objects('models/'), objects('uploads/')] }),
          Match.objectLike({ Action: 's3:PutObject', Resource: objects('registry-manifests/') }),
        ]),
      },
    });
    const writes = statementsOf(role).filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(writes.map((s) => s.Resource)).toEqual([objects('registry-manifests/')]);
    expect(JSON.stringify(statementsOf(role))).not.toContain(JSON.stringify(objects('')));
  });

  test("exposes the functions' Lambda metrics by operation", () => {
    const errors = stack.resolve(registry.metricErrors('registerModel').toMetricConfig().metricStat);
    expect(errors).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'Errors', statistic: 'Sum' });
    expect(registry.metricDuration('queryRegistry').metricName).toBe('Duration');
    expect(registry.metricThrottles('setModelAlias').metricName).toBe('Throttles');
    expect(registry.metricModelVersionsRegistered()).toMatchObject({ namespace: 'MlopsPlatform', metricName: 'ModelVersionsRegistered' });
  });

  test.each([
    [Duration.hours(6), /got 6 hours/],
    [Duration.hours(36), /got 1 day 12 hours/],
  ])('fails on a non-current artifact retention of %s', (retention, shown) => {
    expect(() => registryStack({ noncurrentArtifactRetention: retention })).toThrow(/must be a whole number of days, at least 1/);
    expect(() => registryStack({ noncurrentArtifactRetention: retention })).toThrow(shown);
  });
});
