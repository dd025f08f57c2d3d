import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateModelPackageGroupCommand, DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { CloudWatchRollbackAlarms } from '../../lambda/deployments/adapters/cloudwatch-rollback-alarms';
import { SageMakerEndpointWatcher } from '../../lambda/deployments/adapters/sagemaker-endpoint-watcher';
import { SageMakerDeploymentHosting } from '../../lambda/deployments/adapters/sagemaker-hosting';
import type { DeploymentRecord, DeploymentRevision } from '../../lambda/deployments/core/model';
import { rolloutPlan } from '../../lambda/deployments/core/rollout-plan';
import { rollbackAlarmNames, sageMakerNames } from '../../lambda/deployments/core/sagemaker-names';
import type { ImageVersionRecord } from '../../lambda/images/core/model';
import { runTar } from '../../local/image-files';
import { type SageMakerStandIns, startSageMakerStandIns } from '../../local/sagemaker-stand-ins';
import { requireEmulatorEnvironment } from '../emulators/function-harness';

/**
 * The local SageMaker stand-ins on the emulators, driven by the deployments' own adapters (hosting, rollback alarms,
 * endpoint watcher) and the SDK's SageMaker Runtime client, with real serving shims of images whose files are on moto.
 */

const FIXTURES = path.join(__dirname, '..', 'lambda', 'images', 'fixtures');
const SHIM = path.join(__dirname, '..', '..', 'lambda', 'images', 'serving', 'serve.py');
/** A SageMaker minute lasts half a second: alarm periods take 0.5 s, a 2-minute canary bake 1 s. */
const MINUTE_MS = 500;
const INSTANCES = { kind: 'instances', instanceType: 'ml.m5.large', count: 1 } as const;
const SERVERLESS = { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 } as const;
const ALL_AT_ONCE = { kind: 'all-at-once', bakeMinutes: 1 } as const;
const CANARY = { kind: 'canary', percent: 20, bakeMinutes: 3 } as const;
/** Time for the alarm's two bad periods, and its evaluation, within the canary's bake on a busy machine. */
const LONG_CANARY = { kind: 'canary', percent: 20, bakeMinutes: 8 } as const;
const ROW = '10,40,0.5\n';

/** Entry scripts: the fixture's, one whose run() fails on every request, one whose init() fails. */
const SCRIPTS: Record<number, string> = {
  1: readFileSync(path.join(FIXTURES, 'score.py'), 'utf8'),
  2: "def init():\n    pass\n\n\ndef run(data):\n    raise RuntimeError('this version is broken')\n",
  3: "def init():\n    raise RuntimeError('no model here')\n\n\ndef run(data):\n    return data\n",
};

requireEmulatorEnvironment('sagemaker stand-ins', ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_CLOUDWATCH', 'AWS_ENDPOINT_URL_SAGEMAKER']);
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! };
const s3 = new S3Client({ forcePathStyle: true });
const cloudWatch = new CloudWatchClient({});
const bucket = `mlops-sm-${randomUUID().slice(0, 8)}`;
const images = new Map<number, ImageVersionRecord>();
let standIns: SageMakerStandIns;
let sageMaker: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let hosting: SageMakerDeploymentHosting;
let watcher: SageMakerEndpointWatcher;

/** Uploads image `version` of `scorer` as a build would leave it: its pinned context files and model data. */
async function putImage(version: number, modelData: Buffer): Promise<ImageVersionRecord> {
  const prefix = `images/scorer/${version}/`;
  const files: Record<string, string> = {
    Dockerfile: 'ENV MLOPS_ENTRY_SCRIPT="/opt/program/score.py"\n',
    'serve.py': readFileSync(SHIM, 'utf8'),
    'score.py': SCRIPTS[version],
    'linear_model.py': readFileSync(path.join(FIXTURES, 'linear_model.py'), 'utf8'),
  };
  for (const [name, text] of Object.entries(files)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}context/${name}`, Body: text }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}model.tar.gz`, Body: modelData }));
  return {
    name: 'scorer',
    version,
    status: 'READY',
    imageUri: `local/scorer@sha256:${version}`,
    modelDataUrl: `s3://${bucket}/${prefix}model.tar.gz`,
    source: {
      type: 'build',
      baseImage: 'python:3.12-slim',
      contextUri: `s3://${bucket}/${prefix}context/`,
      contextFiles: Object.entries(files).map(([name, text]) => ({ name, versionId: 'null', sha256: createHash('sha256').update(text).digest('hex') })),
    },
  } as unknown as ImageVersionRecord;
}

