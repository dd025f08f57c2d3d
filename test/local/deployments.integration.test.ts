import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import {
  localAwsClients,
  localDeploymentsClient,
  localImagesClient,
  localRegistryClient,
  localSageMakerRuntimeClient,
} from '../../client/shared/local-connection';
import { type LocalPlatform, startLocalPlatform } from '../../local/platform';
import { TEST_SYNTH_CACHE } from '../support/synth-cache-directory';

/**
 * Deployments on the local platform, through its functions and the SageMaker stand-ins: an image version deployed on
 * instances answers through the SageMaker Runtime endpoint and is captured to the monitoring bucket; a version whose
 * run() fails, rolled out with a canary, is rolled back when its 5xx alarm fires, the old version answering the rest.
 */

// A platform of its own: a synthesis unless the shared cache has it (minutes on a busy 2-core machine), two image builds.
jest.setTimeout(600_000);

/** A SageMaker minute lasts a second: the canary's 6-minute bake takes 6 s, time for its alarm's two bad minutes. */
const MINUTE_MS = 1000;
const ROW = '10,40,0.5\n';
const SCRIPTS = {
  'score.py': [
    'import glob, json, os',
    'model = None',
    'def init():',
    '    global model',
    "    [found] = glob.glob(os.path.join(os.environ['MLOPS_MODEL_DIR'], '*', '*', 'model.json'))",
    '    model = json.load(open(found))',
    'def run(rows):',
    "    return {'predictions': [model['bias'] + sum(w * float(v) for w, v in zip(model['weights'], row)) for row in rows]}",
  ],
  'broken.py': ['def run(rows):', "    raise RuntimeError('this version is broken')"],
};

let platform: LocalPlatform;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'mlops-deployments-'));
  writeFileSync(path.join(workDir, 'model.json'), JSON.stringify({ features: ['amount', 'age', 'score'], weights: [0.5, -2, 10], bias: 1 }));
  for (const [file, lines] of Object.entries(SCRIPTS)) writeFileSync(path.join(workDir, file), `${lines.join('\n')}\n`);
  platform = await startLocalPlatform({ synthCacheDirectory: TEST_SYNTH_CACHE, userDescriptorFile: false, sageMakerMinuteMs: MINUTE_MS });
});

afterAll(async () => {
  await platform?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

test('deploys an image on instances, answers and captures through SageMaker Runtime, and rolls a broken canary back', async () => {
  const { descriptor } = platform;
  const deployments = localDeploymentsClient(descriptor);
  const runtime = localSageMakerRuntimeClient(descriptor);
  const { lambda, s3 } = localAwsClients(descriptor);
  const images = localImagesClient(descriptor);
  await localRegistryClient(descriptor).registerModelFromFile(path.join(workDir, 'model.json'), { name: 'fraud' });
  const built = async (entry: string) => {
    const registered = await images.register({ name: 'fraud-scorer', models: ['fraud:1'], entry: path.join(workDir, entry) });
    return (await images.waitForImage('fraud-scorer', registered.version)).version;
  };
  const [good, broken] = [await built('score.py'), await built('broken.py')];
  // The every-minute schedule, run now.
  const advance = () => lambda.send(new InvokeCommand({ FunctionName: 'mlops-local-AdvanceDeployments', Payload: Buffer.from('{}') }));
  const invoke = () =>
    runtime.send(new InvokeEndpointCommand({ EndpointName: 'mlops-fraud', ContentType: 'text/csv', Body: Buffer.from(ROW), CustomAttributes: 'caller=alice' }));

  await deployments.create({
    name: 'fraud',
    image: 'fraud-scorer',
    version: good,
    compute: { kind: 'instances', instanceType: 'ml.m5.large', count: 1 },
    strategy: { kind: 'canary', percent: 20, bakeMinutes: 6 },
  });
  for (let attempt = 0; (await deployments.getDeployment('fraud')).status === 'CREATING' && attempt < 60; attempt++) {
    await advance();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const answer = await invoke();

  expect(await deployments.getDeployment('fraud')).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1 } });
  expect(JSON.parse(Buffer.from(answer.Body!).toString('utf8'))).toEqual({ predictions: [-69] });
  expect(answer.InvokedProductionVariant).toBe('main');

  await deployments.update({ name: 'fraud', version: broken });
  const tally = { answered: 0, failed: 0 };
  for (let request = 1; request < 2000; request++) {
    await invoke().then(
      () => tally.answered++,
      (error: Error) => {
        expect(error.name).toBe('ModelError');
        tally.failed++;
      },
    );
    if (request % 20 === 0) {
      await advance();
      if ((await deployments.getDeployment('fraud')).status === 'IN_SERVICE') break;
    }
  }

  expect(await deployments.getDeployment('fraud')).toMatchObject({ status: 'IN_SERVICE', current: { revision: 1, image: { version: good } } });
  expect(tally.failed).toBeGreaterThan(0);
  expect(tally.failed / (tally.failed + tally.answered)).toBeLessThan(0.4);
  await expect(invoke()).resolves.toMatchObject({ InvokedProductionVariant: 'main' });
  const history = (await deployments.deploymentHistory('fraud')).items.map(({ revision, to, reason }) => ({ revision, to, reason }));
  expect(history).toContainEqual({ revision: 2, to: 'ROLLING_BACK', reason: expect.stringContaining('mlops-fraud-5xx-rate') });
  expect(history[0]).toMatchObject({ revision: 2, to: 'IN_SERVICE' });
  // The answered requests, captured as SageMaker captures an instance endpoint's traffic.
  const prefix = 'captured/mlops-fraud/main/';
  let keys: string[] = [];
  for (let attempt = 0; keys.length === 0 && attempt < 40; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    keys = ((await s3.send(new ListObjectsV2Command({ Bucket: descriptor.monitoringBucket, Prefix: prefix }))).Contents ?? []).map(({ Key }) => Key!);
  }
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: descriptor.monitoringBucket, Key: keys[0] }));
  expect(JSON.parse((await Body!.transformToString()).split('\n')[0])).toMatchObject({
    captureData: { endpointInput: { observedContentType: 'text/csv', data: ROW } },
    eventMetadata: { customAttributes: 'caller=alice' },
  });
});
