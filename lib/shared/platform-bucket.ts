import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { definedOnly } from './props';

/**
 * What every bucket of the platform has, whatever its props: no public access and no ACLs, and
 * requests over TLS 1.2 or newer only. A prop asking otherwise is refused.
 */
export const REQUIRED_BUCKET_SETTINGS = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  publicReadAccess: false,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
} as const satisfies s3.BucketProps;

/** Multipart uploads a client gave up on are billed until aborted. */
const ABORT_INCOMPLETE_UPLOADS: s3.LifecycleRule = { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) };

export interface PlatformBucketProps extends s3.BucketProps {
  /** What the bucket holds (`artifact`, `monitoring`), named where its access logs bucket is explained. */
  readonly purpose: string;
}

/**
 * A bucket of the platform, its settings merged once: the defaults (S3-managed keys, or the KMS key
 * `encryptionKey` with a bucket key; server access logs into a new bucket of `purpose`'s, kept a
 * year; retained), then `props`, then what every platform bucket must have
 * (`REQUIRED_BUCKET_SETTINGS`, and the rule that aborts incomplete uploads after `props.lifecycleRules`).
 * The default access logs bucket is the child `AccessLogs` of `scope`: one such bucket per scope.
 */
export function createPlatformBucket(scope: Construct, id: string, props: PlatformBucketProps): s3.Bucket {
  const { purpose, ...bucketProps } = props;
  const given = definedOnly<s3.BucketProps>(bucketProps);
  refuseWeakerSettings(id, given);
  const removalPolicy = given.removalPolicy ?? RemovalPolicy.RETAIN;
  const defaults: s3.BucketProps = {
    encryption: given.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    bucketKeyEnabled: given.encryptionKey !== undefined,
    removalPolicy,
    // Made only when no bucket is given: an unused log bucket would still be deployed.
    serverAccessLogsBucket: given.serverAccessLogsBucket ?? createAccessLogsBucket(scope, removalPolicy, purpose),
  };
  return new s3.Bucket(scope, id, {
    ...defaults,
    ...given,
    lifecycleRules: [...(given.lifecycleRules ?? []), ABORT_INCOMPLETE_UPLOADS],
    ...REQUIRED_BUCKET_SETTINGS,
  });
}

/** A bucket for another bucket's S3 server access logs, kept a year. */
function createAccessLogsBucket(scope: Construct, removalPolicy: RemovalPolicy, loggedBucket: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    // S3 server access logging delivers only to SSE-S3 buckets.
    encryption: s3.BucketEncryption.S3_MANAGED,
    ...REQUIRED_BUCKET_SETTINGS,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    removalPolicy,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: `This bucket receives the ${loggedBucket} bucket's access logs; logging it to itself would loop.`,
  });
  return bucket;
}

function refuseWeakerSettings(id: string, given: Partial<s3.BucketProps>): void {
  for (const [setting, required] of Object.entries(REQUIRED_BUCKET_SETTINGS)) {
    const value = given[setting as keyof typeof REQUIRED_BUCKET_SETTINGS];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(required)) {
      throw new Error(`${setting} of platform bucket ${id} must be ${JSON.stringify(required)}, got ${JSON.stringify(value)}: leave it out`);
    }
  }
  if (given.encryption === s3.BucketEncryption.UNENCRYPTED) {
    throw new Error(`encryption of platform bucket ${id} must not be UNENCRYPTED: leave it out, or give encryptionKey for KMS`);
  }
}
