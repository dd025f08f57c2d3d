import { describeNeed } from '../../handler-support/iam-needs';
import { recordIamActions, recordIamNeeds } from '../../handler-support/scenarios';
import { registryScenarios } from './handler-scenarios';

describe('recordIamActions', () => {
  it('lists what RegisterModel needs: item reads, counter updates and transactional puts, versioned object reads with ListBucket, manifest writes, PutEvents, and a read and a link of the source run on the tracking table', async () => {
    const needs = await recordIamNeeds('RegisterModel', registryScenarios.RegisterModel);

    expect(needs.map(describeNeed)).toEqual([
      'dynamodb:GetItem on experiments-table',
      'dynamodb:GetItem on registry-table',
      'dynamodb:PutItem on registry-table',
      'dynamodb:UpdateItem on experiments-table',
      'dynamodb:UpdateItem on registry-table',
      'events:PutEvents on event-bus',
      // Artifacts are pinned from the model upload prefixes, directories also from MLflow's artifacts.
      's3:GetObject on artifact-bucket/mlflow/*',
      's3:GetObject on artifact-bucket/models/*',
      's3:GetObject on artifact-bucket/uploads/*',
      's3:GetObjectVersion on artifact-bucket/mlflow/*',
      's3:GetObjectVersion on artifact-bucket/models/*',
      's3:GetObjectVersion on artifact-bucket/uploads/*',
      's3:ListBucket on artifact-bucket',
      // A directory's manifest, written where only the registry writes.
      's3:PutObject on artifact-bucket/registry-manifests/*',
    ]);
  });

  it('lists what SetModelAlias needs: a read, a condition check and puts in one transaction, PutEvents', async () => {
    const actions = await recordIamActions('SetModelAlias', registryScenarios.SetModelAlias);

    expect([...actions].sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'events:PutEvents']);
  });

  it('lists what QueryRegistry needs, telling table queries from queries of the lookup index', async () => {
    const needs = await recordIamNeeds('QueryRegistry', registryScenarios.QueryRegistry);

    expect(needs).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: 'registry-table' },
      { action: 'dynamodb:GetItem', resource: 'registry-table' },
      { action: 'dynamodb:Query', resource: 'registry-table' },
      { action: 'dynamodb:Query', resource: 'registry-table/index/gsi1' },
    ]);
  });
});
