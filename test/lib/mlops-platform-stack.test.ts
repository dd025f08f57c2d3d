import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { INTERNAL_FUNCTIONS, OPERATIONS, publications, STACK_OUTPUTS } from '../../client/shared/catalogue';
import { actionsOf, iamStatements, platformApp } from '../support/platform-app';
import { shapeTemplate } from '../support/synth/shape-templates';

describe('MlopsPlatformStack', () => {
  const template = shapeTemplate('default');

  test('matches the snapshot (asset hashes normalised)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('grants no IAM action with a wildcard', () => {
    const wildcards = iamStatements(template).flatMap(({ policy, statement }) =>
      actionsOf(statement)
        .filter((action) => action.includes('*'))
        .map((action) => `${policy}: ${action}`),
    );
    expect(wildcards).toEqual([]);
  });

  test('uses a wildcard resource only for actions without resource-level permissions: X-Ray, PutMetricData held to one namespace, GetMetricData, Step Functions log delivery, ECR logins (image builds, SageMaker pulls)', () => {
    const starResources = iamStatements(template).filter(({ statement }) => statement.Resource === '*');
    const allowed = starResources.map(({ statement }) => ({ actions: actionsOf(statement).sort(), condition: statement.Condition }));
    const namespace = (name: string) => ({ actions: ['cloudwatch:PutMetricData'], condition: { StringEquals: { 'cloudwatch:namespace': name } } });
    // What Step Functions needs to deliver a state machine's logs to CloudWatch Logs, and to trace it.
    const logDelivery = [
      'CreateLogDelivery',
      'DeleteLogDelivery',
      'DescribeLogGroups',
      'DescribeResourcePolicies',
      'GetLogDelivery',
      'ListLogDeliveries',
      'PutResourcePolicy',
      'UpdateLogDelivery',
    ];
    const tracing = ['GetSamplingRules', 'GetSamplingTargets', 'PutTelemetryRecords', 'PutTraceSegments'];
    expect(new Set(allowed.map((grant) => JSON.stringify(grant)))).toEqual(
      new Set([
        JSON.stringify({ actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] }),
        JSON.stringify(namespace('MlopsPlatform/Experiments')),
        JSON.stringify(namespace('MlopsPlatform/Monitoring')),
        // The instance metrics SageMaker publishes for deployed endpoints with their execution role.
        JSON.stringify(namespace('/aws/sagemaker/Endpoints')),
        JSON.stringify({ actions: [...logDelivery.map((action) => `logs:${action}`), ...tracing.map((action) => `xray:${action}`)] }),
        // ECR logins: the image build's `docker login`, and SageMaker pulling images with the execution role.
        JSON.stringify({ actions: ['ecr:GetAuthorizationToken'] }),
        // QueryDeployments reads the endpoints' metrics for a deployment's traffic (merged with its X-Ray grant).
        JSON.stringify({ actions: ['cloudwatch:GetMetricData', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'] }),
      ]),
    );
  });

  test('creates nothing billed by the hour while idle', () => {
    for (const type of ['AWS::EC2::NatGateway', 'AWS::EC2::VPCEndpoint', 'AWS::EC2::Instance', 'AWS::KMS::Key', 'AWS::Lambda::Version']) {
      template.resourceCountIs(type, 0);
    }
    const functions = template.findResources('AWS::Lambda::Function');
    for (const fn of Object.values(functions)) expect(fn.Properties.ProvisionedConcurrencyConfig).toBeUndefined();
  });

  test('publishes every function name and ARN, the artifact bucket and the bus as outputs and SSM parameters', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
    template.resourceCountIs('AWS::SSM::Parameter', Object.keys(STACK_OUTPUTS).length);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mlops-platform/MlopsPlatform/registry/register-model-function',
      Type: 'String',
    });
  });

  test('creates exactly the functions the catalogue names, each with its operation or internal function id as its service name', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const serviceNames = functions.map((fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string);
    const catalogued = [...Object.values(OPERATIONS), ...Object.values(INTERNAL_FUNCTIONS)].map((entry) => entry.functionId);
    expect(serviceNames.sort()).toEqual(catalogued.sort());
  });

  test('publishes each output under the SSM parameter the catalogue names', () => {
    for (const { output, parameter } of publications()) {
      template.hasOutput(output, {});
      template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/mlops-platform/MlopsPlatform/${parameter}` });
    }
  });

  test('runs every function on Node.js 24, arm64, with tracing and JSON logs in a retained log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 28);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
    });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ RetentionInDays: 90 }) });
  });

  test('attaches no managed policy to any function role', () => {
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});

describe('MlopsPlatformStack with customerManagedKey', () => {
  const template = shapeTemplate('customer-managed-key');

  test('creates one rotating key and encrypts the table and the artifact bucket with it', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('PlatformKey'), 'Arn'] };
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }],
      },
    });
  });

  test('still grants no wildcard action, key grants included', () => {
    const actions = iamStatements(template).flatMap(({ statement }) => actionsOf(statement));
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions).toContain('kms:GenerateDataKey');
  });
});

describe('MlopsPlatformStack props', () => {
  test('fails on a malformed SSM parameter prefix', () => {
    expect(() => platformApp({ parameterPrefix: 'no-leading-slash' })).toThrow(/parameterPrefix must look like \/a\/b/);
  });

  test('monitors each model of `monitors` on its schedule, through the drift-check state machine', () => {
    const { template, stack } = platformApp({ monitors: [{ monitorName: 'churn-prod', model: 'churn', alias: 'production', schedule: Duration.minutes(15) }] });

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [
        Match.objectLike({
          Arn: stack.resolve(stack.monitoring.driftCheck.stateMachineArn),
          InputTransformer: Match.objectLike({ InputPathsMap: { time: '$.time' } }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DriftShare', Dimensions: [{ Name: 'Monitor', Value: 'churn-prod' }] });
  });
});