function revisionOf(
  deployment: string,
  revision: number,
  version: number,
  strategy: DeploymentRecord['strategy'],
  compute: DeploymentRecord['compute'] = INSTANCES,
): DeploymentRevision {
  const image = images.get(version)!;
  return {
    revision,
    image: { name: 'scorer', version, imageUri: image.imageUri!, modelDataUrl: image.modelDataUrl!, models: [] },
    ...sageMakerNames(deployment, revision),
    rollout: rolloutPlan(compute, strategy, rollbackAlarmNames(deployment)),
    startedAt: new Date().toISOString(),
  };
}

function deploymentOf(
  name: string,
  strategy: DeploymentRecord['strategy'],
  revisions: Pick<DeploymentRecord, 'current' | 'pending'>,
  compute: DeploymentRecord['compute'] = INSTANCES,
): DeploymentRecord {
  return {
    name,
    endpoint: sageMakerNames(name, 1).endpoint,
    compute,
    strategy,
    alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
    status: 'UPDATING',
    lastRevision: 2,
    ...revisions,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Deploys revision 1 (image version `version`) of `name` and waits until it is in service. */
async function deployed(name: string, version: number, strategy: DeploymentRecord['strategy'] = CANARY): Promise<DeploymentRecord> {
  const current = revisionOf(name, 1, version, strategy);
  const deployment = deploymentOf(name, strategy, { pending: current });
  await hosting.createRevision(deployment, current);
  await hosting.createEndpoint(deployment, current);
  await until(
    () => watcher.observe(deployment),
    ({ status }) => status === 'InService',
  );
  return deploymentOf(name, strategy, { current });
}

const invoke = (endpoint: string, extra: Partial<ConstructorParameters<typeof InvokeEndpointCommand>[0]> = {}) =>
  runtime.send(new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'text/csv', Body: Buffer.from(ROW), ...extra }));

