import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SEARCH_PROJECTION } from '../../../lambda/experiments/adapters/run-search-index';
import { ExperimentTracking, type ExperimentTrackingProps } from '../../../lib';
import { testApp } from '../../support/platform-app';

function trackingStack(props: ExperimentTrackingProps = {}) {
  const stack = new Stack(testApp(), 'Test');
  const tracking = new ExperimentTracking(stack, 'Experiments', props);
  return { stack, tracking };
}

/** The dashboard's body as JSON, its tokens (the region) written as REF. */
function dashboardBody(template: Template): { widgets: { properties: Record<string, any> }[] } {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'REF')).join(''));
}

describe('ExperimentTracking', () => {
  const { stack, tracking } = trackingStack();
  const trainer = new iam.Role(stack, 'Trainer', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  tracking.grantTrack(trainer);
  tracking.grantRead(reader);
  const template = Template.fromStack(stack);

  test('keeps runs in an on-demand table with PITR and deletion protection, retained, with a listing index, a sparse running index and the run search index', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({ IndexName: 'gsi1', Projection: { ProjectionType: 'ALL' } }),
          Match.objectLike({
            IndexName: 'gsi2',
            KeySchema: [
              { AttributeName: 'gsi2pk', KeyType: 'HASH' },
              { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          }),
          // MLflow's run search reads runs by experiment shard and last change, with the compact fields it filters on.
          Match.objectLike({
            IndexName: 'gsi3',
            KeySchema: [
              { AttributeName: 'gsi3pk', KeyType: 'HASH' },
              { AttributeName: 'gsi3sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...SEARCH_PROJECTION] },
          }),
        ],
      }),
    });
  });

  test("runs the heartbeat sweep every 5 minutes, declaring runs silent for 10 minutes crashed (MLflow's, which beat no heart, after 24 hours)", () => {
    const sweep = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'SweepRuns' } } } });
    const [sweepId] = Object.keys(sweep);
    expect(sweep[sweepId].Properties.Environment.Variables.CRASH_AFTER_SECONDS).toBe('600');
    expect(sweep[sweepId].Properties.Environment.Variables.MLFLOW_CRASH_AFTER_SECONDS).toBe('86400');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweepId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 } })],
    });
  });

  test('lets LogMetrics put metric data only into the run metrics namespace', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'cloudwatch:PutMetricData',
            Effect: 'Allow',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'MlopsPlatform/Experiments' } },
          },
        ]),
      },
    });
  });

  test('grantTrack allows invoking StartRun, LogMetrics and EndRun; grantRead only QueryRuns', () => {
    const invocable = (role: string) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref.startsWith(role)))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
        .flatMap((statement: { Resource: unknown }) => [statement.Resource].flat())
        .map((resource) => JSON.stringify(resource).match(/Experiments(StartRun|LogMetrics|EndRun|QueryRuns|SweepRuns)/)?.[1])
        .filter(Boolean);
    expect(new Set(invocable('Trainer'))).toEqual(new Set(['StartRun', 'LogMetrics', 'EndRun']));
    expect(new Set(invocable('Reader'))).toEqual(new Set(['QueryRuns']));
  });

  test('draws run metrics with SEARCH expressions over the run dimensions, so new runs appear without a redeploy', () => {
    const body = dashboardBody(template);
    const expressions = body.widgets
      .flatMap((widget) => (widget.properties.metrics ?? []) as unknown[][])
      .flatMap((metric) => metric.filter((part) => typeof part === 'object' && part !== null && 'expression' in part))
      .map((part) => (part as { expression: string }).expression);

    expect(expressions).toEqual(
      expect.arrayContaining([
        `SEARCH('{"MlopsPlatform/Experiments","Experiment","RunId"}', 'Average', 60)`,
        `SEARCH('{"MlopsPlatform/Experiments","Experiment","RunId"} MetricName="loss"', 'Average', 60)`,
        `SEARCH('{"MlopsPlatform/Experiments","Experiment","RunId"} MetricName="accuracy"', 'Average', 60)`,
        `SEARCH('{MlopsPlatform,service,status} MetricName="RunsEnded"', 'Sum', 3600)`,
      ]),
    );
    const titles = body.widgets.map((widget) => widget.properties.title).filter(Boolean);
    expect(titles).toEqual(expect.arrayContaining(['Runs by status', 'All run metrics', 'loss', 'accuracy', 'Tracking functions: Errors']));
  });

  test('metricOfRun names one run metric by its dimensions', () => {
    const metric = tracking.metricOfRun('churn', 'a'.repeat(32), 'auc');
    expect(metric).toMatchObject({ namespace: 'MlopsPlatform/Experiments', metricName: 'auc', dimensions: { Experiment: 'churn', RunId: 'a'.repeat(32) } });
  });
});

describe('ExperimentTracking props', () => {
  test('the sweep follows crashAfter and sweepInterval, and the dashboard the chosen metrics', () => {
    const { stack } = trackingStack({ crashAfter: Duration.minutes(30), sweepInterval: Duration.minutes(10), dashboardMetrics: ['val_auc'] });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ CRASH_AFTER_SECONDS: '1800' }) } });
    const titles = dashboardBody(template).widgets.map((widget) => widget.properties.title);
    expect(titles).toContain('val_auc');
    expect(titles).not.toContain('loss');
  });

  test('refuses a crashAfter under a minute and a sweepInterval that is not whole minutes, showing the value', () => {
    expect(() => trackingStack({ crashAfter: Duration.seconds(30) })).toThrow('crashAfter must be at least a minute (two client heartbeats), got 30 seconds');
    expect(() => trackingStack({ crashAfter: Duration.hours(2), mlflowCrashAfter: Duration.hours(1) })).toThrow(
      'mlflowCrashAfter (1 hour) must be at least crashAfter (2 hours)',
    );
    expect(() => trackingStack({ sweepInterval: Duration.seconds(90) })).toThrow(
      'sweepInterval must be a whole number of minutes (EventBridge schedules), got 1 minute 30 seconds',
    );
  });
});
