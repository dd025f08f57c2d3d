import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { MONITORING_OPERATIONS } from '../../../lib';
import { MonitoringDashboard } from '../../../lib/monitoring/monitoring-dashboard';
import { testApp } from '../../support/platform-app';

describe('MonitoringDashboard', () => {
  test('graphs the functions, table, drift check and alarm it is given, without a ModelMonitoring', () => {
    const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const functions = Object.fromEntries(
      MONITORING_OPERATIONS.map((operation) => [operation, lambda.Function.fromFunctionName(stack, operation, `fn-${operation}`)]),
    ) as Record<(typeof MONITORING_OPERATIONS)[number], lambda.IFunction>;

    new MonitoringDashboard(stack, 'Dashboard', {
      metricsNamespace: 'Team/Drift',
      functions,
      table: dynamodb.Table.fromTableName(stack, 'Table', 'team-monitoring'),
      driftCheck: sfn.StateMachine.fromStateMachineArn(stack, 'DriftCheck', 'arn:aws:states:eu-west-1:123456789012:stateMachine:drift-check'),
      driftCheckFailuresAlarm: cloudwatch.Alarm.fromAlarmArn(stack, 'Failures', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:drift-check-failures'),
    });

    const [dashboard] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('Team/Drift');
    for (const operation of MONITORING_OPERATIONS) expect(body).toContain(`fn-${operation}`);
    expect(body).toContain('team-monitoring');
    expect(body).toContain('drift-check');
    expect(body).toContain('drift-check-failures');
  });
});
