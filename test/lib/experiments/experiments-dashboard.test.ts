import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ExperimentsDashboard, TRACKING_OPERATIONS, type TrackingOperation } from '../../../lib';
import { testApp } from '../../support/platform-app';

describe('ExperimentsDashboard', () => {
  test('graphs the functions and metrics it is given, without an ExperimentTracking', () => {
    const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const functions = Object.fromEntries(
      TRACKING_OPERATIONS.map((operation) => [operation, lambda.Function.fromFunctionName(stack, operation, `fn-${operation}`)]),
    ) as Record<TrackingOperation, lambda.IFunction>;

    new ExperimentsDashboard(stack, 'Dashboard', {
      runMetricsNamespace: 'Team/Runs',
      functions,
      runsStarted: new cloudwatch.Metric({ namespace: 'Team', metricName: 'Started' }),
      runsInProgress: new cloudwatch.Metric({ namespace: 'Team', metricName: 'Running' }),
      dashboardMetrics: ['f1'],
    });

    const [dashboard] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain(String.raw`SEARCH('{\\\"Team/Runs\\\",\\\"Experiment\\\",\\\"RunId\\\"} MetricName=\\\"f1\\\"'`);
    for (const operation of TRACKING_OPERATIONS) expect(body).toContain(`fn-${operation}`);
    expect(body).toContain(String.raw`[\"Team\",\"Started\",{\"label\":\"started\",\"period\":3600}]`);
    expect(body).toContain(String.raw`[\"Team\",\"Running\",{\"label\":\"running\"`);
  });
});
