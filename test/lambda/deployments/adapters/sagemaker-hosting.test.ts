import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { SageMakerDeploymentHosting } from '../../../../lambda/deployments/adapters/sagemaker-hosting';
import type { DeploymentRecord, DeploymentRevision } from '../../../../lambda/deployments/core/model';
import { rolloutPlan } from '../../../../lambda/deployments/core/rollout-plan';

const sageMaker = mockClient(SageMakerClient);
const ROLE = 'arn:aws:iam::123456789012:role/mlops-deployments-execution';
const CAPTURE = 's3://monitoring-bucket/captured';
const hosting = new SageMakerDeploymentHosting(new SageMakerClient({}), { executionRoleArn: ROLE, captureUri: CAPTURE });

const serverless = { kind: 'serverless' as const, memoryMb: 3072, maxConcurrency: 8 };
const instances = { kind: 'instances' as const, instanceType: 'ml.m5.large', count: 2 };
const deployment = (compute: DeploymentRecord['compute']): DeploymentRecord => ({
  name: 'churn-api',
  endpoint: 'mlops-churn-api',
  compute,
  strategy: { kind: 'canary', percent: 10, bakeMinutes: 10 },
  alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
  status: 'CREATING',
  lastRevision: 2,
  createdAt: '2026-12-07T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:00.000Z',
});
const revision = (compute: DeploymentRecord['compute']): DeploymentRevision => ({
  revision: 2,
  image: { name: 'churn-scorer', version: 4, imageUri: 'repo@sha256:abc', modelDataUrl: 's3://artifacts/images/churn-scorer/4/model.tar.gz', models: [] },
  endpointConfig: 'mlops-churn-api-2',
  model: 'mlops-churn-api-2',
  rollout:
    compute.kind === 'serverless'
      ? rolloutPlan(compute, { kind: 'all-at-once', bakeMinutes: 10 }, [])
      : rolloutPlan(compute, { kind: 'canary', percent: 10, bakeMinutes: 10 }, ['a-5xx', 'a-p99']),
  startedAt: '2026-12-07T10:00:00.000Z',
});
const TAGS = [
  { Key: 'mlops:deployment', Value: 'churn-api' },
  { Key: 'mlops:revision', Value: '2' },
  { Key: 'mlops:image', Value: 'churn-scorer:4' },
];

beforeEach(() => {
  sageMaker.reset();
  sageMaker.onAnyCommand().resolves({});
});

describe('SageMakerDeploymentHosting', () => {
  it('makes a serverless revision: the pinned image and model data, the shim told where to capture, one serverless variant, no SageMaker capture', async () => {
    await hosting.createRevision(deployment(serverless), revision(serverless));

    expect(sageMaker.commandCalls(CreateModelCommand)[0].args[0].input).toEqual({
      ModelName: 'mlops-churn-api-2',
      ExecutionRoleArn: ROLE,
      PrimaryContainer: {
        Image: 'repo@sha256:abc',
        ModelDataUrl: 's3://artifacts/images/churn-scorer/4/model.tar.gz',
        Environment: { MLOPS_CAPTURE_S3_URI: `${CAPTURE}/mlops-churn-api/main`, MLOPS_DEPLOYMENT: 'churn-api' },
      },
      Tags: TAGS,
    });
    expect(sageMaker.commandCalls(CreateEndpointConfigCommand)[0].args[0].input).toEqual({
      EndpointConfigName: 'mlops-churn-api-2',
      ProductionVariants: [
        { VariantName: 'main', ModelName: 'mlops-churn-api-2', InitialVariantWeight: 1, ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 8 } },
      ],
      Tags: TAGS,
    });
  });

  it("makes an instance revision whose shim captures every request (with the callers' custom attributes, which SageMaker's own capture leaves out)", async () => {
    await hosting.createRevision(deployment(instances), revision(instances));

    const config = sageMaker.commandCalls(CreateEndpointConfigCommand)[0].args[0].input;
    expect(config).toMatchObject({ ProductionVariants: [{ VariantName: 'main', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 }] });
    expect(config.DataCaptureConfig).toBeUndefined();
    expect(sageMaker.commandCalls(CreateModelCommand)[0].args[0].input.PrimaryContainer?.Environment).toEqual({
      MLOPS_CAPTURE_S3_URI: `${CAPTURE}/mlops-churn-api/main`,
      MLOPS_DEPLOYMENT: 'churn-api',
    });
  });

  it("creates the endpoint on the revision's config, and updates it with SageMaker's blue/green when SageMaker runs the rollout", async () => {
    await hosting.createEndpoint(deployment(instances), revision(instances));
    await hosting.updateEndpoint(deployment(instances), revision(instances));
    await hosting.updateEndpoint(deployment(serverless), revision(serverless));

    expect(sageMaker.commandCalls(CreateEndpointCommand)[0].args[0].input).toEqual({
      EndpointName: 'mlops-churn-api',
      EndpointConfigName: 'mlops-churn-api-2',
      Tags: TAGS,
    });
    const [onInstances, onServerless] = sageMaker.commandCalls(UpdateEndpointCommand).map((call) => call.args[0].input);
    expect(onInstances).toMatchObject({
      EndpointName: 'mlops-churn-api',
      EndpointConfigName: 'mlops-churn-api-2',
      DeploymentConfig: {
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } } },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'a-5xx' }, { AlarmName: 'a-p99' }] },
      },
    });
    expect(onServerless).toEqual({ EndpointName: 'mlops-churn-api', EndpointConfigName: 'mlops-churn-api-2' });
  });

  it('deletes what is there and takes what SageMaker cannot find as deleted already; other failures go to the caller', async () => {
    const missing = (what: string) => Object.assign(new Error(`Could not find ${what}`), { name: 'ValidationException' });
    sageMaker.on(DeleteEndpointConfigCommand).rejects(missing('endpoint configuration "mlops-churn-api-2".'));
    sageMaker.on(DeleteEndpointCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await hosting.deleteRevision(revision(serverless));

    expect(sageMaker.commandCalls(DeleteModelCommand)[0].args[0].input).toEqual({ ModelName: 'mlops-churn-api-2' });
    await expect(hosting.deleteEndpoint(deployment(serverless))).rejects.toThrow('Rate exceeded');
  });
});
