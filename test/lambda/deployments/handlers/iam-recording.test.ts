import { describeNeed } from '../../handler-support/iam-needs';
import { recordIamNeeds } from '../../handler-support/scenarios';
import { deploymentsScenarios } from './handler-scenarios';

const PASS_ROLE = 'iam:PassRole on deployments-execution-role if StringEquals iam:PassedToService = "sagemaker.amazonaws.com"';

/** What every function that rolls a revision out needs: its alarms put, its model and config made (tagged, the role passed), the endpoint moved, and both deleted when SageMaker refuses. */
const ROLL_OUT = [
  'cloudwatch:PutMetricAlarm on cloudwatch:alarm:mlops-*',
  'dynamodb:GetItem on deployments-table',
  'dynamodb:PutItem on deployments-table',
  'events:PutEvents on event-bus',
  PASS_ROLE,
  'sagemaker:AddTags on sagemaker:endpoint-config/mlops-*',
  'sagemaker:AddTags on sagemaker:model/mlops-*',
  'sagemaker:CreateEndpointConfig on sagemaker:endpoint-config/mlops-*',
  'sagemaker:CreateModel on sagemaker:model/mlops-*',
  'sagemaker:DeleteEndpointConfig on sagemaker:endpoint-config/mlops-*',
  'sagemaker:DeleteModel on sagemaker:model/mlops-*',
  'sagemaker:UpdateEndpoint on sagemaker:endpoint-config/mlops-*',
  'sagemaker:UpdateEndpoint on sagemaker:endpoint/mlops-*',
];
/** Reading the image a deployment serves: a version, or the ones serving an alias's model version. */
const IMAGE_READS = ['dynamodb:GetItem on images-table', 'dynamodb:GetItem on registry-table', 'dynamodb:Query on images-table/index/gsi1'];

const sorted = (needs: string[]) => [...needs].sort((a, b) => a.localeCompare(b));

describe('recordIamNeeds', () => {
  it("lists what CreateDeployment needs: the deployment written, the image read, the alarms put, the model, config and endpoint made and tagged on the platform's names, the execution role passed to SageMaker only", async () => {
    const needs = await recordIamNeeds('CreateDeployment', deploymentsScenarios.CreateDeployment);

    expect(needs.map(describeNeed)).toEqual(
      sorted([
        ...ROLL_OUT.filter((need) => !need.startsWith('sagemaker:UpdateEndpoint')),
        ...IMAGE_READS,
        'sagemaker:AddTags on sagemaker:endpoint/mlops-*',
        'sagemaker:CreateEndpoint on sagemaker:endpoint-config/mlops-*',
        'sagemaker:CreateEndpoint on sagemaker:endpoint/mlops-*',
      ]),
    );
  });

  it('lists what UpdateDeployment needs: the image read, a rollout (UpdateEndpoint on the endpoint and the config), no endpoint created', async () => {
    const needs = await recordIamNeeds('UpdateDeployment', deploymentsScenarios.UpdateDeployment);

    expect(needs.map(describeNeed)).toEqual(sorted([...ROLL_OUT, ...IMAGE_READS]));
  });

  it('lists what RollbackDeployment needs: a rollout of what the deployment records, no image read', async () => {
    const needs = await recordIamNeeds('RollbackDeployment', deploymentsScenarios.RollbackDeployment);

    expect(needs.map(describeNeed)).toEqual(ROLL_OUT);
  });

  it('lists what DeleteDeployment needs: the deployment recorded, its endpoint and alarms deleted (its models and configs go later, with AdvanceDeployments)', async () => {
    const needs = await recordIamNeeds('DeleteDeployment', deploymentsScenarios.DeleteDeployment);

    expect(needs.map(describeNeed)).toEqual([
      'cloudwatch:DeleteAlarms on cloudwatch:alarm:mlops-*',
      'dynamodb:GetItem on deployments-table',
      'dynamodb:PutItem on deployments-table',
      'events:PutEvents on event-bus',
      'sagemaker:DeleteEndpoint on sagemaker:endpoint/mlops-*',
    ]);
  });

  it("lists what QueryDeployments needs: reads of the deployments table and its listing index, of the deployments' capture, and CloudWatch's metrics", async () => {
    const needs = await recordIamNeeds('QueryDeployments', deploymentsScenarios.QueryDeployments);

    expect(needs.map(describeNeed)).toEqual([
      'cloudwatch:GetMetricData on *',
      'dynamodb:GetItem on deployments-table',
      'dynamodb:Query on deployments-table',
      'dynamodb:Query on deployments-table/index/gsi1',
      's3:GetObject on monitoring-bucket/captured/*',
      's3:ListBucket on monitoring-bucket if StringLike s3:prefix = "captured/*"',
    ]);
  });

  it("lists what DeploymentEvents needs: the deployments listed, and UpdateDeployment's needs", async () => {
    const needs = await recordIamNeeds('DeploymentEvents', deploymentsScenarios.DeploymentEvents);

    expect(needs.map(describeNeed)).toEqual(sorted([...ROLL_OUT, ...IMAGE_READS, 'dynamodb:Query on deployments-table/index/gsi1']));
  });

  it('lists what AdvanceDeployments needs: the deployments listed and recorded, the endpoints and alarms read, a rollback sent, revisions retired; no create, no PassRole', async () => {
    const needs = await recordIamNeeds('AdvanceDeployments', deploymentsScenarios.AdvanceDeployments);

    expect(needs.map(describeNeed)).toEqual([
      'cloudwatch:DescribeAlarms on cloudwatch:alarm:mlops-*',
      'dynamodb:PutItem on deployments-table',
      'dynamodb:Query on deployments-table/index/gsi1',
      'events:PutEvents on event-bus',
      'sagemaker:DeleteEndpointConfig on sagemaker:endpoint-config/mlops-*',
      'sagemaker:DeleteModel on sagemaker:model/mlops-*',
      'sagemaker:DescribeEndpoint on sagemaker:endpoint/mlops-*',
      'sagemaker:UpdateEndpoint on sagemaker:endpoint-config/mlops-*',
      'sagemaker:UpdateEndpoint on sagemaker:endpoint/mlops-*',
    ]);
  });
});
