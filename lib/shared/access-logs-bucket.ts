import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** A bucket for another bucket's S3 server access logs, kept a year. */
export function createAccessLogsBucket(scope: Construct, removalPolicy: RemovalPolicy, loggedBucket: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    // S3 server access logging delivers only to SSE-S3 buckets.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    removalPolicy,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: `This bucket receives the ${loggedBucket} bucket's access logs; logging it to itself would loop.`,
  });
  return bucket;
}
