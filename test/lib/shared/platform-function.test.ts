import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
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

  test("grantBucketPrefixes pins objects under a prefix only: any version of them, with the bucket key's Decrypt", () => {
    const { stack, fn } = functionStack();
    const bucket = new s3.Bucket(stack, 'Artifacts', { encryptionKey: new kms.Key(stack, 'Key') });

    fn.grantBucketPrefixes(bucket, { pin: ['mlflow/'] });

    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const [policy] = Object.values(statements);
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: stack.resolve(bucket.arnForObjects('mlflow/*')),
        }),
        expect.objectContaining({ Action: 'kms:Decrypt', Resource: stack.resolve(bucket.encryptionKey!.keyArn) }),
      ]),
    );
    expect(JSON.stringify(policy.Properties.PolicyDocument)).not.toContain('s3:PutObject');
  });

  test('bindEventBus takes another variable name', () => {
    const { stack, fn } = functionStack();

    fn.bindEventBus(events.EventBus.fromEventBusName(stack, 'Bus', 'other-bus'), 'AUDIT_BUS_NAME');

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIT_BUS_NAME: 'other-bus', EVENT_BUS_NAME: Match.absent() }) },
    });
  });
});
