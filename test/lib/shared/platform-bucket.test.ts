import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { createPlatformBucket, type PlatformBucketProps } from '../../../lib';
import { testApp } from '../../support/platform-app';

function bucketTemplate(props: Partial<PlatformBucketProps> = {}, extra: (stack: Stack) => Partial<PlatformBucketProps> = () => ({})) {
  const stack = new Stack(testApp(), 'Test');
  createPlatformBucket(stack, 'Data', { purpose: 'data', serverAccessLogsPrefix: 'data/', ...props, ...extra(stack) });
  return Template.fromStack(stack);
}

/** The bucket whose logical id starts with `logicalIdPrefix`, with its logical id. */
function bucketResource(template: Template, logicalIdPrefix: string) {
  const [[logicalId, resource]] = Object.entries(template.findResources('AWS::S3::Bucket')).filter(([id]) => id.startsWith(logicalIdPrefix));
  return { logicalId, ...(resource as { Properties: Record<string, any>; DeletionPolicy?: string }) };
}

const REQUIRED_PROPERTIES = {
  PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
  OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
};

/** The bucket policy statements that refuse plain HTTP and TLS older than 1.2. */
function expectTlsOnly(template: Template) {
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]),
    },
  });
}

describe('createPlatformBucket', () => {
  test('by default: S3-managed keys, no public access or ACLs, TLS 1.2 only, access logs into a new bucket, retained', () => {
    const template = bucketTemplate();

    const bucket = bucketResource(template, 'Data');
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(bucket.Properties).toMatchObject({
      ...REQUIRED_PROPERTIES,
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: false, ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: bucketResource(template, 'AccessLogs').logicalId }, LogFilePrefix: 'data/' },
      LifecycleConfiguration: { Rules: [{ Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' }] },
    });
    const logs = bucketResource(template, 'AccessLogs');
    expect(logs).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { ...REQUIRED_PROPERTIES, LifecycleConfiguration: { Rules: [{ ExpirationInDays: 365 }] } },
    });
    template.resourceCountIs('AWS::S3::BucketPolicy', 2);
    expectTlsOnly(template);
  });

  test('encrypts with the given KMS key and a bucket key', () => {
    const template = bucketTemplate({}, (stack) => ({ encryptionKey: new kms.Key(stack, 'Key') }));
    const [key] = Object.keys(template.findResources('AWS::KMS::Key'));

    expect(bucketResource(template, 'Data').Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] } },
        },
      ],
    });
  });

  test("merges the caller's props over the defaults and keeps what every platform bucket requires", () => {
    const template = bucketTemplate({
      versioned: true,
      removalPolicy: RemovalPolicy.DESTROY,
      lifecycleRules: [{ id: 'expire-old', expiration: Duration.days(30) }],
      // Explicitly unset props keep their defaults.
      encryptionKey: undefined,
      serverAccessLogsBucket: undefined,
    });

    const bucket = bucketResource(template, 'Data');
    expect(bucket).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    expect(bucket.Properties).toMatchObject({
      ...REQUIRED_PROPERTIES,
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { LogFilePrefix: 'data/' },
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules.map((rule: { Id: string }) => rule.Id)).toEqual(['expire-old', 'abort-incomplete-uploads']);
    expectTlsOnly(template);
  });

  test('sends access logs to the given bucket and makes none of its own', () => {
    const template = bucketTemplate({}, (stack) => ({ serverAccessLogsBucket: new s3.Bucket(stack, 'CentralLogs') }));

    const logicalIds = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(logicalIds.filter((id) => id.startsWith('AccessLogs'))).toEqual([]);
    expect(bucketResource(template, 'Data').Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: bucketResource(template, 'CentralLogs').logicalId },
      LogFilePrefix: 'data/',
    });
  });

  test('accepts a required setting given as required', () => {
    const template = bucketTemplate({ enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, minimumTLSVersion: 1.2 });

    expect(bucketResource(template, 'Data').Properties).toMatchObject(REQUIRED_PROPERTIES);
    expectTlsOnly(template);
  });

  test.each<[string, Partial<PlatformBucketProps>, RegExp]>([
    ['SSL enforcement turned off', { enforceSSL: false }, /^enforceSSL of platform bucket Data must be true, got false: leave it out$/],
    [
      'public access blocked for ACLs only',
      { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS },
      /^blockPublicAccess of platform bucket Data must be \{.*\}, got \{.*\}/,
    ],
    ['public read access', { publicReadAccess: true }, /^publicReadAccess of platform bucket Data must be false, got true/],
    [
      'ACLs back on',
      { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER },
      /^objectOwnership of platform bucket Data must be "BucketOwnerEnforced", got "ObjectWriter"/,
    ],
    ['an older TLS', { minimumTLSVersion: 1.0 }, /^minimumTLSVersion of platform bucket Data must be 1.2, got 1/],
    ['no encryption', { encryption: s3.BucketEncryption.UNENCRYPTED }, /^encryption of platform bucket Data must not be UNENCRYPTED/],
  ])('fails on props that weaken a required setting: %s', (_name, props, message) => {
    expect(() => bucketTemplate(props)).toThrow(message);
  });
});
