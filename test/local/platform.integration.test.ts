import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { runCli } from '../../cli/run';
import {
  localAwsClients,
  localDeploymentsClient,
  localImagesClient,
  localMonitoringClient,
  localRegistryClient,
  localTrackingClient,
  writeDescriptor,
} from '../../client/shared/local-connection';
import { runTour } from '../../demo/tour';
import { demoMonitor, SHIFTED_FEATURES } from '../../demo/tour-monitoring';
import { localTourTracking } from '../../demo/tour-tracking';
import type { ObjectArtifactRecord } from '../../lambda/registry/core/model';
import { startLocalPlatform } from '../../local/platform';
import { serveImageLocally } from '../../local/serve-image';
import { BufferTerminal } from '../cli/harness';
import { TEST_SYNTH_CACHE } from '../support/synth-cache-directory';

// Each test starts a platform of its own: DynamoDB Local and moto, and a synthesis with bundling
// unless the shared cache has it (minutes on a busy 2-core machine when it has not; the restart
// test starts three platforms, the tour builds and serves an image).
jest.setTimeout(600_000);

/** Every platform here: synthesized apps from the tests' shared cache, nothing written to the real home. */
const start = (options: Parameters<typeof startLocalPlatform>[0] = {}) =>
  startLocalPlatform({ synthCacheDirectory: TEST_SYNTH_CACHE, userDescriptorFile: false, ...options });

const temporaryDirectory = (label: string) => mkdtempSync(path.join(tmpdir(), `mlops-local-${label}-`));

