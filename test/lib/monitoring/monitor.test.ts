import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Monitor } from '../../../lib';
import { testApp } from '../../support/platform-app';

const ARN = 'arn:aws:%s:eu-west-1:123456789012:%s';
const arn = (service: string, resource: string) => ARN.replace('%s', service).replace('%s', resource);

describe('Monitor', () => {
  // Only what a monitor uses of its ModelMonitoring, here from another stack's resources.
  const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new Monitor(stack, 'Churn', {
    monitorName: 'churn',
    model: 'churn',
    alias: 'production',
    monitoringBucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'team-monitoring'),
    metricsNamespace: 'Team/Drift',
    driftCheck: sfn.StateMachine.fromStateMachineArn(stack, 'DriftCheck', arn('states', 'stateMachine:drift-check')),
    retrainGate: lambda.Function.fromFunctionArn(stack, 'RetrainGate', arn('lambda', 'function:retrain-gate')),
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Alarms', arn('sns', 'alarms')),
    eventBus: events.EventBus.fromEventBusName(stack, 'Bus', 'team-bus'),
    retrainTarget: { bind: () => ({ arn: arn('states', 'stateMachine:train') }) },
  });
  const template = Template.fromStack(stack);

  test('schedules checks of its records in the given monitoring bucket on the given drift check', () => {
    const [schedule] = Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(1 hour)' } }));
    const [target] = schedule.Properties.Targets;
    expect(target.Arn).toBe(arn('states', 'stateMachine:drift-check'));
    expect(JSON.parse(target.InputTransformer.InputTemplate.replace('<time>', '"t"')).config.capture).toEqual({
      bucket: 'team-monitoring',
      prefix: 'collected/churn/',
    });
  });

  test('alarms on the drift metric of the given namespace and tells the given topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Team/Drift',
      MetricName: 'DriftShare',
      Dimensions: [{ Name: 'Monitor', Value: 'churn' }],
      AlarmActions: [arn('sns', 'alarms')],
      OKActions: [arn('sns', 'alarms')],
    });
  });

  test('takes its drift alarm to the given retrain gate, and its retrain requests on the given bus to its target', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.cloudwatch'] }),
      Targets: [Match.objectLike({ Arn: arn('lambda', 'function:retrain-gate') })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'team-bus',
      EventPattern: Match.objectLike({ 'detail-type': ['RetrainRequested'], detail: { monitor: ['churn'] } }),
      Targets: [Match.objectLike({ Arn: arn('states', 'stateMachine:train') })],
    });
  });
});
