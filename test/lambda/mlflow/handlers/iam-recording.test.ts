import { describeNeed } from '../../handler-support/iam-needs';
import { recordIamNeeds } from '../../handler-support/scenarios';
import { mlflowScenarios } from './handler-scenarios';

describe('recordIamNeeds', () => {
  it('lists what MlflowApi needs: run metrics to CloudWatch, item reads and writes on both tables, their listing indexes and the run search index, directories pinned and manifests written as RegisterModel does, PutEvents', async () => {
    const needs = await recordIamNeeds('MlflowApi', mlflowScenarios.MlflowApi);

    expect(needs.map(describeNeed)).toEqual([
      // A batch's points go to CloudWatch as LogMetrics sends them, in the runs' namespace only.
      'cloudwatch:PutMetricData on * if StringEquals cloudwatch:namespace = $RUN_METRICS_NAMESPACE',
      // Only the alias move checks a condition (that the version exists); nothing is batch-read.
      'dynamodb:ConditionCheckItem on registry-table',
      // A version's tag removed: its index item goes.
      'dynamodb:DeleteItem on registry-table',
      'dynamodb:GetItem on experiments-table',
      'dynamodb:GetItem on registry-table',
      'dynamodb:PutItem on experiments-table',
      'dynamodb:PutItem on registry-table',
      // Metric histories; experiments and logged models by the listing index; run search by its own index.
      'dynamodb:Query on experiments-table',
      'dynamodb:Query on experiments-table/index/gsi1',
      'dynamodb:Query on experiments-table/index/gsi3',
      'dynamodb:Query on registry-table',
      'dynamodb:Query on registry-table/index/gsi1',
      'dynamodb:UpdateItem on experiments-table',
      'dynamodb:UpdateItem on registry-table',
      'events:PutEvents on event-bus',
      // Directories are pinned from MLflow's artifacts only, any S3 version.
      's3:GetObject on artifact-bucket/mlflow/*',
      's3:GetObjectVersion on artifact-bucket/mlflow/*',
      's3:ListBucket on artifact-bucket',
      's3:PutObject on artifact-bucket/registry-manifests/*',
    ]);
  });
});
