import { type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { DEPLOYMENTS_EVENT_SOURCE } from '../../../lambda/deployments/adapters/eventbridge-deployment-events';
import { REGISTRY_EVENT_SOURCE } from '../../../lambda/registry/adapters/eventbridge-publisher';
import { DEPLOYMENTS_OPERATIONS, type DeploymentsOperation, ModelDeployments } from '../../../lib/deployments/model-deployments';
import { InferenceImages } from '../../../lib/images/inference-images';
import { actionsOf, iamStatements, platformApp, testApp } from '../../support/platform-app';

type Json = Record<string, any>;

const PREFIX = 'arn:aws:sagemaker:eu-west-1:123456789012';
const ENDPOINTS = `${PREFIX}:endpoint/mlops-*`;
const CONFIGS = `${PREFIX}:endpoint-config/mlops-*`;
const MODELS = `${PREFIX}:model/mlops-*`;
const ALARMS = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mlops-*';
const PASS_ROLE_CONDITION = { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } };

/** The functions that roll a revision out: they make SageMaker models, so they pass the execution role. */
const MODEL_MAKERS: readonly DeploymentsOperation[] = ['createDeployment', 'updateDeployment', 'rollbackDeployment', 'deploymentEvents'];

describe('ModelDeployments', () => {
  const { stack, template } = platformApp();
  const deployments = stack.deployments;
  const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

  /** Each `action resource [if condition]` of a role's policies, resources resolved and rendered as JSON unless plain. */
  function grantsOfRole(roleId: string): string[] {
    const render = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
    const policies = template.findResources('AWS::IAM::Policy');
    const grants = iamStatements(template)
      .filter(({ policy }) => policies[policy].Properties.Roles.some((role: Json) => role.Ref === roleId))
      .flatMap(({ statement }) =>
        actionsOf(statement).flatMap((action) =>
          [statement.Resource]
            .flat()
            .map((resource) => `${action} ${render(resource)}${statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''}`),
        ),
      );
    return [...new Set(grants)].sort();
  }
  const grantsOf = (operation: DeploymentsOperation) => grantsOfRole(idOf(deployments.functions[operation].role!));
  const onPlatformResources = (operation: DeploymentsOperation) =>
    grantsOf(operation).filter((grant) => /^(sagemaker|cloudwatch|iam):/.test(grant) && !grant.startsWith('cloudwatch:PutMetricData'));
  const executionRoleArn = JSON.stringify(stack.resolve(deployments.executionRole.roleArn));

  describe('functions', () => {
    test('has one function per operation, each with its handler named after it', () => {
      expect(Object.keys(deployments.functions).sort()).toEqual([...DEPLOYMENTS_OPERATIONS].sort());
      for (const id of ['CreateDeployment', 'AdvanceDeployments', 'DeploymentEvents', 'QueryDeployments']) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: id }) },
        });
      }
    });

    test('gives every function but QueryDeployments the tables, bus, monitoring bucket and execution role its dependencies are built from, and QueryDeployments its table and the capture', () => {
      const variables = (operation: DeploymentsOperation) =>
        Object.keys(template.toJSON().Resources[idOf(deployments.functions[operation])].Properties.Environment.Variables)
          .filter((name) => !name.startsWith('POWERTOOLS_'))
          .sort();
      for (const operation of DEPLOYMENTS_OPERATIONS.filter((op) => op !== 'queryDeployments')) {
        expect(variables(operation)).toEqual([
          'DEPLOYMENTS_TABLE_NAME',
          'EVENT_BUS_NAME',
          'EXECUTION_ROLE_ARN',
          'IMAGES_TABLE_NAME',
          'MONITORING_BUCKET_NAME',
          'REGISTRY_TABLE_NAME',
        ]);
      }
      expect(variables('queryDeployments')).toEqual(['DEPLOYMENTS_TABLE_NAME', 'MONITORING_BUCKET_NAME']);
    });
  });

  describe('IAM', () => {
    test('lets only the functions that make models pass a role, the execution role alone, to SageMaker alone', () => {
      for (const operation of DEPLOYMENTS_OPERATIONS) {
        const passes = grantsOf(operation).filter((grant) => grant.startsWith('iam:PassRole'));
        expect(passes).toEqual(MODEL_MAKERS.includes(operation) ? [`iam:PassRole ${executionRoleArn} if ${JSON.stringify(PASS_ROLE_CONDITION)}`] : []);
      }
    });

    test("scopes CreateDeployment's SageMaker calls to the platform's model, config and endpoint names, endpoint creation on both", () => {
      expect(onPlatformResources('createDeployment')).toEqual(
        [
          `cloudwatch:PutMetricAlarm ${ALARMS}`,
          `iam:PassRole ${executionRoleArn} if ${JSON.stringify(PASS_ROLE_CONDITION)}`,
          `sagemaker:AddTags ${CONFIGS}`,
          `sagemaker:AddTags ${ENDPOINTS}`,
          `sagemaker:AddTags ${MODELS}`,
          `sagemaker:CreateEndpoint ${CONFIGS}`,
          `sagemaker:CreateEndpoint ${ENDPOINTS}`,
          `sagemaker:CreateEndpointConfig ${CONFIGS}`,
          `sagemaker:CreateModel ${MODELS}`,
          `sagemaker:DeleteEndpointConfig ${CONFIGS}`,
          `sagemaker:DeleteModel ${MODELS}`,
        ].sort(),
      );
    });

    test.each<DeploymentsOperation>(['updateDeployment', 'rollbackDeployment', 'deploymentEvents'])(
      '%s rolls a revision out: makes its model and config, moves the endpoint (authorised on both), deletes a refused one',
      (operation) => {
        expect(onPlatformResources(operation)).toEqual(
          [
            `cloudwatch:PutMetricAlarm ${ALARMS}`,
            `iam:PassRole ${executionRoleArn} if ${JSON.stringify(PASS_ROLE_CONDITION)}`,
            `sagemaker:AddTags ${CONFIGS}`,
            `sagemaker:AddTags ${MODELS}`,
            `sagemaker:CreateEndpointConfig ${CONFIGS}`,
            `sagemaker:CreateModel ${MODELS}`,
            `sagemaker:DeleteEndpointConfig ${CONFIGS}`,
            `sagemaker:DeleteModel ${MODELS}`,
            `sagemaker:UpdateEndpoint ${CONFIGS}`,
            `sagemaker:UpdateEndpoint ${ENDPOINTS}`,
          ].sort(),
        );
      },
    );

    test('lets DeleteDeployment delete the endpoint and the alarms only, and AdvanceDeployments watch, roll back and retire', () => {
      expect(onPlatformResources('deleteDeployment')).toEqual([`cloudwatch:DeleteAlarms ${ALARMS}`, `sagemaker:DeleteEndpoint ${ENDPOINTS}`]);
      expect(onPlatformResources('advanceDeployments')).toEqual(
        [
          `cloudwatch:DescribeAlarms ${ALARMS}`,
          `sagemaker:DeleteEndpointConfig ${CONFIGS}`,
          `sagemaker:DeleteModel ${MODELS}`,
          `sagemaker:DescribeEndpoint ${ENDPOINTS}`,
          `sagemaker:UpdateEndpoint ${CONFIGS}`,
          `sagemaker:UpdateEndpoint ${ENDPOINTS}`,
        ].sort(),
      );
      expect(onPlatformResources('queryDeployments')).toEqual(['cloudwatch:GetMetricData *']);
    });

    test("lets QueryDeployments read the deployments' capture, and list it, under captured/ alone", () => {
      expect(grantsOf('queryDeployments').filter((grant) => grant.startsWith('s3:'))).toEqual([
        expect.stringMatching(/^s3:GetObject .*\/captured\/\*"\]\]\}$/),
        expect.stringMatching(/^s3:ListBucket .* if \{"StringLike":\{"s3:prefix":\["captured\/\*"\]\}\}$/),
      ]);
    });

    test('lets SageMaker assume the execution role, which pulls images, reads model data, logs, captures and reads the rollback alarms, all scoped', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] },
      });
      const grants = grantsOfRole(idOf(deployments.executionRole));
      const monitoringBucket = stack.getLogicalId(stack.monitoring.monitoringBucket.node.defaultChild as CfnElement);
      const logGroups = 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/Endpoints/mlops-*';

      expect(grants).toEqual(
        expect.arrayContaining([
          `cloudwatch:DescribeAlarms ${ALARMS}`,
          `cloudwatch:PutMetricData * if ${JSON.stringify({ StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } })}`,
          `logs:CreateLogGroup ${logGroups}`,
          `logs:CreateLogStream ${logGroups}:log-stream:*`,
          `logs:PutLogEvents ${logGroups}:log-stream:*`,
          `ecr:BatchGetImage {"Fn::GetAtt":["${idOf(stack.images.repository)}","Arn"]}`,
        ]),
      );
      const captureWrites = grants.filter((grant) => grant.startsWith('s3:PutObject'));
      expect(captureWrites).toEqual([`s3:PutObject {"Fn::Join":["",[{"Fn::GetAtt":["${monitoringBucket}","Arn"]},"/captured/*"]]}`]);
      expect(grants.filter((grant) => grant.split(' ')[0].includes('*'))).toEqual([]);
      expect(grants.filter((grant) => grant.split(' ')[1] === '*').map((grant) => grant.split(' ')[0])).toEqual([
        'cloudwatch:PutMetricData',
        'ecr:GetAuthorizationToken',
      ]);
    });
  });

  describe('events', () => {
    test('follows every ModelAliasChanged of the registry on the platform bus with DeploymentEvents', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: stack.resolve(stack.eventBus.eventBusName),
        EventPattern: { source: [REGISTRY_EVENT_SOURCE], 'detail-type': ['ModelAliasChanged'] },
        Targets: [Match.objectLike({ Arn: stack.resolve(deployments.functions.deploymentEvents.functionArn) })],
      });
    });

    test('follows the images built READY on the platform bus with DeploymentEvents (an alias moved before its image was built)', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: stack.resolve(stack.eventBus.eventBusName),
        EventPattern: { source: ['mlops-platform.images'], 'detail-type': ['ImageBuildStateChanged'], detail: { status: ['READY'] } },
        Targets: [Match.objectLike({ Arn: stack.resolve(deployments.functions.deploymentEvents.functionArn) })],
      });
    });

    test('runs AdvanceDeployments every minute', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: stack.resolve(deployments.functions.advanceDeployments.functionArn) })],
      });
    });
  });

  describe('table', () => {
    test('keeps deployments in a retained table with the listing index', () => {
      const table = template.toJSON().Resources[idOf(deployments.table)];

      expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(table.Properties.GlobalSecondaryIndexes).toEqual([expect.objectContaining({ IndexName: 'gsi1', Projection: { ProjectionType: 'ALL' } })]);
    });
  });

  describe('alarms', () => {
    const alarmNamed = (construct: IConstruct) => template.toJSON().Resources[stack.getLogicalId(construct.node.defaultChild as CfnElement)].Properties;
    const topic = stack.resolve(stack.monitoring.alarmTopic.topicArn);

    test("alarms when AdvanceDeployments fails or stops running, when a deployment's step keeps failing, and when DeploymentEvents fails, telling the platform's alarm topic", () => {
      const [failing, stopped, stepsFailing, eventsFailing] = deployments.alarms.map(alarmNamed);
      const advance = stack.resolve(deployments.functions.advanceDeployments.functionName);
      expect(failing).toMatchObject({
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: advance }],
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(stopped).toMatchObject({
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: advance }],
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
      expect(stepsFailing).toMatchObject({
        Namespace: 'MlopsPlatform',
        MetricName: 'DeploymentStepsFailed',
        Dimensions: [{ Name: 'service', Value: 'AdvanceDeployments' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        Threshold: 1,
      });
      expect(eventsFailing).toMatchObject({
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(deployments.functions.deploymentEvents.functionName) }],
      });
      for (const alarm of [failing, stopped, stepsFailing, eventsFailing]) {
        expect(alarm.AlarmActions).toEqual([topic]);
        expect(alarm.OKActions).toEqual([topic]);
      }
    });

    test('tells the alarm topic of each deployment that fails or starts rolling back, with its reason', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: stack.resolve(stack.eventBus.eventBusName),
        EventPattern: { source: [DEPLOYMENTS_EVENT_SOURCE], 'detail-type': ['DeploymentStateChanged'], detail: { to: ['FAILED', 'ROLLING_BACK'] } },
        Targets: [
          Match.objectLike({
            Arn: topic,
            InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('went from <detail-from> to <detail-to>: <detail-reason>') }),
          }),
        ],
      });
    });
  });

  describe('dashboard', () => {
    const body = JSON.stringify(stack.resolve((deployments.dashboard.node.defaultChild as Json).dashboardBody));

    test.each([
      ['Invocations', 'Sum'],
      ['Invocation4XXErrors', 'Sum'],
      ['Invocation5XXErrors', 'Sum'],
      ['ModelLatency', 'p99'],
      ['OverheadLatency', 'p99'],
    ])("graphs %s (%s) of every platform endpoint by a SEARCH over SageMaker's variant metrics", (metricName, statistic) => {
      expect(body).toContain(
        String.raw`SEARCH('{AWS/SageMaker,EndpointName,VariantName} MetricName=\\\"${metricName}\\\" EndpointName=mlops', '${statistic}', 60)`,
      );
    });

    test("graphs every function's errors and shows the alarms", () => {
      for (const fn of Object.values(deployments.functions)) expect(body).toContain(JSON.stringify(stack.resolve(fn.functionName)));
      for (const alarm of deployments.alarms) expect(body).toContain(JSON.stringify(stack.resolve(alarm.alarmArn)));
    });
  });

  describe('metrics', () => {
    test("names a deployment's endpoint metrics by its SageMaker endpoint and its one variant", () => {
      const dimensions = { EndpointName: 'mlops-fraud-api', VariantName: 'main' };

      expect(deployments.metricInvocations('fraud-api')).toMatchObject({ namespace: 'AWS/SageMaker', metricName: 'Invocations', dimensions });
      expect(deployments.metricInvocationErrors('fraud-api', '5XX')).toMatchObject({ metricName: 'Invocation5XXErrors', dimensions });
      expect(deployments.metricModelLatencyP99('fraud-api')).toMatchObject({ metricName: 'ModelLatency', statistic: 'p99', dimensions });
    });
  });

  describe('grants', () => {
    test('grantDeploy invokes the four changing functions, grantRead QueryDeployments only', () => {
      const app = testApp();
      const granted = new Stack(app, 'Granted', { env: { account: '123456789012', region: 'eu-west-1' } });
      const local = standalone(granted);
      const deployer = new iam.Role(granted, 'Deployer', { assumedBy: new iam.AccountRootPrincipal() });
      const reader = new iam.Role(granted, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });

      local.grantDeploy(deployer);
      local.grantRead(reader);

      const invoked = (role: iam.Role) => {
        const statements = Template.fromStack(granted).findResources('AWS::IAM::Policy');
        const arns = Object.values(statements)
          .filter((policy) => policy.Properties.Roles.some((ref: Json) => ref.Ref === granted.getLogicalId(role.node.defaultChild as CfnElement)))
          .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[])
          .flatMap((statement) => [statement.Resource].flat());
        return DEPLOYMENTS_OPERATIONS.filter((operation) =>
          arns.some((arn) => JSON.stringify(arn) === JSON.stringify(granted.resolve(local.functions[operation].functionArn))),
        );
      };
      expect(invoked(deployer).sort()).toEqual(['createDeployment', 'deleteDeployment', 'rollbackDeployment', 'updateDeployment']);
      expect(invoked(reader)).toEqual(['queryDeployments']);
    });
  });

  describe('props', () => {
    test('without an alarm topic, alarms and failed deployments notify no one; the removal policy reaches the table', () => {
      const local = new Stack(testApp(), 'Local', { env: { account: '123456789012', region: 'eu-west-1' } });
      standalone(local, { removalPolicy: RemovalPolicy.DESTROY });
      const t = Template.fromStack(local);

      for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
      t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
      t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
      const patterns = Object.values(t.findResources('AWS::Events::Rule')).map((rule) => rule.Properties.EventPattern);
      expect(patterns).not.toContainEqual(expect.objectContaining({ 'detail-type': ['DeploymentStateChanged'] }));
    });
  });
});

/** The construct in its own stack, on imported tables and buckets. */
function standalone(stack: Stack, props: { removalPolicy?: RemovalPolicy } = {}): ModelDeployments {
  const eventBus = new events.EventBus(stack, 'Bus');
  const registryTable = dynamodb.Table.fromTableName(stack, 'Registry', 'registry');
  const images = new InferenceImages(stack, 'Images', { eventBus, registryTable, artifactBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts') });
  return new ModelDeployments(stack, 'Deployments', {
    eventBus,
    images,
    registryTable,
    monitoringBucket: s3.Bucket.fromBucketName(stack, 'Monitoring', 'monitoring'),
    ...props,
  });
}
