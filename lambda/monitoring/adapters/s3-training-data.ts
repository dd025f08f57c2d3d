import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { isKeyUnder, outsidePrefixMessage, TRAINING_DATA_PREFIX } from '../../shared/artifact-prefixes';
import { ValidationError } from '../../shared/errors';
import { parseS3Uri } from '../../shared/s3-uri';
import { type BaselineProfile, buildBaseline } from '../core/profile/baseline-profile';
import { columnsFromCsv, columnsFromJsonLines, DatasetError } from '../core/profile/dataset-columns';

export interface TrainingDataSource {
  readonly uri: string;
  readonly format: 'csv' | 'jsonl';
  readonly exclude: readonly string[];
  readonly categorical: readonly string[];
}

/**
 * Profiles training data in the artifact bucket, only under `training-data/`: where
 * `ModelMonitoring.grantManageBaselines` lets a caller upload, so the function never profiles (and
 * answers with the columns of) a file its caller could not have written. The file is read whole:
 * the function's memory bounds it (about a gigabyte of CSV at 1769 MB); profile larger sets with
 * `mlops monitor baseline`.
 */
export function s3TrainingDataProfiler(s3: S3Client, artifactBucketName: string) {
  return async (source: TrainingDataSource, createdAt: string): Promise<BaselineProfile> => {
    // The request schema checked the URI.
    const { bucket, key } = parseS3Uri(source.uri)!;
    if (bucket !== artifactBucketName) throw ValidationError.of('source.uri', `must be in the artifact bucket ${artifactBucketName}`);
    if (!isKeyUnder(key, TRAINING_DATA_PREFIX))
      throw ValidationError.of('source.uri', `${outsidePrefixMessage(TRAINING_DATA_PREFIX)} (s3://${artifactBucketName}/${TRAINING_DATA_PREFIX}...)`);
    const text = await readObject(s3, bucket, key).catch((error: Error) => {
      // The function may read the bucket's objects but not list them: S3 answers a missing key with 403.
      if (error instanceof NoSuchKey || error.name === 'AccessDenied')
        throw ValidationError.of('source.uri', `no object ${source.uri}; upload the training data first`);
      throw error;
    });
    try {
      const columns = source.format === 'csv' ? columnsFromCsv(text, source) : columnsFromJsonLines(text, source);
      return buildBaseline(columns, { createdAt, source: source.uri });
    } catch (error) {
      if (error instanceof DatasetError) throw ValidationError.of('source.uri', error.message);
      throw error;
    }
  };
}

async function readObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Body!.transformToString('utf8');
}