describe('the local platform', () => {
  test('runs the demo tour to the end: tracked runs, versions registered from them, the better one in production, monitored, deployed, promoted, a broken release rolled back', async () => {
    const monitor = demoMonitor('churn-demo');
    // As the demo runs it: a SageMaker minute is a second.
    const platform = await start({ monitors: [monitor], sageMakerMinuteMs: 1000 });
    try {
      const lines: string[] = [];
      const workDir = temporaryDirectory('demo');
      const descriptorFile = path.join(workDir, 'platform.json');
      writeDescriptor(descriptorFile, platform.descriptor);
      const print = (line: string) => lines.push(line);

      const result = await runTour({
        registry: localRegistryClient(platform.descriptor),
        tracking: localTourTracking(platform.descriptor, descriptorFile, print),
        monitoring: { monitor: monitor.monitorName, client: localMonitoringClient(platform.descriptor), checkDrift: platform.checkDrift },
        images: true,
        serveImage: async (image) => serveImageLocally(localAwsClients(platform.descriptor).s3, await localImagesClient(platform.descriptor).getImage(image)),
        deployments: { client: localDeploymentsClient(platform.descriptor), minuteMs: 1000 },
        workDir,
        print,
      });

      expect(result.versions.map((version) => version.version)).toEqual([1, 2]);
      expect(result.production).toBe(2);
      const output = lines.join('\n');
      expect(output).toMatch(/best by auc \(higher is better\): thorough/);
      expect(output).toMatch(/\[6\/14\] The model now: churn-demo, latest version 2, aliases: production -> v2/);
      // The production version packaged with the demo's entry script, its (simulated) build followed to READY.
      expect(output).toMatch(/\[7\/14\] Package churn-demo@production as inference image "churn-demo-scorer"/);
      expect(output).toMatch(/churn-demo-scorer version 1 is READY after/);
      const image = await localImagesClient(platform.descriptor).getImage('churn-demo-scorer', 1);
      expect(image).toMatchObject({ status: 'READY', models: [{ name: 'churn-demo', version: 2, requestedAlias: 'production' }] });
      // Approved while production named v2; the deployments part moved production to v3, and the approval with it.
      expect(image.modelPackages).toEqual([expect.objectContaining({ model: 'churn-demo', modelVersion: 2, approvalStatus: 'PendingManualApproval' })]);
      expect(output).toMatch(/churn-demo:2 +mlops-churn-demo-\w+ +Approved/);
      expect(image.imageUri).toMatch(/\.dkr\.ecr\..*@sha256:[0-9a-f]{64}$/);
      // Served from its build context and model data: predictions for CSV and JSON, a clear 500 for a bad request, still healthy after.
      expect(output).toMatch(/\[8\/14\] Serve "churn-demo-scorer"/);
      expect(output).toMatch(/POST text\/csv, 3 validation rows .* -> 200 \{"churn_probability":\[0\.\d+,0\.\d+,0\.\d+\]\}/);
      expect(output).toMatch(/-> 500 \{"error":"run\(\) failed: ValueError: expected 4 features/);
      expect(output).toMatch(/GET \/ping after the failed request -> 200/);
      // An hour like the training data, then one with two of the four inputs shifted: half drifted is drift.
      expect(result.driftChecks?.map(({ status, records, driftedFeatures }) => ({ status, records, driftedFeatures }))).toEqual([
        { status: 'no_drift', records: 400, driftedFeatures: 0 },
        { status: 'drift', records: 400, driftedFeatures: SHIFTED_FEATURES.length },
      ]);
      expect(output).toMatch(/\[10\/14\] The checks as the CLI shows them/);
      expect(output).toMatch(/churn-demo-production/);
      // Deployed following production: the later month's traffic, captured by the endpoint, drifts from v2's baseline
      // and not from the retrained v3's; v3's image rolled out as a canary with nothing failing; the broken release's
      // canary was rolled back by its alarm, failing no more than its 20% share, and v3's image serves again.
      const deployment = result.deployment!;
      expect(deployment.driftChecks.map(({ status, driftedFeatures }) => ({ status, driftedFeatures }))).toEqual([
        { status: 'drift', driftedFeatures: SHIFTED_FEATURES.length },
        { status: 'no_drift', driftedFeatures: 0 },
      ]);
      expect(deployment.driftChecks[0].records).toBe(400);
      expect(deployment.canary).toMatchObject({ failed: 0, deployment: { status: 'IN_SERVICE', current: { image: { version: 2 } } } });
      expect(deployment.broken).toMatchObject({ deployment: { status: 'IN_SERVICE', current: { image: { version: 2 } }, rolledBackVersions: [3] } });
      expect(deployment.broken.failed).toBeGreaterThan(0);
      expect(deployment.broken.failed / (deployment.broken.failed + deployment.broken.answered)).toBeLessThan(0.2);
      const history = (await localDeploymentsClient(platform.descriptor).deploymentHistory('churn-demo')).items;
      const steps = history.map(({ revision, from, to }) => `${revision} ${from ?? '-'} -> ${to}`).reverse();
      expect(steps.slice(0, 5)).toEqual([
        '1 - -> CREATING',
        '1 CREATING -> IN_SERVICE',
        '2 IN_SERVICE -> UPDATING',
        '2 UPDATING -> IN_SERVICE',
        '3 IN_SERVICE -> UPDATING',
      ]);
      // SageMaker's rollback is seen in progress (ROLLING_BACK), or only once done, depending on when the schedule looks.
      expect(steps.slice(5)).toContainEqual(expect.stringMatching(/^3 (UPDATING|ROLLING_BACK) -> IN_SERVICE$/));
      expect(history[0]).toMatchObject({ to: 'IN_SERVICE', reason: expect.stringMatching(/mlops-churn-demo-5xx-rate in ALARM/) });
      expect(output).toMatch(/\[14\/14\] Ship a release with a bug/);
      expect(output).toMatch(/drift {5}DRIFT in monthly_charges, support_calls/);

      // The versions took their params and final metrics from their runs, and the runs link back.
      const [quick, thorough] = result.versions;
      expect(thorough).toMatchObject({
        parameters: { epochs: '200', learning_rate: '0.5', seed: '7' },
        sourceRun: { experiment: 'churn-demo', runName: 'thorough' },
      });
      expect(Object.keys(quick.metrics).sort()).toEqual(['accuracy', 'auc', 'logloss', 'train_logloss']);
      const runs = await localTrackingClient(platform.descriptor).getRuns([quick.sourceRunId!, thorough.sourceRunId!]);
      expect(runs.map((run) => [run.status, run.registeredVersions, run.metrics.train_logloss.count])).toEqual([
        ['COMPLETED', ['churn-demo:1'], 5],
        ['COMPLETED', ['churn-demo:2'], 200],
      ]);
    } finally {
      await platform.stop();
    }
  });

  test('keeps models and artifacts in its data directory across a restart, and nothing with inMemory', async () => {
    const dataDirectory = temporaryDirectory('data');
    const artifact = path.join(temporaryDirectory('artifact'), 'model.bin');
    require('node:fs').writeFileSync(artifact, 'weights that must survive a restart');
    try {
      const first = await start({ dataDirectory });
      const registered = await localRegistryClient(first.descriptor).registerModelFromFile(artifact, { name: 'kept', metrics: { auc: 0.9 } });
      await first.stop();

      const second = await start({ dataDirectory });
      try {
        const version = await localRegistryClient(second.descriptor).getVersion('kept', 'latest');
        const { s3 } = localAwsClients(second.descriptor);
        const artifact = version.artifact as ObjectArtifactRecord;
        const object = await s3.send(new HeadObjectCommand({ Bucket: artifact.bucket, Key: artifact.key, VersionId: artifact.s3VersionId }));

        expect(version).toMatchObject({ version: registered.version, metrics: { auc: 0.9 }, artifact: { sha256: registered.artifact.sha256 } });
        expect(object.ContentLength).toBe(registered.artifact.sizeBytes);
      } finally {
        await second.stop();
      }

      const fresh = await start({ dataDirectory, inMemory: true });
      try {
        await expect(localRegistryClient(fresh.descriptor).getVersion('kept', 'latest')).rejects.toMatchObject({ errorType: 'NotFoundError' });
      } finally {
        await fresh.stop();
      }
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });

  test('serves the mlops CLI through --local, with the descriptor named by MLOPS_LOCAL, and announces itself in the per-user file until it stops', async () => {
    const workDir = temporaryDirectory('cli');
    // A directory the platform creates, as `npm run local` creates .local.
    const dataDirectory = path.join(workDir, '.local');
    const userFile = path.join(workDir, 'home', '.mlops', 'local-platform.json');
    const platform = await start({ dataDirectory, userDescriptorFile: userFile });
    let stopped = false;
    try {
      // The per-user copy: the same descriptor, this user's only, withdrawn at stop.
      expect(platform.userDescriptorFile).toBe(userFile);
      expect(JSON.parse(readFileSync(userFile, 'utf8'))).toEqual(platform.descriptor);
      expect(statSync(userFile).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(userFile)).mode & 0o777).toBe(0o700);

      const artifact = path.join(dataDirectory, 'model.bin');
      require('node:fs').writeFileSync(artifact, 'cli weights');
      const stdout = new BufferTerminal();
      const stderr = new BufferTerminal();
      const context = {
        stdout,
        stderr,
        env: { MLOPS_LOCAL: platform.descriptorFile! },
        awsClients: () => {
          throw new Error('--local must not use the default AWS clients');
        },
        defaultActor: () => 'tester@local',
      };

      const registered = await runCli(['--local', 'model', 'register', artifact, '--name', 'cli-model', '--metric', 'auc=0.8'], context);
      const listed = await runCli(['--local', 'model', 'list'], context);

      expect([registered, listed]).toEqual([0, 0]);
      expect(stderr.text).not.toMatch(/error/);
      expect(stdout.text).toMatch(/cli-model\s+1/);
      // The descriptor holds the credentials the Lambda endpoint requires: this user's only.
      expect(statSync(dataDirectory).mode & 0o777).toBe(0o700);
      expect(statSync(platform.descriptorFile!).mode & 0o777).toBe(0o600);
      expect(platform.descriptor.credentials.accessKeyId).toMatch(/^LOCAL[0-9A-F]{20}$/);

      await platform.stop();
      stopped = true;
      expect(existsSync(userFile)).toBe(false);
    } finally {
      if (!stopped) await platform.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
