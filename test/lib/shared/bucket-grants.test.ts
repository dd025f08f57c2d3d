import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { grantDownloadOf } from '../../../lib/shared/bucket-grants';
import { testApp } from '../../support/platform-app';

function grantStack(encrypted: boolean) {
  const stack = new Stack(testApp(), 'Test');
  const bucket = new s3.Bucket(stack, 'Bucket', encrypted ? { encryptionKey: new kms.Key(stack, 'Key') } : {});
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  return { stack, bucket, reader };
}

const statements = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown }[]);

describe('grantDownloadOf', () => {
  test('grants GetObject on the objects matching the patterns only, and no key action for an unencrypted bucket', () => {
    const { stack, bucket, reader } = grantStack(false);

    const grant = grantDownloadOf(bucket, reader, ['reports/*', 'images/*/model.tar.gz']);

    expect(grant.success).toBe(true);
    const template = Template.fromStack(stack);
    const [bucketId] = Object.keys(template.findResources('AWS::S3::Bucket'));
    const objects = (pattern: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${pattern}`]] });
    expect(statements(template)).toHaveLength(1);
    expect(statements(template)).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: expect.arrayContaining([objects('reports/*'), objects('images/*/model.tar.gz')]) },
    ]);
  });

  test("grants the given actions and the bucket key's kms:Decrypt", () => {
    const { stack, bucket, reader } = grantStack(true);

    grantDownloadOf(bucket, reader, ['models/*'], ['s3:GetObject', 's3:GetObjectVersion']);

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['s3:GetObject', 's3:GetObjectVersion'] }),
          Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0], 'Arn'] } }),
        ]),
      },
    });
  });
});
