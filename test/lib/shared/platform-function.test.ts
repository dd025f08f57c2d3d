import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { PLATFORM_METRICS_NAMESPACE } from '../../../lambda/shared/platform-metrics';
import { PlatformFunction } from '../../../lib';
import { testApp } from '../../support/platform-app';

function functionStack() {
  const stack = new Stack(testApp(), 'Test');
  const fn = new PlatformFunction(stack, 'QueryRegistry', {
    entry: path.join(__dirname, '..', '..', '..', 'lambda', 'registry', 'handlers', 'query-registry.ts'),
    description: 'A test function.',
  });
  return { stack, fn };
}

describe('PlatformFunction', () => {
  test('tells Powertools the platform metrics namespace the constructs build their metrics with', () => {
    const { stack } = functionStack();

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_METRICS_NAMESPACE: PLATFORM_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME: 'QueryRegistry' } },
    });
  });

  test("bindEventBus gives the bus's name in EVENT_BUS_NAME and PutEvents on that bus only", () => {
    const { stack, fn } = functionStack();
    const bus = new events.EventBus(stack, 'Bus');

    fn.bindEventBus(bus);

    const template = Template.fromStack(stack);
    const [busId] = Object.keys(template.findResources('AWS::Events::EventBus'));
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: { Ref: busId } }) } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } }]) },
    });
  });

  test('bindEventBus takes another variable name', () => {
    const { stack, fn } = functionStack();

    fn.bindEventBus(events.EventBus.fromEventBusName(stack, 'Bus', 'other-bus'), 'AUDIT_BUS_NAME');

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIT_BUS_NAME: 'other-bus', EVENT_BUS_NAME: Match.absent() }) },
    });
  });
});
