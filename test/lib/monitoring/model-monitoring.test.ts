import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type CfnElement, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { DEFAULT_THRESHOLDS } from '../../../lambda/monitoring/core/drift/drift-policy';
import { DEFAULT_MONITORING_NAMESPACE, MONITORING_EVENT_SOURCE } from '../../../lambda/monitoring/core/monitoring-names';
import { MonitorConfig } from '../../../lambda/monitoring/core/schemas';
import { ModelMonitoring, type ModelMonitoringProps } from '../../../lib/monitoring/model-monitoring';
import type { MonitorOptions } from '../../../lib/monitoring/monitor';
import { nagResourceName } from '../../../lib/shared/nag';
import { testApp } from '../../support/platform-app';
import { lintTemplates } from '../../support/synth/cfn-lint';

const ENV = { account: '123456789012', region: 'eu-west-1' };

type Json = Record<string, any>;
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Json };

/** Renders an intrinsic as text: `<LogicalId>`, `<LogicalId.Attr>`, joins concatenated. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Json;
  if (intrinsic['Fn::Join']) return (intrinsic['Fn::Join'][1] as unknown[]).map(flat).join(intrinsic['Fn::Join'][0]);
  if (intrinsic.Ref) return `<${intrinsic.Ref}>`;
  if (intrinsic['Fn::GetAtt']) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  return JSON.stringify(value);
}

/** A JSON document CloudFormation joins from parts (a state machine definition, a dashboard body). */
const joinedJson = (value: unknown): Json => JSON.parse(flat(value));

/** The schedule's input, with the event's time placeholder filled in. */
const transformedInput = (template: unknown, time = '2026-11-24T10:00:00Z'): Json => JSON.parse(flat(template).replace('<time>', JSON.stringify(time)));

const RUNTIME_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

