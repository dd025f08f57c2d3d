import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Lets `grantee` upload objects under `prefixes` of `bucket` only (single or multipart, with the
 * key's `kms:GenerateDataKey` when the bucket has one): the upload half of a capability's grant,
 * which must never reach the prefixes the platform writes (see lambda/shared/artifact-prefixes.ts).
 */
export function grantUploadUnder(bucket: s3.IBucket, grantee: iam.IGrantable, prefixes: readonly string[]): iam.Grant {
  const upload = iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
    resourceArns: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
  });
  bucket.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  return upload;
}

/**
 * Lets `grantee` download the objects of `bucket` whose keys match `keyPatterns` (`models/*`), with
 * `actions` (`s3:GetObject` unless told) and the key's `kms:Decrypt` when the bucket has one: the
 * download half of a capability's grant.
 */
export function grantDownloadOf(
  bucket: s3.IBucket,
  grantee: iam.IGrantable,
  keyPatterns: readonly string[],
  actions: readonly string[] = ['s3:GetObject'],
): iam.Grant {
  const download = iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: keyPatterns.map((pattern) => bucket.arnForObjects(pattern)) });
  bucket.encryptionKey?.grant(grantee, 'kms:Decrypt');
  return download;
}
