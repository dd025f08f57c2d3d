import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { localAwsClients, localDeploymentsClient, localImagesClient, localMonitoringClient, localRegistryClient } from '../../client/shared/local-connection';
import { type LocalPlatform, startLocalPlatform } from '../../local/platform';
import { TEST_SYNTH_CACHE } from '../support/synth-cache-directory';

/**
 * The local platform's bus rules and Step Functions, through its functions only: an alias move reaches
 * DeploymentEvents (a following deployment rolls the new version out) and ImageEvents (the approval moves); a
 * deployment going into service reaches MonitorEvents (it gets its monitor); a due stored monitor's check runs as
 * the drift check state machine's execution. The test never invokes DeploymentEvents or ImageEvents itself.
 */

// A platform of its own (a synthesis unless the shared cache has it) and two image builds.
jest.setTimeout(600_000);

const MONITORING_DATA = path.join(__dirname, '..', '..', 'demo', 'monitoring');

let platform: LocalPlatform;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'mlops-event-routing-'));
  writeFileSync(path.join(workDir, 'model.json'), '{"bias":0}');
  writeFileSync(path.join(workDir, 'score.py'), "def run(rows):\n    return {'predictions': [0 for _ in rows]}\n");
  platform = await startLocalPlatform({ synthCacheDirectory: TEST_SYNTH_CACHE, userDescriptorFile: false, sageMakerMinuteMs: 1000 });
});

