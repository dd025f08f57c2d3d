import { deploymentKeys } from '../../../../lambda/deployments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { FUNCTION_ENVIRONMENT, inputsOf, invoke, type PlatformFakes, resetSdkMocks, thrownBy } from '../../handler-support/sdk-mocks';
import { buildingVersion, committed, servedModel } from '../../images/handlers/handler-scenarios';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';
import {
  createDeploymentScenarios,
  deploymentState,
  freezeDate,
  IMAGE,
  IMAGE_VERSIONS,
  INSTANCES_NAME,
  imagesRegistered,
  MODEL,
  NOW,
  SERVERLESS_NAME,
  servedImageOf,
  serverlessInService,
  serverlessRequest,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(createDeploymentScenarios, name);
const publishedDetails = () => inputsOf('PutEventsCommand').map((input) => ({ ...input.Entries[0], Detail: JSON.parse(input.Entries[0].Detail) }));
const TAGS = (name: string, revision: number, version: number) => [
  { Key: 'mlops:deployment', Value: name },
  { Key: 'mlops:revision', Value: String(revision) },
  { Key: 'mlops:image', Value: `${IMAGE}:${version}` },
];

describe('CreateDeployment', () => {
  beforeEach(() => {
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('records a serverless deployment CREATING with revision 1 pinned, announces it, puts its alarms and asks SageMaker for its model, config and endpoint, all tagged', async () => {
    const { result, fakes } = await runScenario('CreateDeployment', scenario('a serverless deployment of an image version'));

    expect(result).toEqual({
      name: SERVERLESS_NAME,
      endpoint: 'mlops-fraud-api',
      compute: { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 },
      strategy: { kind: 'all-at-once', bakeMinutes: 10 },
      alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
      status: 'CREATING',
      lastRevision: 1,
      pending: {
        revision: 1,
        image: servedImageOf(1),
        endpointConfig: 'mlops-fraud-api-1',
        model: 'mlops-fraud-api-1',
        rollout: { runBy: 'platform', bakeMinutes: 10 },
        startedAt: NOW,
      },
      createdAt: NOW,
      createdBy: 'ana',
      updatedAt: NOW,
    });
    expect(fakes.deployments.get(deploymentKeys.deployment(SERVERLESS_NAME))).toEqual({
      ...deploymentKeys.deployment(SERVERLESS_NAME),
      ...deploymentKeys.deploymentIndex(SERVERLESS_NAME),
      ...(result as object),
    });
    const created = { name: SERVERLESS_NAME, revision: 1, to: 'CREATING', reason: 'created', image: { name: IMAGE, version: 1 }, at: NOW, by: 'ana' };
    expect(fakes.deployments.get(deploymentKeys.history(SERVERLESS_NAME, NOW, 1, 'CREATING'))).toMatchObject(created);
    expect(publishedDetails()).toEqual([
      { EventBusName: FUNCTION_ENVIRONMENT.EVENT_BUS_NAME, Source: 'mlops-platform.deployments', DetailType: 'DeploymentStateChanged', Detail: created },
    ]);

    const image = IMAGE_VERSIONS[1];
    expect(fakes.sageMaker.models['mlops-fraud-api-1']).toEqual({
      ModelName: 'mlops-fraud-api-1',
      ExecutionRoleArn: FUNCTION_ENVIRONMENT.EXECUTION_ROLE_ARN,
      PrimaryContainer: {
        Image: image.imageUri,
        ModelDataUrl: image.modelDataUrl,
        // SageMaker cannot capture on serverless: the shim writes SageMaker's layout under the monitoring bucket's captured/.
        Environment: { MLOPS_CAPTURE_S3_URI: 's3://monitoring-bucket/captured/mlops-fraud-api/main', MLOPS_DEPLOYMENT: SERVERLESS_NAME },
      },
      Tags: TAGS(SERVERLESS_NAME, 1, 1),
    });
    expect(fakes.sageMaker.endpointConfigs['mlops-fraud-api-1']).toEqual({
      EndpointConfigName: 'mlops-fraud-api-1',
      ProductionVariants: [
        { VariantName: 'main', ModelName: 'mlops-fraud-api-1', InitialVariantWeight: 1, ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
      ],
      Tags: TAGS(SERVERLESS_NAME, 1, 1),
    });
    expect(fakes.sageMaker.endpoints['mlops-fraud-api']).toMatchObject({ config: 'mlops-fraud-api-1', status: 'Creating' });
    expect(inputsOf('CreateEndpointCommand')[0].Tags).toEqual(TAGS(SERVERLESS_NAME, 1, 1));
    // A serverless endpoint has one fleet: the alarms watch the endpoint's variant.
    expect(Object.keys(fakes.alarms.alarms)).toEqual(['mlops-fraud-api-5xx-rate', 'mlops-fraud-api-latency-p99']);
    for (const { put } of Object.values(fakes.alarms.alarms)) {
      expect(put.Dimensions).toEqual([
        { Name: 'EndpointName', Value: 'mlops-fraud-api' },
        { Name: 'VariantName', Value: 'main' },
      ]);
    }
  });

  it("gives a deployment on instances SageMaker's data capture to the monitoring bucket, its instances, SageMaker's blue/green rollouts, and alarms on the new fleet's config", async () => {
    const { result, fakes } = await runScenario('CreateDeployment', scenario('a deployment on instances, updated by canary'));

    expect(result).toMatchObject({
      name: INSTANCES_NAME,
      status: 'CREATING',
      pending: {
        image: servedImageOf(2),
        rollout: {
          runBy: 'sagemaker',
          deploymentConfig: {
            BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } } },
            AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'mlops-fraud-fleet-5xx-rate' }, { AlarmName: 'mlops-fraud-fleet-latency-p99' }] },
          },
        },
      },
    });
    expect(fakes.sageMaker.endpointConfigs['mlops-fraud-fleet-1']).toMatchObject({
      ProductionVariants: [{ VariantName: 'main', ModelName: 'mlops-fraud-fleet-1', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 }],
    });
    expect(fakes.sageMaker.endpointConfigs['mlops-fraud-fleet-1'].DataCaptureConfig).toBeUndefined();
    expect(fakes.sageMaker.models['mlops-fraud-fleet-1'].PrimaryContainer?.Environment).toEqual({
      MLOPS_CAPTURE_S3_URI: 's3://monitoring-bucket/captured/mlops-fraud-fleet/main',
      MLOPS_DEPLOYMENT: INSTANCES_NAME,
    });
    expect(fakes.alarms.alarms['mlops-fraud-fleet-5xx-rate'].put.Dimensions).toContainEqual({ Name: 'EndpointConfigName', Value: 'mlops-fraud-fleet-1' });
  });

  it("follows an alias: serves the newest READY image version serving the alias's model version (3 is still building), and keeps the alias", async () => {
    const { result, fakes } = await runScenario('CreateDeployment', scenario('a deployment following an alias'));

    expect(result).toMatchObject({ follow: { model: MODEL, alias: 'production' }, pending: { image: servedImageOf(2) } });
    expect(fakes.sageMaker.models['mlops-fraud-api-1'].PrimaryContainer?.Image).toBe(IMAGE_VERSIONS[2].imageUri);
  });

  it('answers a create retried with its client token with the deployment the first made, creating nothing again', async () => {
    const { result, fakes, arranged } = await runScenario('CreateDeployment', scenario('a create retried with its client token'));

    expect(result).toMatchObject({ name: SERVERLESS_NAME, status: 'CREATING', createdWith: { clientToken: 'create-fraud-api-1' } });
    expect(arranged.filter((sent) => sent.command === 'CreateModelCommand')).toHaveLength(1);
    expect(Object.keys(fakes.sageMaker.models)).toEqual(['mlops-fraud-api-1']);
    expect(fakes.deployments.all().filter((item) => String(item.sk).startsWith('H#'))).toHaveLength(1);
  });

  it('fails with ConflictError when the client token is reused for a different create, changing nothing', async () => {
    const fakes = resetSdkMocks();
    imagesRegistered(fakes);
    await invoke('CreateDeployment', serverlessRequest({ clientToken: 'create-1' }));
    const before = deploymentState(fakes);

    const error = await thrownBy(invoke('CreateDeployment', serverlessRequest({ clientToken: 'create-1', version: 2 })));

    expect(error.name).toBe('ConflictError');
    expect(deploymentState(fakes)).toEqual(before);
  });

  it("records the deployment FAILED with SageMaker's reason when SageMaker refuses the endpoint, deleting the config and model it made and leaving the endpoint it did not make", async () => {
    const { result, fakes } = await runScenario('CreateDeployment', scenario('a create SageMaker refuses (its endpoint name taken outside the platform)'));

    expect(result).toMatchObject({
      status: 'FAILED',
      reason: expect.stringMatching(
        /^ValidationException: Cannot create already existing endpoint "arn:aws:sagemaker:eu-west-1:123456789012:endpoint\/mlops-fraud-api"/,
      ),
    });
    expect(fakes.deployments.get(deploymentKeys.deployment(SERVERLESS_NAME))?.status).toBe('FAILED');
    expect(Object.keys(fakes.sageMaker.models)).toEqual(['hand-made-model']);
    expect(Object.keys(fakes.sageMaker.endpointConfigs)).toEqual(['hand-made-config']);
    expect(fakes.sageMaker.endpoints['mlops-fraud-api']).toMatchObject({ config: 'hand-made-config', status: 'InService' });
    expect(publishedDetails().map(({ Detail }) => [Detail.from, Detail.to])).toEqual([
      [undefined, 'CREATING'],
      ['CREATING', 'FAILED'],
    ]);
  });

  describe('bad input (issue 17, must-show 2): ValidationError naming the field, and nothing created', () => {
    /** `staging` of fraud-linear on version 4, which only version 4 of the image serves, still building. */
    function stagingOnlyBuilding(fakes: PlatformFakes): void {
      committed(fakes, buildingVersion(4, { models: [servedModel(MODEL, 4)] }), 4);
      fakes.registry.put(registryItems.version(MODEL, 4), registryItems.alias(MODEL, 'staging', 4, 1));
    }

    it.each([
      ['an unknown image', { image: 'no-such-image' }, 'image: no image is named no-such-image'],
      ['an unknown version', { version: 9 }, `version: image ${IMAGE} has no version 9`],
      ['a version not READY', { version: 3 }, `version: version 3 of image ${IMAGE} is BUILDING, not READY`],
      [
        'an alias the model does not have',
        { version: undefined, follow: { model: 'churn', alias: 'production' } },
        'follow: model churn has no alias production',
      ],
      [
        'a model alias without a READY image (only a building one serves its version)',
        { version: undefined, follow: { model: MODEL, alias: 'staging' } },
        `follow: no READY version of image ${IMAGE} serves ${MODEL} version 4 (staging)`,
      ],
      [
        'an instance type SageMaker does not have',
        { compute: { kind: 'instances', instanceType: 'ml.bogus.huge' } },
        'compute.instanceType: is not an instance type SageMaker hosts endpoints on',
      ],
      [
        'a training-only instance type',
        { compute: { kind: 'instances', instanceType: 'ml.p3dn.24xlarge' } },
        'compute.instanceType: is not an instance type SageMaker hosts endpoints on',
      ],
      ['a canary on serverless', { strategy: { kind: 'canary' } }, 'strategy: canary and linear split traffic between two fleets'],
    ])('refuses %s', async (_, overrides, message) => {
      const fakes = resetSdkMocks();
      imagesRegistered(fakes);
      stagingOnlyBuilding(fakes);
      const before = deploymentState(fakes);

      const error = await thrownBy(invoke('CreateDeployment', serverlessRequest(overrides)));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toContain(message);
      expect(deploymentState(fakes)).toEqual(before);
      expect(inputsOf('PutEventsCommand')).toEqual([]);
    });

    it('refuses a name in use, changing nothing of the deployment using it', async () => {
      const fakes = resetSdkMocks();
      serverlessInService(fakes);
      const before = deploymentState(fakes);

      const error = await thrownBy(invoke('CreateDeployment', serverlessRequest({ version: 2 })));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('name: is in use by a deployment that is IN_SERVICE');
      expect(deploymentState(fakes)).toEqual(before);
      expect(inputsOf('PutEventsCommand')).toEqual([]);
    });
  });
});
