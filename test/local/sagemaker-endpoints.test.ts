import type { DeploymentConfig, ProductionVariant } from '@aws-sdk/client-sagemaker';
import { trafficSteps } from '../../local/blue-green-update';
import { type FleetStarter, type HostingSnapshot, type RunningFleet, SageMakerEndpoints } from '../../local/sagemaker-endpoints';

/** A SageMaker second lasts half a millisecond: a 600 s bake takes 300 ms, long enough to see each step on a busy machine. */
const MINUTE_MS = 30;
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012';

interface FakeFleets {
  readonly start: FleetStarter;
  readonly running: Set<string>;
  readonly stopped: string[];
  failing: Set<string>;
}

/** Fleets named after their model; a model in `failing` never gets healthy. */
function fakeFleets(): FakeFleets {
  const fleets: FakeFleets = {
    running: new Set(),
    stopped: [],
    failing: new Set(),
    start: async (model) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fleets.failing.has(model.name)) throw new Error(`the primary container of ${model.name} did not pass the ping health check`);
      fleets.running.add(model.name);
      const fleet: RunningFleet = {
        url: `http://fleet/${model.name}`,
        stop: async () => {
          fleets.running.delete(model.name);
          fleets.stopped.push(model.name);
        },
      };
      return fleet;
    },
  };
  return fleets;
}

const instances = (model: string): ProductionVariant => ({
  VariantName: 'main',
  ModelName: model,
  InstanceType: 'ml.m5.large',
  InitialInstanceCount: 1,
  InitialVariantWeight: 1,
});
const serverless = (model: string): ProductionVariant => ({
  VariantName: 'main',
  ModelName: model,
  ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
});