function fixture() {
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-monitoring-'));
  const app = testApp({ outdir });

  const stack = new Stack(app, 'MlopsPlatform', { env: ENV });
  const eventBus = new events.EventBus(stack, 'Bus');
  const captureKey = new kms.Key(stack, 'CaptureKey', { enableKeyRotation: true });
  const captureBucket = s3.Bucket.fromBucketAttributes(stack, 'Capture', { bucketName: 'sagemaker-capture', encryptionKey: captureKey });
  const monitoring = new ModelMonitoring(stack, 'Monitoring', {
    eventBus,
    registryTable: dynamodb.Table.fromTableName(stack, 'Registry', 'registry'),
    artifactBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
    alarmEmails: ['oncall@example.com'],
  });
  const churn = monitoring.addMonitor('Churn', {
    monitorName: 'churn',
    model: 'churn-model',
    alias: 'production',
    capture: { bucket: captureBucket, prefix: 'datacapture/churn-endpoint/' },
    endpoint: { endpointName: 'churn-endpoint', variantNames: ['blue', 'green'] },
    minInvocations: 500,
    latencyP99Threshold: Duration.millis(250),
    alarmEmails: ['churn-team@example.com'],
    retrainTarget: new targets.EventBus(events.EventBus.fromEventBusArn(stack, 'Pipelines', 'arn:aws:events:eu-west-1:210987654321:event-bus/pipelines')),
    retrainCooldown: Duration.hours(12),
  });
  const fraud = monitoring.addMonitor('Fraud', {
    monitorName: 'fraud',
    model: 'fraud-model',
    version: 3,
    schedule: Duration.minutes(30),
    window: Duration.hours(2),
    minRecords: 50,
    thresholds: { driftShare: 0.3 },
    numericMethod: 'psi',
  });
  const grantees = Object.fromEntries(
    ['Collector', 'Reader', 'BaselineManager'].map((name) => {
      const role = new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
      return [name, role];
    }),
  );
  monitoring.grantCollect(grantees.Collector);
  monitoring.grantRead(grantees.Reader);
  monitoring.grantManageBaselines(grantees.BaselineManager);
  for (const [role, fn] of [
    [grantees.Collector, monitoring.functions.collectData],
    [grantees.Reader, monitoring.functions.queryMonitoring],
    [grantees.BaselineManager, monitoring.functions.registerBaseline],
  ] as const) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[${nagResourceName(role, fn.functionArn)}:*]`,
      reason: "grantInvoke covers the function's versions and aliases.",
    });
  }
  Validations.of(grantees.Reader).acknowledge({
    id: `AwsSolutions-IAM5[${nagResourceName(grantees.Reader, monitoring.monitoringBucket.arnForObjects('reports/*'))}]`,
    reason: 'Every drift report.',
  });
  Validations.of(grantees.BaselineManager).acknowledge({
    id: `AwsSolutions-IAM5[${nagResourceName(grantees.BaselineManager, monitoring.artifactBucket.arnForObjects('training-data/*'))}]`,
    reason: 'Training data files, under the one prefix RegisterBaseline profiles.',
  });

  const keyStack = new Stack(app, 'MlopsPlatformWithKey', { env: ENV });
  const platformKey = new kms.Key(keyStack, 'PlatformKey', { enableKeyRotation: true });
  const keyed = new ModelMonitoring(keyStack, 'Monitoring', {
    eventBus: new events.EventBus(keyStack, 'Bus'),
    registryTable: dynamodb.Table.fromTableName(keyStack, 'Registry', 'registry'),
    artifactBucket: s3.Bucket.fromBucketName(keyStack, 'Artifacts', 'artifacts'),
    encryptionKey: platformKey,
    metricsNamespace: 'Custom/Monitoring',
    captureRetention: Duration.days(30),
    inlineWindowBytes: Size.mebibytes(32),
    fanOutConcurrency: 25,
  });
  // A platform with deployments: their monitors follow them.
  keyed.watchDeployments(dynamodb.Table.fromTableName(keyStack, 'Deployments', 'deployments'));
  keyed.addMonitor('Ranker', {
    monitorName: 'ranker',
    model: 'ranker',
    version: 1,
    endpoint: { endpointName: 'ranker-endpoint' },
    alarmEmails: ['search@example.com'],
  });

  const assembly = app.synth();
  const templateOf = (of: Stack) => Template.fromJSON(assembly.getStackArtifact(of.artifactId).template);
  return {
    app,
    outdir,
    stack,
    keyStack,
    monitoring,
    keyed,
    churn,
    fraud,
    captureKey,
    platformKey,
    eventBus,
    template: templateOf(stack),
    keyTemplate: templateOf(keyStack),
  };
}

/** A fresh monitoring construct to add monitors to, for validation. */
function freshMonitoring(props: Partial<ModelMonitoringProps> = {}) {
  const stack = new Stack(testApp(), 'Validation');
  return new ModelMonitoring(stack, 'Monitoring', {
    eventBus: new events.EventBus(stack, 'Bus'),
    registryTable: dynamodb.Table.fromTableName(stack, 'Registry', 'registry'),
    artifactBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
    ...props,
  });
}

describe('ModelMonitoring', () => {
  const f = fixture();
  // cfn-lint runs in its own process while the other tests run; the last test awaits it.
  const lint = lintTemplates([f.stack, f.keyStack].map((of) => path.join(f.outdir, `${of.artifactId}.template.json`)));
  const { template, stack, monitoring } = f;
  afterAll(async () => {
    await lint;
    rmSync(f.outdir, { recursive: true, force: true });
  });

  const idOf = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
  const resourcesOf = (t: Template, type: string) => t.findResources(type) as Record<string, { Properties: Json }>;
  const stateMachine = () => Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0].Properties;
  const definition = () => joinedJson(stateMachine().DefinitionString);

  /** Each `action resource [condition]` a role's policies allow, but for the Lambda runtime's logs and X-Ray. */
  function grantsOfRole(t: Template, roleId: string): string[] {
    const policies = Object.values(resourcesOf(t, 'AWS::IAM::Policy')).filter((policy) => policy.Properties.Roles.some((role: Json) => role.Ref === roleId));
    const grants = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((statement) =>
        [statement.Action]
          .flat()
          .flatMap((action) =>
            [statement.Resource]
              .flat()
              .map((resource) => `${action} ${flat(resource)}${statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''}`),
          ),
      ),
    );
    return [...new Set(grants)].filter((grant) => !RUNTIME_ACTIONS.includes(grant.split(' ')[0])).sort();
  }
  const environmentOf = (t: Template, fn: IConstruct): Json => resourcesOf(t, 'AWS::Lambda::Function')[idOf(fn)].Properties.Environment.Variables;
  const grantsOf = (t: Template, fn: keyof typeof monitoring.functions, of = monitoring) => {
    const role = of.functions[fn].role!;
    return grantsOfRole(t, idOf(role));
  };

  describe('storage', () => {
    test('keeps records, baselines and reports in a private, logged, retained bucket that expires collected records and check work', () => {
      template.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'monitoring/' },
          LifecycleConfiguration: {
            Rules: Match.arrayWith([
              Match.objectLike({ Prefix: 'collected/', ExpirationInDays: 90, Status: 'Enabled' }),
              Match.objectLike({ Prefix: 'checks/', ExpirationInDays: 7, Status: 'Enabled' }),
              Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
            ]),
          },
        }),
      });
    });

    test('refuses plain HTTP and old TLS on both buckets', () => {
      const policies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'));
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        );
      }
    });

    test('keeps checks and baselines in an on-demand table with PITR and deletion protection, without indexes', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          GlobalSecondaryIndexes: Match.absent(),
        }),
      });
    });
  });

  describe('drift check workflow', () => {
    test("plans the check with CheckDrift, passing the schedule's config and window end", () => {
      const { StartAt, States } = definition();

      expect(StartAt).toBe('Plan');
      expect(States.Plan).toMatchObject({
        Type: 'Task',
        Resource: 'arn:<AWS::Partition>:states:::lambda:invoke',
        Parameters: {
          FunctionName: `<${idOf(monitoring.functions.checkDrift)}.Arn>`,
          Payload: { phase: 'plan', 'config.$': '$.config', 'windowEnd.$': '$.windowEnd' },
        },
        OutputPath: '$.Payload',
        Next: 'FanOut',
      });
      expect(States.FanOut).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.status', StringEquals: 'fanOut', Next: 'SketchChunks' }], Default: 'Checked' });
      expect(States.Checked).toEqual({ Type: 'Succeed' });
    });

    test('fans a large window out over a Distributed Map that reads the manifest from S3 and sketches each chunk', () => {
      const { SketchChunks } = definition().States;

      expect(SketchChunks).toMatchObject({
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:<AWS::Partition>:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: `<${idOf(monitoring.monitoringBucket)}>`, 'Key.$': '$.manifestKey' },
        },
        ItemSelector: { 'config.$': '$.config', 'checkId.$': '$.checkId', 'chunk.$': '$$.Map.Item.Value' },
        MaxConcurrency: 10,
        ResultPath: null,
        Next: 'Finish',
      });
      expect(SketchChunks.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
      expect(SketchChunks.ItemProcessor.States.SketchChunk).toMatchObject({
        Type: 'Task',
        Parameters: { FunctionName: `<${idOf(monitoring.functions.sketchCaptureChunk)}.Arn>`, 'Payload.$': '$' },
        OutputPath: null,
        End: true,
      });
    });

    test('finishes a fanned-out check with CheckDrift', () => {
      expect(definition().States.Finish).toMatchObject({
        Type: 'Task',
        Parameters: {
          FunctionName: `<${idOf(monitoring.functions.checkDrift)}.Arn>`,
          Payload: { phase: 'finish', 'config.$': '$.config', 'checkId.$': '$.checkId' },
        },
        OutputPath: '$.Payload',
        End: true,
      });
    });

    test('retries Lambda service errors and throttles on every task', () => {
      const { States } = definition();
      for (const task of [States.Plan, States.Finish, States.SketchChunks.ItemProcessor.States.SketchChunk]) {
        const retried = (task.Retry as { ErrorEquals: string[] }[]).flatMap((retry) => retry.ErrorEquals);
        expect(retried).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']));
      }
    });

    test('is a standard state machine that logs every event and is traced', () => {
      expect(stateMachine()).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    });

    test('reads only the manifests under checks/ and invokes only the two drift functions', () => {
      const grants = grantsOfRole(template, idOf(monitoring.driftCheck.role));
      const checkDrift = idOf(monitoring.functions.checkDrift);
      const sketch = idOf(monitoring.functions.sketchCaptureChunk);

      expect(grants.filter((grant) => /^(s3|lambda|kms):/.test(grant))).toEqual([
        `lambda:InvokeFunction <${checkDrift}.Arn>`,
        `lambda:InvokeFunction <${checkDrift}.Arn>:*`,
        `lambda:InvokeFunction <${sketch}.Arn>`,
        `lambda:InvokeFunction <${sketch}.Arn>:*`,
        `s3:GetObject <${idOf(monitoring.monitoringBucket)}.Arn>/checks/*`,
      ]);
    });
  });

  describe('monitors', () => {
    const scheduleOf = (rate: string) =>
      Object.values(resourcesOf(template, 'AWS::Events::Rule')).find((rule) => rule.Properties.ScheduleExpression === rate)!.Properties;

    test('checks the stored monitors each minute, and follows deployments going into service or deleted on the platform bus', () => {
      expect(scheduleOf('rate(1 minute)').Targets).toEqual([
        expect.objectContaining({ Arn: { 'Fn::GetAtt': [idOf(monitoring.functions.monitorEvents), 'Arn'] } }),
      ]);
      const rules = Object.values(resourcesOf(f.keyTemplate, 'AWS::Events::Rule')).filter(
        (rule) => rule.Properties.EventPattern?.['detail-type']?.[0] === 'DeploymentStateChanged',
      );
      expect(rules.map((rule) => rule.Properties.EventPattern)).toEqual([
        { source: ['mlops-platform.deployments'], 'detail-type': ['DeploymentStateChanged'], detail: { to: ['IN_SERVICE', 'DELETED'] } },
      ]);
      expect(rules[0].Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [idOf(f.keyed.functions.monitorEvents), 'Arn'] } })]);
    });

    test('starts a check of each window on the schedule, with the monitor config the handler accepts', () => {
      const rule = scheduleOf('rate(30 minutes)');
      const [target] = rule.Targets;

      const input = transformedInput(target.InputTransformer.InputTemplate);

      expect(target.Arn).toEqual({ Ref: idOf(monitoring.driftCheck) });
      expect(target.InputTransformer.InputPathsMap).toEqual({ time: '$.time' });
      expect(input).toEqual({
        config: {
          monitor: 'fraud',
          model: 'fraud-model',
          version: 3,
          capture: { bucket: `<${idOf(monitoring.monitoringBucket)}>`, prefix: 'collected/fraud/' },
          windowMinutes: 120,
          minRecords: 50,
          thresholds: { ...DEFAULT_THRESHOLDS, driftShare: 0.3 },
          numericMethod: 'psi',
          categoricalMethod: 'auto',
        },
        windowEnd: '2026-11-24T10:00:00Z',
      });
      expect(MonitorConfig.safeParse({ ...input.config, capture: { ...input.config.capture, bucket: 'monitoring-bucket' } }).success).toBe(true);
    });

    test('reads a SageMaker capture destination when given one, every hour over the last hour by default', () => {
      const input = transformedInput(scheduleOf('rate(1 hour)').Targets[0].InputTransformer.InputTemplate);

      expect(input.config).toMatchObject({
        monitor: 'churn',
        alias: 'production',
        capture: { bucket: 'sagemaker-capture', prefix: 'datacapture/churn-endpoint/' },
        windowMinutes: 60,
        minRecords: 100,
      });
      expect(input.config.version).toBeUndefined();
    });

    test('alarms when a check of the last two reaches the drift share threshold, to the platform topic', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: DEFAULT_MONITORING_NAMESPACE,
        MetricName: 'DriftShare',
        Dimensions: [{ Name: 'Monitor', Value: 'fraud' }],
        Statistic: 'Maximum',
        Period: 1800,
        Threshold: 0.3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: idOf(monitoring.alarmTopic) }],
        OKActions: [{ Ref: idOf(monitoring.alarmTopic) }],
      });
    });

    test('with minInvocations, alarms on drift only while the endpoint served enough invocations in the window', () => {
      const [composite] = Object.values(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm'));
      const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
      const driftShareId = Object.keys(alarms).find(
        (id) => alarms[id].Properties.MetricName === 'DriftShare' && alarms[id].Properties.Dimensions[0].Value === 'churn',
      )!;
      const enoughId = Object.keys(alarms).find((id) => alarms[id].Properties.Threshold === 500)!;
      const topics = [{ Ref: idOf(monitoring.alarmTopic) }, { Ref: idOf(f.churn.alarmTopic!) }];

      expect(flat(composite.Properties.AlarmRule)).toBe(`(ALARM("<${driftShareId}.Arn>") AND ALARM("<${enoughId}.Arn>"))`);
      expect(composite.Properties).toMatchObject({ AlarmActions: topics, OKActions: topics });
      expect(alarms[driftShareId].Properties.AlarmActions).toBeUndefined();
      expect(alarms[enoughId].Properties).toMatchObject({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        Metrics: expect.arrayContaining([
          expect.objectContaining({ Expression: 'SUM([v0, v1])', ReturnData: true }),
          expect.objectContaining({
            Id: 'v0',
            MetricStat: expect.objectContaining({ Period: 3600, Stat: 'Sum', Metric: expect.objectContaining({ MetricName: 'Invocations' }) }),
          }),
        ]),
      });
      expect(alarms[enoughId].Properties.AlarmActions).toBeUndefined();
      expect(stack.resolve(f.churn.driftAlarm.alarmArn)).toEqual({ 'Fn::GetAtt': [idOf(f.churn.driftAlarm), 'Arn'] });
    });

    test('takes each drift alarm to the retrain gate with the monitor, model and cooldown', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.absent(),
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: [{ 'Fn::GetAtt': [idOf(f.churn.driftAlarm), 'Arn'] }],
          detail: { state: { value: ['ALARM'] } },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [idOf(monitoring.functions.retrainGate), 'Arn'] },
            InputTransformer: {
              InputPathsMap: { time: '$.time' },
              InputTemplate: '{"monitor":"churn","model":"churn-model","cooldownSeconds":43200,"alarmTime":<time>}',
            },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ resources: [{ 'Fn::GetAtt': [idOf(f.fraud.driftAlarm), 'Arn'] }] }),
        Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('"cooldownSeconds":86400') }) })],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [idOf(monitoring.functions.retrainGate), 'Arn'] },
      });
    });

    test('sends retrain requests on the platform bus to the retrain target of the monitors that have one', () => {
      const onBus = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((rule) => rule.Properties.EventBusName);

      expect(onBus).toHaveLength(1);
      expect(onBus[0].Properties).toMatchObject({
        EventBusName: { Ref: idOf(f.eventBus) },
        EventPattern: { source: [MONITORING_EVENT_SOURCE], 'detail-type': ['RetrainRequested'], detail: { monitor: ['churn'] } },
        Targets: [expect.objectContaining({ Arn: 'arn:aws:events:eu-west-1:210987654321:event-bus/pipelines' })],
      });
    });

    test.each(['blue', 'green'])("alarms on variant %s's invocation anomalies, 5XX rate above 1% and p99 latency", (variant) => {
      const dimensions = [
        { Name: 'EndpointName', Value: 'churn-endpoint' },
        { Name: 'VariantName', Value: variant },
      ];
      const topics = [{ Ref: idOf(monitoring.alarmTopic) }, { Ref: idOf(f.churn.alarmTopic!) }];
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        ThresholdMetricId: 'expr_1',
        Metrics: Match.arrayWith([
          Match.objectLike({ Id: 'expr_1', Expression: 'ANOMALY_DETECTION_BAND(m0, 3)' }),
          Match.objectLike({
            Id: 'm0',
            MetricStat: Match.objectLike({ Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: dimensions } }),
          }),
        ]),
        AlarmActions: topics,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 1,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: '100 * errors5XX / invocations' }),
          Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocation5XXErrors', Dimensions: dimensions }) }) }),
        ]),
        AlarmActions: topics,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ModelLatency',
        Dimensions: dimensions,
        ExtendedStatistic: 'p99',
        // SageMaker reports ModelLatency in microseconds: 250 ms.
        Threshold: 250_000,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: topics,
      });
    });

    test('gives a monitor with alarmEmails a topic of its own, and the construct a topic for every alarm', () => {
      template.resourceCountIs('AWS::SNS::Topic', 2);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        TopicArn: { Ref: idOf(monitoring.alarmTopic) },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'churn-team@example.com',
        TopicArn: { Ref: idOf(f.churn.alarmTopic!) },
      });
      expect(f.fraud.alarmTopic).toBeUndefined();
    });

    test("lets only HTTPS and this account's CloudWatch alarms publish to the topics", () => {
      const policies = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy'));
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual([
          expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*' } },
          }),
        ]);
      }
    });

    test('alarms when drift checks fail, since a failed check cannot raise a drift alarm', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: idOf(monitoring.driftCheck) } }],
        Threshold: 1,
        AlarmActions: [{ Ref: idOf(monitoring.alarmTopic) }],
      });
    });

    test("exposes the monitor's drift metrics", () => {
      expect(stack.resolve(f.fraud.metricDriftShare().toMetricConfig().metricStat)).toMatchObject({
        namespace: DEFAULT_MONITORING_NAMESPACE,
        metricName: 'DriftShare',
        dimensions: [{ name: 'Monitor', value: 'fraud' }],
        statistic: 'Maximum',
        period: Duration.minutes(30),
      });
      expect(f.fraud.metricRecordsChecked()).toMatchObject({ metricName: 'RecordsChecked', statistic: 'Sum' });
      expect(f.fraud.metricFeatureDriftScore('amount', 'psi').dimensions).toEqual({ Monitor: 'fraud', Feature: 'amount', Method: 'psi' });
      expect(monitoring.metricErrors('checkDrift').metricName).toBe('Errors');
    });
  });

  describe('dashboard', () => {
    const dashboard = () => Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'))[0].Properties;
    const widgets = () => joinedJson(dashboard().DashboardBody).widgets as { type: string; properties: Json }[];
    const titled = (title: string) => widgets().find((widget) => widget.properties.title === title)?.properties;

    test("is named after the stack and shows the functions', table's and workflow's health", () => {
      expect(dashboard().DashboardName).toBe('MlopsPlatform-Monitoring');
      for (const title of ['Errors', 'Throttles', 'Duration p99']) expect(titled(`Monitoring functions: ${title}`)!.metrics).toHaveLength(9);
      expect(titled('Monitoring table: throttled requests')).toBeDefined();
      expect(titled('Drift checks')!.metrics).toEqual(expect.arrayContaining([expect.arrayContaining(['AWS/States', 'ExecutionsFailed'])]));
    });

    test("draws each monitor's drift share against its threshold and finds its features' scores by SEARCH", () => {
      expect(titled('fraud: share of features drifted')).toMatchObject({
        metrics: [expect.arrayContaining([DEFAULT_MONITORING_NAMESPACE, 'DriftShare', 'Monitor', 'fraud'])],
        annotations: { horizontal: [expect.objectContaining({ value: 0.3 })] },
      });
      expect(titled('fraud: records checked')!.annotations.horizontal[0].value).toBe(50);
      expect(titled('churn: features drifted')).toBeDefined();
      const search = titled('churn: drift score by feature (deciding method)')!.metrics[0][0].expression;
      expect(search).toBe(
        `SEARCH('{"${DEFAULT_MONITORING_NAMESPACE}",Monitor,Feature,Method} MetricName="FeatureDriftScore" Monitor="churn"', 'Maximum', 3600)`,
      );
    });

    test("draws each endpoint variant's invocations with an anomaly band, p99 latency and error rates", () => {
      for (const variant of ['blue', 'green']) {
        const title = `churn: churn-endpoint/${variant}`;
        expect(JSON.stringify(titled(`${title} invocations`)!.metrics)).toContain('ANOMALY_DETECTION_BAND(');
        expect(titled(`${title} model latency p99 (µs)`)!.annotations.horizontal[0].value).toBe(250_000);
        expect(JSON.stringify(titled(`${title} errors (% of invocations)`)!.metrics)).toMatch(/100 \* errors4XX.*100 \* errors5XX/);
      }
      expect(widgets().filter((widget) => widget.properties.title?.startsWith('fraud: ') && widget.properties.title.includes('invocations'))).toEqual([]);
    });
  });

  describe('function permissions', () => {
    const bucket = () => `<${idOf(monitoring.monitoringBucket)}.Arn>`;
    const table = () => `<${idOf(monitoring.table)}.Arn>`;
    const registry = 'arn:aws:dynamodb:eu-west-1:123456789012:table/registry';
    const namespaceCondition = `if {"StringEquals":{"cloudwatch:namespace":"${DEFAULT_MONITORING_NAMESPACE}"}}`;

    test('CollectData writes collected records and their metric only', () => {
      expect(grantsOf(template, 'collectData')).toEqual([`cloudwatch:PutMetricData * ${namespaceCondition}`, `s3:PutObject ${bucket()}/collected/*`]);
    });

    test('RegisterBaseline reads training data under training-data/ only (without listing), the registry and whether a baseline exists, writes baselines and their records', () => {
      expect(grantsOf(template, 'registerBaseline')).toEqual([
        `dynamodb:GetItem ${table()}`,
        `dynamodb:GetItem ${registry}`,
        `dynamodb:PutItem ${table()}`,
        's3:GetObject arn:aws:s3:::artifacts/training-data/*',
        `s3:PutObject ${bucket()}/baselines/*`,
      ]);
    });

    test('CheckDrift reads baselines and capture, lists only capture and check work, writes reports and check work', () => {
      expect(grantsOf(template, 'checkDrift')).toEqual([
        `cloudwatch:PutMetricData * ${namespaceCondition}`,
        `dynamodb:GetItem ${registry}`,
        `dynamodb:PutItem ${table()}`,
        `events:PutEvents <${idOf(f.eventBus)}.Arn>`,
        `kms:Decrypt <${idOf(f.captureKey)}.Arn>`,
        `s3:GetObject ${bucket()}/baselines/*`,
        `s3:GetObject ${bucket()}/captured/*`,
        `s3:GetObject ${bucket()}/checks/*`,
        `s3:GetObject ${bucket()}/collected/*`,
        's3:GetObject arn:aws:s3:::sagemaker-capture/datacapture/churn-endpoint/*',
        `s3:ListBucket ${bucket()} if {"StringLike":{"s3:prefix":["collected/*","captured/*","checks/*"]}}`,
        's3:ListBucket arn:aws:s3:::sagemaker-capture if {"StringLike":{"s3:prefix":["datacapture/churn-endpoint/*"]}}',
        `s3:PutObject ${bucket()}/checks/*`,
        `s3:PutObject ${bucket()}/reports/*`,
      ]);
    });

    test('SketchCaptureChunk reads baselines and capture, writes check work', () => {
      expect(grantsOf(template, 'sketchCaptureChunk')).toEqual([
        `kms:Decrypt <${idOf(f.captureKey)}.Arn>`,
        `s3:GetObject ${bucket()}/baselines/*`,
        `s3:GetObject ${bucket()}/captured/*`,
        `s3:GetObject ${bucket()}/collected/*`,
        's3:GetObject arn:aws:s3:::sagemaker-capture/datacapture/churn-endpoint/*',
        `s3:PutObject ${bucket()}/checks/*`,
      ]);
    });

    test('RetrainGate updates the gate and announces retrain requests', () => {
      expect(grantsOf(template, 'retrainGate')).toEqual([`dynamodb:UpdateItem ${table()}`, `events:PutEvents <${idOf(f.eventBus)}.Arn>`]);
    });

    test('CreateMonitor reads the registry and baselines, and stores monitors; it is given the bucket name alone', () => {
      expect(grantsOf(template, 'createMonitor')).toEqual([`dynamodb:GetItem ${table()}`, `dynamodb:GetItem ${registry}`, `dynamodb:PutItem ${table()}`]);
      expect(environmentOf(template, monitoring.functions.createMonitor).MONITORING_BUCKET_NAME).toEqual({ Ref: idOf(monitoring.monitoringBucket) });
    });

    test('DeleteMonitor deletes stored monitors only', () => {
      expect(grantsOf(template, 'deleteMonitor')).toEqual([`dynamodb:DeleteItem ${table()}`]);
    });

    test('MonitorEvents keeps the stored monitors and starts drift checks, on the drift check state machine alone', () => {
      expect(grantsOf(template, 'monitorEvents')).toEqual([
        `dynamodb:DeleteItem ${table()}`,
        `dynamodb:GetItem ${table()}`,
        `dynamodb:GetItem ${registry}`,
        `dynamodb:PutItem ${table()}`,
        `dynamodb:Query ${table()}`,
        `dynamodb:UpdateItem ${table()}`,
        `states:StartExecution <${idOf(monitoring.driftCheck)}>`,
      ]);
    });

    test('with deployments, CreateMonitor and MonitorEvents read their table; without, neither is told of one', () => {
      const deployments = 'arn:aws:dynamodb:eu-west-1:123456789012:table/deployments';
      for (const fn of ['createMonitor', 'monitorEvents'] as const) {
        expect(grantsOf(f.keyTemplate, fn, f.keyed)).toContain(`dynamodb:GetItem ${deployments}`);
        expect(environmentOf(template, monitoring.functions[fn]).DEPLOYMENTS_TABLE_NAME).toBeUndefined();
      }
    });

    test('QueryMonitoring reads the table and reports', () => {
      expect(grantsOf(template, 'queryMonitoring')).toEqual([`dynamodb:GetItem ${table()}`, `dynamodb:Query ${table()}`, `s3:GetObject ${bucket()}/reports/*`]);
    });

    test('grants no wildcard action anywhere', () => {
      const actions = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((statement) => [statement.Action].flat()),
      );
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    });

    test('names each resource to its function by a variable', () => {
      const variables = (fn: keyof typeof monitoring.functions) =>
        Object.keys(
          Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find(
            (resource) => resource.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === monitoring.functions[fn].node.id,
          )!.Properties.Environment.Variables,
        )
          .filter((name) => !name.startsWith('POWERTOOLS_'))
          .sort();
      expect(variables('collectData')).toEqual(['MONITORING_BUCKET_NAME', 'MONITORING_METRICS_NAMESPACE']);
      expect(variables('registerBaseline')).toEqual(['ARTIFACT_BUCKET_NAME', 'MONITORING_BUCKET_NAME', 'MONITORING_TABLE_NAME', 'REGISTRY_TABLE_NAME']);
      expect(variables('checkDrift')).toEqual([
        'EVENT_BUS_NAME',
        'INLINE_WINDOW_BYTES',
        'MONITORING_BUCKET_NAME',
        'MONITORING_METRICS_NAMESPACE',
        'MONITORING_TABLE_NAME',
        'REGISTRY_TABLE_NAME',
      ]);
      expect(variables('sketchCaptureChunk')).toEqual(['MONITORING_BUCKET_NAME']);
      expect(variables('retrainGate')).toEqual(['EVENT_BUS_NAME', 'MONITORING_TABLE_NAME']);
      expect(variables('queryMonitoring')).toEqual(['MONITORING_BUCKET_NAME', 'MONITORING_TABLE_NAME']);
    });

    test('profiles and checks with a full vCPU (1769 MB) and long timeouts', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'RegisterBaseline' }) },
        MemorySize: 1769,
        Timeout: 300,
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'CheckDrift', INLINE_WINDOW_BYTES: String(64 * 1024 * 1024) }) },
        MemorySize: 1769,
        Timeout: 900,
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'SketchCaptureChunk' }) },
        MemorySize: 1769,
        Timeout: 900,
      });
    });

    test('lets the Collector invoke collectData, nothing more', () => {
      const target = idOf(monitoring.functions.collectData);
      expect(grantsOfRole(template, idOf(stack.node.findChild('Collector')))).toEqual([
        `lambda:InvokeFunction <${target}.Arn>`,
        `lambda:InvokeFunction <${target}.Arn>:*`,
      ]);
    });

    test('lets the BaselineManager invoke registerBaseline and upload training data under training-data/ of the artifact bucket, nothing more', () => {
      const target = idOf(monitoring.functions.registerBaseline);
      expect(grantsOfRole(template, idOf(stack.node.findChild('BaselineManager')))).toEqual([
        `lambda:InvokeFunction <${target}.Arn>`,
        `lambda:InvokeFunction <${target}.Arn>:*`,
        's3:AbortMultipartUpload arn:aws:s3:::artifacts/training-data/*',
        's3:PutObject arn:aws:s3:::artifacts/training-data/*',
      ]);
    });

    test('lets the Reader invoke queryMonitoring and read the HTML reports, nothing more', () => {
      const target = idOf(monitoring.functions.queryMonitoring);
      expect(grantsOfRole(template, idOf(stack.node.findChild('Reader')))).toEqual([
        `lambda:InvokeFunction <${target}.Arn>`,
        `lambda:InvokeFunction <${target}.Arn>:*`,
        `s3:GetObject <${idOf(monitoring.monitoringBucket)}.Arn>/reports/*`,
      ]);
    });
  });

  describe('with a customer-managed key', () => {
    const { keyTemplate, keyed, platformKey } = f;
    const key = () => ({ 'Fn::GetAtt': [idOf(platformKey), 'Arn'] });

    test('encrypts the bucket, the table and the alarm topics with it', () => {
      keyTemplate.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key() } }],
        },
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'collected/', ExpirationInDays: 30 })]) },
      });
      keyTemplate.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { KMSMasterKeyId: key(), SSEEnabled: true, SSEType: 'KMS' } });
      const topics = Object.values(resourcesOf(keyTemplate, 'AWS::SNS::Topic'));
      expect(topics).toHaveLength(2);
      for (const topic of topics) expect(topic.Properties.KmsMasterKeyId).toEqual(key());
    });

    test('lets CloudWatch alarms use the key to publish to the encrypted topics', () => {
      const [keyResource] = Object.values(resourcesOf(keyTemplate, 'AWS::KMS::Key'));
      expect(keyResource.Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
      );
    });

    test('lets the state machine and the functions decrypt what they read and encrypt what they write', () => {
      const kmsGrants = (grants: string[]) => grants.filter((grant) => grant.startsWith('kms:'));
      const keyArn = `<${idOf(platformKey)}.Arn>`;
      expect(kmsGrants(grantsOfRole(keyTemplate, idOf(keyed.driftCheck.role)))).toEqual([`kms:Decrypt ${keyArn}`]);
      expect(kmsGrants(grantsOf(keyTemplate, 'queryMonitoring', keyed))).toEqual([`kms:Decrypt ${keyArn}`, `kms:DescribeKey ${keyArn}`]);
      expect(kmsGrants(grantsOf(keyTemplate, 'collectData', keyed))).toEqual([`kms:Decrypt ${keyArn}`, `kms:GenerateDataKey ${keyArn}`]);
    });

    test('takes its namespace, inline window and fan-out concurrency', () => {
      keyTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'CheckDrift',
            INLINE_WINDOW_BYTES: String(32 * 1024 * 1024),
            MONITORING_METRICS_NAMESPACE: 'Custom/Monitoring',
          }),
        },
      });
      const [machine] = Object.values(resourcesOf(keyTemplate, 'AWS::StepFunctions::StateMachine'));
      expect(joinedJson(machine.Properties.DefinitionString).States.SketchChunks.MaxConcurrency).toBe(25);
      keyTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Custom/Monitoring',
        MetricName: 'DriftShare',
        Dimensions: [{ Name: 'Monitor', Value: 'ranker' }],
      });
    });

    test('watches the single AllTraffic variant of an endpoint by default', () => {
      keyTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ModelLatency',
        Dimensions: [
          { Name: 'EndpointName', Value: 'ranker-endpoint' },
          { Name: 'VariantName', Value: 'AllTraffic' },
        ],
        Threshold: 1_000_000,
      });
      keyTemplate.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    });
  });

  test('cdk-nag AwsSolutions finds no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks(f.app).validateScope(f.app);

    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  test('cfn-lint reports no error or warning on the synthesized templates', async () => {
    const { output, status, error } = await lint;

    if (error) throw new Error(error);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});

describe('ModelMonitoring validation', () => {
  const valid: MonitorOptions = { monitorName: 'churn', model: 'churn-model', version: 1 };

  test.each<[string, Partial<MonitorOptions>, RegExp]>([
    ['a monitor name with spaces', { monitorName: 'churn model' }, /^monitorName must be 1 to 64 characters.*got "churn model"$/],
    ['a monitor name starting with "-"', { monitorName: '-churn' }, /got "-churn"/],
    [
      'both a version and an alias',
      { version: 2, alias: 'production' },
      /monitor "churn" needs exactly one of version and alias, got both \(version 2, alias "production"\)/,
    ],
    ['neither a version nor an alias', { version: undefined }, /needs exactly one of version and alias, got neither/],
    [
      'a schedule of 90 seconds',
      { schedule: Duration.seconds(90) },
      /schedule of monitor "churn" must be a whole number of minutes from 1 minute to 3 days 12 hours, got 1 minute 30 seconds/,
    ],
    ['a schedule of 30 seconds', { schedule: Duration.seconds(30) }, /must be a whole number of minutes.*got 30 seconds/],
    ['a schedule of 5 days', { schedule: Duration.days(5) }, /got 5 days/],
    ['a window of 8 days', { window: Duration.days(8) }, /window of monitor "churn" must be a whole number of minutes from 1 minute to 7 days, got 8 days/],
    ['minInvocations without an endpoint', { minInvocations: 10 }, /minInvocations of monitor "churn" needs an endpoint to watch/],
    ['a latency threshold without an endpoint', { latencyP99Threshold: Duration.seconds(2) }, /latencyP99Threshold of monitor "churn" needs an endpoint/],
    [
      'a capture prefix without a trailing "/"',
      { capture: { bucket: s3.Bucket.fromBucketName(new Stack(), 'B', 'capture'), prefix: 'datacapture/churn' } },
      /capture prefix of monitor "churn" must be empty or end with "\/".*got "datacapture\/churn"/,
    ],
    [
      'an alias with capitals',
      { version: undefined, alias: 'Production' },
      /monitor "churn" has an invalid configuration: alias must hold only lowercase letters.*\(got "Production"\)/,
    ],
    ['a drift share above 1', { thresholds: { driftShare: 1.5 } }, /invalid configuration: thresholds\.driftShare .*\(got 1\.5\)/],
    ['a fractional retrain cooldown', { retrainCooldown: Duration.millis(1500) }, /retrainCooldown of monitor "churn" must be a whole number of seconds/],
  ])('fails on %s', (_name, options, message) => {
    const monitoring = freshMonitoring();
    expect(() => monitoring.addMonitor('Monitor', { ...valid, ...options })).toThrow(message);
  });

  test('fails on two monitors of the same name', () => {
    const monitoring = freshMonitoring();
    monitoring.addMonitor('First', valid);
    expect(() => monitoring.addMonitor('Second', valid)).toThrow(/monitorName "churn" is already used by monitor "First"/);
  });

  test.each<[string, Partial<ModelMonitoringProps>, RegExp]>([
    [
      'a capture retention of 36 hours',
      { captureRetention: Duration.hours(36) },
      /captureRetention must be a whole number of days, at least 1; got 1 day 12 hours/,
    ],
    ['no fan-out concurrency', { fanOutConcurrency: 0 }, /fanOutConcurrency must be a whole number from 1 to 10000.*got 0/],
    ['an inline window of 512 KiB', { inlineWindowBytes: Size.kibibytes(512) }, /inlineWindowBytes must be between 1 MiB and 512 MiB.*got 524288 bytes/],
    ['an alarm address without a domain', { alarmEmails: ['oncall'] }, /alarm e-mail addresses must look like name@example.com, got "oncall"/],
  ])('fails on %s', (_name, props, message) => {
    expect(() => freshMonitoring(props)).toThrow(message);
  });
});