afterAll(async () => {
  await platform?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** Polls `read` until `done` holds of what it answers (or the time is up: then the last answer is returned, for the assertion to show). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A data file's records, as CollectData and the endpoint take them (without the label). */
function recordsOf(file: string): Record<string, number>[] {
  const [header, ...rows] = readFileSync(path.join(MONITORING_DATA, file), 'utf8').trim().split('\n');
  const columns = header.split(',');
  return rows.map((row) =>
    Object.fromEntries(row.split(',').flatMap((value, index) => (columns[index] === 'churned' ? [] : [[columns[index], Number(value)]]))),
  );
}

const productionRecords = () => recordsOf('production.csv');

/** Training customers with exactly two features shifted (their total charges left as they were): what the deployment's monitor must flag. */
const SHIFTED = ['monthly_charges', 'support_calls'];
const shiftedTraffic = () =>
  recordsOf('train.csv')
    .slice(0, 200)
    .map((record) => ({ ...record, monthly_charges: Math.round(record.monthly_charges * 130) / 100, support_calls: record.support_calls + 2 }));

test('alias moves, deployments going into service and due stored monitors reach their functions and the drift check, through the routed events', async () => {
  const { descriptor } = platform;
  const registry = localRegistryClient(descriptor);
  const images = localImagesClient(descriptor);
  const deployments = localDeploymentsClient(descriptor);
  const monitoring = localMonitoringClient(descriptor);
  const { lambda } = localAwsClients(descriptor);
  const invoke = async (functionName: string, payload: unknown) => {
    const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
    return JSON.parse(Buffer.from(answer.Payload!).toString('utf8'));
  };
  /** The every-minute schedule, run now; then the deployment. */
  const advanced = async () => {
    await invoke('mlops-local-AdvanceDeployments', {});
    return deployments.getDeployment('churn');
  };

  for (const _version of [1, 2]) await registry.registerModelFromFile(path.join(workDir, 'model.json'), { name: 'churn' });
  await registry.setAlias({ name: 'churn', alias: 'production', version: 1 });
  for (const version of [1, 2]) {
    await monitoring.registerBaselineFromFile(path.join(MONITORING_DATA, 'train.csv'), { model: 'churn', version, exclude: ['churned'] });
  }
  // Checked each minute from the next one on: due while the rest runs.
  const stored = await monitoring.createMonitor({
    monitor: 'churn-collected',
    model: 'churn',
    version: 1,
    scheduleMinutes: 1,
    windowMinutes: 60,
    minRecords: 10,
  });
  await monitoring.collect({ monitor: 'churn-collected', records: productionRecords() });
  const imageOf = async (modelVersion: number) => {
    const registered = await images.register({ name: 'churn-scorer', models: [`churn:${modelVersion}`], entry: path.join(workDir, 'score.py') });
    return images.waitForImage('churn-scorer', registered.version);
  };
  const [first, second] = [await imageOf(1), await imageOf(2)];

  // A deployment following production goes into service: DeploymentStateChanged (IN_SERVICE) reaches MonitorEvents.
  await deployments.create({
    name: 'churn',
    image: 'churn-scorer',
    follow: { model: 'churn', alias: 'production' },
    // On instances, so the alias move's rollout is SageMaker's canary (a local SageMaker minute is a second here).
    compute: { kind: 'instances', instanceType: 'ml.m5.large', count: 1 },
    strategy: { kind: 'canary', percent: 20, bakeMinutes: 3 },
  });
  await eventually(advanced, (deployment) => deployment.status === 'IN_SERVICE');
  const deploymentMonitor = await eventually(
    async () => (await monitoring.listStoredMonitors()).find((monitor) => monitor.config.monitor === 'churn'),
    (monitor) => monitor !== undefined,
  );

  // Shifted traffic through the endpoint, captured to the monitoring bucket.
  const records = shiftedTraffic();
  for (let start = 0; start < records.length; start += 20) {
    await deployments.invoke('churn', {
      body: JSON.stringify({ instances: records.slice(start, start + 20) }),
      contentType: 'application/json',
      customAttributes: 'caller=checkout',
    });
  }
  const capture = await eventually(
    () => deployments.deploymentTraffic('churn', 1),
    (traffic) => traffic.hours.reduce((total, hour) => total + hour.requests, 0) === records.length / 20,
  );
  // The deployment's monitor, checked each minute instead of each hour (its records and deployment kept).
  const everyMinute = await monitoring.createMonitor({
    monitor: 'churn',
    model: 'churn',
    alias: 'production',
    deployment: 'churn',
    scheduleMinutes: 1,
    windowMinutes: 60,
    minRecords: 10,
    replace: true,
  });

  // Production moves to version 2: ModelAliasChanged reaches DeploymentEvents (the rollout) and ImageEvents (the approval).
  await registry.setAlias({ name: 'churn', alias: 'production', version: 2 });
  const rolledOut = await eventually(advanced, (deployment) => deployment.status === 'IN_SERVICE' && deployment.current?.image.version === second.version);
  const approvals = await eventually(
    async () => [
      (await images.getImage('churn-scorer', first.version)).modelPackages?.[0].approvalStatus,
      (await images.getImage('churn-scorer', second.version)).modelPackages?.[0].approvalStatus,
    ],
    ([onFirst, onSecond]) => onFirst !== 'Approved' && onSecond === 'Approved',
  );

  // The stored monitors are due: MonitorEvents' tick starts the drift check state machine, run by the local runner.
  const due = Math.max(Date.parse(stored.nextCheckAt), Date.parse(everyMinute.nextCheckAt));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  const tick = await invoke('mlops-local-MonitorEvents', { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString() });
  const check = await eventually(
    () => monitoring.getCheck('churn-collected').catch((error: Error) => error),
    (found) => !(found instanceof Error),
  );

  expect(deploymentMonitor).toMatchObject({ deployment: 'churn', config: { model: 'churn', alias: 'production' } });
  expect(rolledOut).toMatchObject({
    status: 'IN_SERVICE',
    follow: { model: 'churn', alias: 'production' },
    current: { image: { name: 'churn-scorer', version: second.version } },
  });
  const history = (await deployments.deploymentHistory('churn')).items.map(({ revision, to, by }) => ({ revision, to, by }));
  expect(history).toContainEqual({ revision: 2, to: 'UPDATING', by: 'alias churn@production' });
  expect(approvals).toEqual(['PendingManualApproval', 'Approved']);
  expect(tick.failed).toEqual([]);
  expect(check).toMatchObject({ monitor: 'churn-collected', model: 'churn', version: 1, records: 200 });
  // The deployment's monitor flags the two features the traffic shifted, and no other, from what the endpoint captured.
  expect(capture).toMatchObject({ callers: 1, anonymousRequests: 0 });
  const deploymentCheck = await eventually(
    () => monitoring.getCheck('churn').catch((error: Error) => error),
    (found) => !(found instanceof Error),
  );
  expect(deploymentCheck).toMatchObject({ monitor: 'churn', model: 'churn', status: 'drift', records: records.length });
  expect([...(deploymentCheck as { driftedFeatures: readonly string[] }).driftedFeatures].sort()).toEqual(SHIFTED);
  const steps = (await deployments.deploymentHistory('churn')).items.map(({ revision, from, to }) => `${revision} ${from ?? '-'} -> ${to}`);
  expect(steps.reverse()).toEqual(['1 - -> CREATING', '1 CREATING -> IN_SERVICE', '2 IN_SERVICE -> UPDATING', '2 UPDATING -> IN_SERVICE']);
});