function canary(percent: number, alarms: string[] = []): DeploymentConfig {
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'CAPACITY_PERCENT', Value: percent } },
      TerminationWaitInSeconds: 600,
      MaximumExecutionTimeoutInSeconds: 3600,
    },
    AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) },
  };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('SageMakerEndpoints', () => {
  let fleets: FakeFleets;
  let firing: string[];
  let endpoints: SageMakerEndpoints;

  beforeEach(() => {
    fleets = fakeFleets();
    firing = [];
    endpoints = new SageMakerEndpoints({
      startFleet: fleets.start,
      firingAlarms: async (names) => names.filter((name) => firing.includes(name)),
      minuteMs: MINUTE_MS,
    });
  });
  afterEach(() => endpoints.stop());

  /** A model and a config named `name`, on instances unless told. */
  function revision(name: string, variant = instances) {
    endpoints.createModel({ ModelName: name, PrimaryContainer: { Image: 'image' }, ExecutionRoleArn: `${ARN}:role/x` });
    endpoints.createEndpointConfig({ EndpointConfigName: name, ProductionVariants: [variant(name)] });
  }

  async function inService(name: string, config: string): Promise<void> {
    endpoints.createEndpoint({ EndpointName: name, EndpointConfigName: config });
    await until(() => endpoints.describeEndpoint(name).EndpointStatus === 'InService');
  }

  it('creates an endpoint Creating until its fleet answers, then InService and routed to it', async () => {
    revision('m-1');

    const { EndpointArn } = endpoints.createEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-1' });

    expect(EndpointArn).toBe(`${ARN}:endpoint/ep`);
    expect(endpoints.describeEndpoint('ep').EndpointStatus).toBe('Creating');
    expect(endpoints.route('ep')).toBeUndefined();
    await until(() => endpoints.describeEndpoint('ep').EndpointStatus === 'InService');
    expect(endpoints.describeEndpoint('ep')).toMatchObject({
      EndpointConfigName: 'm-1',
      ProductionVariants: [{ VariantName: 'main', CurrentWeight: 1, CurrentInstanceCount: 1 }],
    });
    expect(endpoints.route('ep')).toEqual({ endpoint: 'ep', endpointConfig: 'm-1', variant: 'main', url: 'http://fleet/m-1' });
  });

  it('fails an endpoint whose fleet never gets healthy, with the reason', async () => {
    revision('m-1');
    fleets.failing.add('m-1');

    endpoints.createEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-1' });

    await until(() => endpoints.describeEndpoint('ep').EndpointStatus === 'Failed');
    expect(endpoints.describeEndpoint('ep').FailureReason).toContain('did not pass the ping health check');
  });

  it('fails names in use and unknown names as SageMaker refuses them', async () => {
    revision('m-1');
    await inService('ep', 'm-1');

    expect(() => endpoints.createEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-1' })).toThrow(
      `Cannot create already existing endpoint "${ARN}:endpoint/ep".`,
    );
    expect(() => revision('m-1')).toThrow(`Cannot create already existing model "${ARN}:model/m-1".`);
    expect(() => endpoints.describeEndpoint('nope')).toThrow(
      expect.objectContaining({ name: 'ValidationException', message: `Could not find endpoint "${ARN}:endpoint/nope".` }),
    );
    expect(() => endpoints.createEndpoint({ EndpointName: 'ep2', EndpointConfigName: 'nope' })).toThrow(
      `Could not find endpoint configuration "${ARN}:endpoint-config/nope".`,
    );
    expect(() =>
      endpoints.createEndpointConfig({ EndpointConfigName: 'c', ProductionVariants: [{ ...instances('m-1'), InstanceType: 'ml.bogus.huge' as never }] }),
    ).toThrow(/Value 'ml.bogus.huge' at 'productionVariants.1.member.instanceType'/);
  });

  it('rolls a canary out: the new fleet takes its share, then all, then the old fleet stops', async () => {
    revision('m-1');
    revision('m-2');
    await inService('ep', 'm-1');

    endpoints.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-2', DeploymentConfig: canary(25, ['alarm']) });

    expect(() => endpoints.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-2' })).toThrow(
      `Cannot update in-progress endpoint "${ARN}:endpoint/ep".`,
    );
    await until(() => endpoints.describeEndpoint('ep').PendingDeploymentSummary?.ProductionVariants?.[0].CurrentWeight === 0.25);
    const during = endpoints.describeEndpoint('ep');
    expect(during).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: 'm-1', ProductionVariants: [{ CurrentWeight: 0.75 }] });
    expect(during.PendingDeploymentSummary).toMatchObject({ EndpointConfigName: 'm-2', ProductionVariants: [{ VariantName: 'main' }] });
    expect(endpoints.route('ep', undefined, () => 0.1)?.endpointConfig).toBe('m-2');
    expect(endpoints.route('ep', undefined, () => 0.3)?.endpointConfig).toBe('m-1');
    await until(() => endpoints.describeEndpoint('ep').EndpointStatus === 'InService');
    expect(endpoints.describeEndpoint('ep')).toMatchObject({ EndpointConfigName: 'm-2', LastDeploymentConfig: canary(25, ['alarm']) });
    expect(endpoints.describeEndpoint('ep').PendingDeploymentSummary).toBeUndefined();
    expect([...fleets.running]).toEqual(['m-2']);
  });

  it('shifts all traffic back to the old fleet when an alarm fires during the canary', async () => {
    revision('m-1');
    revision('m-2');
    await inService('ep', 'm-1');
    endpoints.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-2', DeploymentConfig: canary(10, ['5xx', 'latency']) });
    await until(() => endpoints.describeEndpoint('ep').PendingDeploymentSummary?.ProductionVariants?.[0].CurrentWeight === 0.1);

    firing = ['5xx'];

    await until(() => endpoints.describeEndpoint('ep').EndpointStatus === 'InService');
    const after = endpoints.describeEndpoint('ep');
    expect(after).toMatchObject({ EndpointConfigName: 'm-1', ProductionVariants: [{ CurrentWeight: 1 }] });
    expect(after.FailureReason).toMatch(/alarm\(s\) 5xx in ALARM/);
    expect(endpoints.route('ep', undefined, () => 0)?.endpointConfig).toBe('m-1');
    expect([...fleets.running]).toEqual(['m-1']);
    expect(fleets.stopped).toEqual(['m-2']);
  });

  it('keeps the old fleet serving when the new one does not start, and says why', async () => {
    revision('m-1');
    revision('m-2');
    await inService('ep', 'm-1');
    fleets.failing.add('m-2');

    endpoints.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-2', DeploymentConfig: canary(10) });

    await until(() => endpoints.describeEndpoint('ep').FailureReason !== undefined);
    expect(endpoints.describeEndpoint('ep')).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'm-1' });
    expect(endpoints.route('ep')?.endpointConfig).toBe('m-1');
  });

  it('swaps a serverless endpoint at once and refuses a DeploymentConfig for it', async () => {
    revision('m-1', serverless);
    revision('m-2', serverless);
    await inService('ep', 'm-1');

    expect(() => endpoints.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-2', DeploymentConfig: canary(10) })).toThrow(
      /not supported for serverless/,
    );
    expect(() =>
      endpoints.createEndpointConfig({
        EndpointConfigName: 'captured',
        ProductionVariants: [serverless('m-1')],
        DataCaptureConfig: { InitialSamplingPercentage: 100, DestinationS3Uri: 's3://b/captured', CaptureOptions: [{ CaptureMode: 'Input' }] },
      }),
    ).toThrow(/DataCaptureConfig is not supported for serverless/);
    endpoints.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-2' });

    await until(() => endpoints.describeEndpoint('ep').EndpointStatus === 'InService');
    expect(endpoints.describeEndpoint('ep')).toMatchObject({
      EndpointConfigName: 'm-2',
      ProductionVariants: [{ CurrentServerlessConfig: { MemorySizeInMB: 2048 } }],
    });
    expect([...fleets.running]).toEqual(['m-2']);
  });

  it("routes captured traffic to the config's capture destination (SageMaker's, without custom attributes), or else the shim's", async () => {
    endpoints.createModel({ ModelName: 'm-1', PrimaryContainer: { Image: 'i' } });
    endpoints.createModel({ ModelName: 's-1', PrimaryContainer: { Image: 'i', Environment: { MLOPS_CAPTURE_S3_URI: 's3://b/captured/sl/main' } } });
    endpoints.createEndpointConfig({
      EndpointConfigName: 'm-1',
      ProductionVariants: [instances('m-1')],
      DataCaptureConfig: { InitialSamplingPercentage: 50, DestinationS3Uri: 's3://b/captured/', CaptureOptions: [{ CaptureMode: 'Input' }] },
    });
    endpoints.createEndpointConfig({ EndpointConfigName: 's-1', ProductionVariants: [serverless('s-1')] });

    await inService('ep', 'm-1');
    await inService('sl', 's-1');

    expect(endpoints.route('ep')?.capture).toEqual({ destination: 's3://b/captured/ep/main', samplingPercentage: 50, customAttributes: false });
    expect(endpoints.route('sl')?.capture).toEqual({ destination: 's3://b/captured/sl/main', samplingPercentage: 100, customAttributes: true });
  });

  it('restores what it kept: models, configs, and each endpoint on the config it served, an update cut short said so', async () => {
    let kept: HostingSnapshot | undefined;
    endpoints = new SageMakerEndpoints({
      startFleet: fleets.start,
      firingAlarms: async () => [],
      minuteMs: MINUTE_MS,
      onChange: (snapshot) => (kept = snapshot),
    });
    revision('m-1');
    revision('m-2');
    await inService('steady', 'm-2');
    await inService('ep', 'm-1');
    endpoints.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'm-2', DeploymentConfig: canary(25) });
    await until(() => endpoints.describeEndpoint('ep').PendingDeploymentSummary?.ProductionVariants?.[0].CurrentWeight === 0.25);
    await endpoints.stop();
    const restarted = new SageMakerEndpoints({ startFleet: fakeFleets().start, firingAlarms: async () => [], minuteMs: MINUTE_MS });

    restarted.restore(JSON.parse(JSON.stringify(kept)));

    expect(restarted.describeEndpoint('ep').EndpointStatus).toBe('Creating');
    await until(() => ['ep', 'steady'].every((name) => restarted.describeEndpoint(name).EndpointStatus === 'InService'));
    expect(restarted.describeEndpoint('ep')).toMatchObject({
      EndpointConfigName: 'm-1',
      FailureReason: expect.stringContaining('restarted during the update'),
    });
    expect(restarted.describeEndpoint('steady')).toMatchObject({ EndpointConfigName: 'm-2', CreationTime: expect.any(Date) });
    expect(restarted.describeEndpoint('steady').FailureReason).toBeUndefined();
    expect(restarted.describeModel('m-1').ModelArn).toBe(`${ARN}:model/m-1`);
    expect(restarted.route('ep')?.url).toBe('http://fleet/m-1');
    await restarted.stop();
  });

  it('deletes an endpoint: Deleting, its fleets stopped, then gone', async () => {
    revision('m-1');
    await inService('ep', 'm-1');

    endpoints.deleteEndpoint('ep');

    expect(endpoints.describeEndpoint('ep').EndpointStatus).toBe('Deleting');
    await until(() => fleets.stopped.includes('m-1'));
    await until(() => {
      try {
        endpoints.describeEndpoint('ep');
        return false;
      } catch {
        return true;
      }
    });
    expect(endpoints.route('ep')).toBeUndefined();
  });
});

describe('trafficSteps', () => {
  const two: ProductionVariant[] = [{ VariantName: 'main', InitialInstanceCount: 4 }];

  it('shifts a canary, then the rest; linear steps up to all; all at once in one', () => {
    expect(trafficSteps({ Type: 'CANARY', WaitIntervalInSeconds: 60, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 20 } }, two)).toEqual([0.2, 1]);
    expect(trafficSteps({ Type: 'CANARY', WaitIntervalInSeconds: 60, CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 } }, two)).toEqual([0.25, 1]);
    expect(trafficSteps({ Type: 'LINEAR', WaitIntervalInSeconds: 60, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 30 } }, two)).toEqual([
      0.3, 0.6, 0.9, 1,
    ]);
    expect(trafficSteps({ Type: 'LINEAR', WaitIntervalInSeconds: 60, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 50 } }, two)).toEqual([0.5, 1]);
    expect(trafficSteps({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 60 }, two)).toEqual([1]);
  });
});
