#!/usr/bin/env tsx
// `npm run demo`: a tour of the platform on a local platform of its own, in memory, gone at the end.
// Its synthesized app is cached with `npm run local`'s (.local/synth-cache; --synth-cache DIR elsewhere).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_DATA_DIRECTORY,
  localAwsClients,
  localDeploymentsClient,
  localImagesClient,
  localMonitoringClient,
  localRegistryClient,
  writeDescriptor,
} from '../client/shared/local-connection';
import { runTour } from '../demo/tour';
import { demoMonitor } from '../demo/tour-monitoring';
import { localTourTracking } from '../demo/tour-tracking';
import { startLocalPlatform } from '../local/platform';
import { serveImageLocally } from '../local/serve-image';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A SageMaker minute of the demo's platform: a canary's 2-minute bake, and its alarm's two bad minutes, take seconds. */
const SAGEMAKER_MINUTE_MS = 1000;

async function main() {
  const started = Date.now();
  const { values } = parseArgs({ options: { 'synth-cache': { type: 'string', default: path.join(DEFAULT_DATA_DIRECTORY, 'synth-cache') } } });
  console.log('Starting a local platform (emulators on loopback, the real handlers behind a local Lambda endpoint)...');
  const monitor = demoMonitor('churn-demo');
  const platform = await startLocalPlatform({
    monitors: [monitor],
    synthCacheDirectory: values['synth-cache'],
    sageMakerMinuteMs: SAGEMAKER_MINUTE_MS,
    log: (line) => console.log(`  ${line}`),
  });
  try {
    console.log('');
    const workDir = mkdtempSync(path.join(tmpdir(), 'mlops-demo-'));
    // The CLI finds the in-memory platform through a descriptor, as it finds `npm run local`'s.
    const descriptorFile = path.join(workDir, 'platform.json');
    writeDescriptor(descriptorFile, platform.descriptor);
    const print = (line: string) => console.log(line);
    await runTour({
      registry: localRegistryClient(platform.descriptor),
      tracking: localTourTracking(platform.descriptor, descriptorFile, print),
      monitoring: { monitor: monitor.monitorName, client: localMonitoringClient(platform.descriptor), checkDrift: platform.checkDrift },
      images: true,
      serveImage: async (image) => serveImageLocally(localAwsClients(platform.descriptor).s3, await localImagesClient(platform.descriptor).getImage(image)),
      deployments: { client: localDeploymentsClient(platform.descriptor), minuteMs: SAGEMAKER_MINUTE_MS },
      workDir,
      print,
    });
  } finally {
    await platform.stop();
  }
  console.log(
    `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Run it yourself: npm run local, then npx mlops --local model show churn-demo@production`,
  );
}

main().catch((error) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