/** Invokes `endpoint` one request after another until `stop` says so; counts answers and model errors. */
async function trafficUntil(endpoint: string, stop: () => Promise<boolean>) {
  const tally = { answered: 0, modelErrors: 0, other: [] as string[], answeredAfterStop: 0 };
  let checks = 0;
  for (;;) {
    try {
      await invoke(endpoint);
      tally.answered++;
    } catch (error) {
      if ((error as Error).name === 'ModelError') tally.modelErrors++;
      else tally.other.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
    if (++checks % 5 === 0 && (await stop())) break;
  }
  // The endpoint as it settled answers every request.
  for (let index = 0; index < 20; index++) {
    await invoke(endpoint);
    tally.answeredAfterStop++;
  }
  return tally;
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const workspace = mkdtempSync(path.join(tmpdir(), 'mlops-sm-model-'));
  try {
    runTar(['-czf', path.join(workspace, 'model.tar.gz'), '-C', path.join(FIXTURES, 'model'), '.']);
    const modelData = readFileSync(path.join(workspace, 'model.tar.gz'));
    for (const version of [1, 2, 3]) images.set(version, await putImage(version, modelData));
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  standIns = await startSageMakerStandIns({
    s3,
    cloudWatch,
    findImage: async (name, version) => (name === 'scorer' ? images.get(version) : undefined),
    credentials: [credentials],
    moto: { endpoint: process.env.AWS_ENDPOINT_URL_SAGEMAKER!, credentials },
    minuteMs: MINUTE_MS,
  });
  sageMaker = new SageMakerClient({ endpoint: standIns.hostingEndpoint });
  runtime = new SageMakerRuntimeClient({ endpoint: standIns.runtimeEndpoint });
  hosting = new SageMakerDeploymentHosting(sageMaker, {
    executionRoleArn: 'arn:aws:iam::123456789012:role/mlops-local-execution',
    captureUri: `s3://${bucket}/captured`,
  });
  watcher = new SageMakerEndpointWatcher(sageMaker, cloudWatch);
}, 60_000);

afterAll(() => standIns?.stop(), 30_000);

describe('the local SageMaker stand-ins', () => {
  it("creates an endpoint Creating then InService, answers invocations from the image's shim, and captures them to the bucket", async () => {
    const current = revisionOf('answers', 1, 1, CANARY);
    const deployment = deploymentOf('answers', CANARY, { pending: current });
    await hosting.createRevision(deployment, current);
    await hosting.createEndpoint(deployment, current);

    expect((await watcher.observe(deployment)).status).toBe('Creating');
    await until(
      () => watcher.observe(deployment),
      ({ status }) => status === 'InService',
    );
    const answer = await invoke('mlops-answers', { CustomAttributes: 'caller=alice', InferenceId: 'req-1' });
    const refused = await invoke('mlops-answers', { Body: Buffer.from('1,2\n') }).catch((error: Error) => error);
    const unknown = await invoke('mlops-nope').catch((error: Error) => error);

    expect(JSON.parse(Buffer.from(answer.Body!).toString('utf8'))).toEqual({ predictions: [1 + 5 - 80 + 5] });
    expect(answer).toMatchObject({ ContentType: 'application/json', InvokedProductionVariant: 'main' });
    expect(refused).toMatchObject({ name: 'ModelError', OriginalStatusCode: 500, $metadata: { httpStatusCode: 424 } });
    expect((refused as { OriginalMessage?: string }).OriginalMessage).toContain('expected 3 features, got 2');
    expect(unknown).toMatchObject({ name: 'ValidationError', message: 'Endpoint mlops-nope of account 123456789012 not found.' });
    const keys = await until(
      async () => (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'captured/mlops-answers/main/' }))).Contents ?? [],
      (contents) => contents.length > 0,
    );
    expect(keys[0].Key).toMatch(/^captured\/mlops-answers\/main\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/[^/]+\.jsonl$/);
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0].Key }));
    const [line] = (await Body!.transformToString())
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text));
    expect(line).toMatchObject({
      captureData: { endpointInput: { observedContentType: 'text/csv', data: ROW, encoding: 'CSV' }, endpointOutput: { encoding: 'JSON' } },
      eventMetadata: { inferenceId: 'req-1', customAttributes: 'caller=alice' },
    });
  });

  it('fails an endpoint whose image never gets healthy, with the reason', async () => {
    const current = revisionOf('unhealthy', 1, 3, CANARY);
    const deployment = deploymentOf('unhealthy', CANARY, { pending: current });
    await hosting.createRevision(deployment, current);
    await hosting.createEndpoint(deployment, current);

    const observed = await until(
      () => watcher.observe(deployment),
      ({ status }) => status !== 'Creating',
    );

    expect(observed.status).toBe('Failed');
    expect(observed.failureReason).toMatch(/did not pass the ping health check.*no model here/);
  });

  it('completes a canary update of a healthy revision, every request answered on the way', async () => {
    const deployment = await deployed('healthy', 1);
    const pending = revisionOf('healthy', 2, 1, CANARY);
    const updating = deploymentOf('healthy', CANARY, { current: deployment.current, pending });
    await new CloudWatchRollbackAlarms(cloudWatch).putAlarms(updating);
    await hosting.createRevision(updating, pending);
    await hosting.updateEndpoint(updating, pending);
    const shares = new Set<number>();

    const tally = await trafficUntil('mlops-healthy', async () => {
      const described = await sageMaker.send(new DescribeEndpointCommand({ EndpointName: 'mlops-healthy' }));
      shares.add(described.PendingDeploymentSummary?.ProductionVariants?.[0].CurrentWeight ?? -1);
      return described.EndpointStatus === 'InService';
    });

    expect(tally).toMatchObject({ modelErrors: 0, other: [] });
    expect(shares).toContain(0.2);
    expect(await watcher.observe(updating)).toEqual({
      status: 'InService',
      endpointConfig: 'mlops-healthy-2',
      lastModified: expect.any(String),
      firingAlarms: [],
    });
  });

  it("rolls a broken revision back when its canary's 5xx alarm fires: the old fleet answers throughout", async () => {
    const deployment = await deployed('broken', 1);
    const pending = revisionOf('broken', 2, 2, LONG_CANARY);
    const updating = deploymentOf('broken', LONG_CANARY, { current: deployment.current, pending });
    await new CloudWatchRollbackAlarms(cloudWatch).putAlarms(updating);
    await hosting.createRevision(updating, pending);
    await hosting.updateEndpoint(updating, pending);
    const statuses = new Set<string>();

    const tally = await trafficUntil('mlops-broken', async () => {
      const observed = await watcher.observe(updating);
      statuses.add(observed.status);
      return observed.status === 'InService';
    });

    const settled = await watcher.observe(updating);
    expect(settled).toMatchObject({ status: 'InService', endpointConfig: 'mlops-broken-1' });
    expect(settled.failureReason).toContain('mlops-broken-5xx-rate');
    // Changed by the rollback, after the update started: what tells AdvanceDeployments it is a rollback, not an update still on its way.
    expect(Date.parse(settled.lastModified!)).toBeGreaterThan(Date.parse(pending.startedAt));
    expect(statuses).toContain('Updating');
    // Only the canary's share failed: the old fleet answered the rest, and everything once rolled back.
    expect(tally.other).toEqual([]);
    expect(tally.modelErrors).toBeGreaterThan(0);
    expect(tally.modelErrors / (tally.modelErrors + tally.answered)).toBeLessThan(0.4);
    const { MetricAlarms = [] } = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ['mlops-broken-5xx-rate'] }));
    expect(MetricAlarms[0].StateReason).toMatch(/periods breached the threshold 0.05/);
  });

  it('swaps a serverless endpoint to a new revision at once, capturing where its shim would', async () => {
    const first = revisionOf('quiet', 1, 1, ALL_AT_ONCE, SERVERLESS);
    const second = revisionOf('quiet', 2, 1, ALL_AT_ONCE, SERVERLESS);
    const deployment = deploymentOf('quiet', ALL_AT_ONCE, { current: first, pending: second }, SERVERLESS);
    await hosting.createRevision(deployment, first);
    await hosting.createEndpoint(deployment, first);
    await until(
      () => watcher.observe(deployment),
      ({ status }) => status === 'InService',
    );
    await hosting.createRevision(deployment, second);

    await hosting.updateEndpoint(deployment, second);
    const observed = await until(
      () => watcher.observe(deployment),
      ({ status }) => status === 'InService',
    );
    await invoke('mlops-quiet', { InferenceId: 'req-9' });

    expect(observed).toMatchObject({ endpointConfig: 'mlops-quiet-2' });
    const described = await sageMaker.send(new DescribeEndpointCommand({ EndpointName: 'mlops-quiet' }));
    expect(described.ProductionVariants?.[0].CurrentServerlessConfig).toEqual({ MemorySizeInMB: 2048, MaxConcurrency: 5 });
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.DataCaptureConfig).toBeUndefined();
    const keys = await until(
      async () => (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'captured/mlops-quiet/main/' }))).Contents ?? [],
      (contents) => contents.length > 0,
    );
    expect(keys[0].Key).toMatch(/^captured\/mlops-quiet\/main\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/[^/]+\.jsonl$/);
  });

  it('deletes an endpoint (Deleting, then not found) and its revision, a second delete taken as done', async () => {
    const deployment = await deployed('gone', 1);

    await hosting.deleteEndpoint(deployment);
    const deleting = await watcher.observe(deployment);
    const gone = await until(
      () => watcher.observe(deployment),
      ({ status }) => status === 'NotFound',
    );
    await hosting.deleteRevision(deployment.current!);
    await hosting.deleteRevision(deployment.current!);
    await hosting.deleteEndpoint(deployment);

    expect(['Deleting', 'NotFound']).toContain(deleting.status);
    expect(gone.status).toBe('NotFound');
    await expect(invoke('mlops-gone')).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('passes the SageMaker actions it does not host to moto', async () => {
    const group = `mlops-group-${randomUUID().slice(0, 8)}`;

    const created = await sageMaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));

    expect(created.ModelPackageGroupArn).toContain(`model-package-group/${group}`);
  });

  it('fails requests with a foreign Host or a bad signature', async () => {
    const { port } = new URL(standIns.runtimeEndpoint);
    const status = await new Promise<number>((resolve, reject) => {
      request(
        { host: '127.0.0.1', port, method: 'POST', path: '/endpoints/mlops-answers/invocations', headers: { host: `evil.example:${port}` } },
        (answer) => {
          answer.resume();
          resolve(answer.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end(ROW);
    });
    const forged = new SageMakerRuntimeClient({ endpoint: standIns.runtimeEndpoint, credentials: { ...credentials, secretAccessKey: 'guessed' } });
    const hostingForged = new SageMakerClient({ endpoint: standIns.hostingEndpoint, credentials: { ...credentials, secretAccessKey: 'guessed' } });

    expect(status).toBe(403);
    await expect(
      forged.send(new InvokeEndpointCommand({ EndpointName: 'mlops-answers', ContentType: 'text/csv', Body: Buffer.from(ROW) })),
    ).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    await expect(hostingForged.send(new DescribeEndpointCommand({ EndpointName: 'mlops-answers' }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
  });
});
