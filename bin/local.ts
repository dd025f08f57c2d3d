#!/usr/bin/env tsx
// `npm run local`: the platform on this machine, until Ctrl-C. Options: --in-memory, --data-dir DIR, --port N,
// --mlflow-port N (MLflow's REST API; default 5000, or a free port when that one is taken),
// --monitors FILE (a JSON array of monitors, in place of cdk.json's "monitors" context),
// --synth-cache DIR (where synthesized apps are cached; default DIR/synth-cache of the data directory),
// --sagemaker-minute-ms N (how long a minute of the local SageMaker lasts, to try a rollout's bakes and alarms in seconds).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cdkJson from '../cdk.json';
import { DEFAULT_DATA_DIRECTORY } from '../client/shared/local-connection';
import { MONITORS_CONTEXT_KEY, monitorsFromContext } from '../lib/monitoring/monitors-from-context';
import { startLocalPlatform } from '../local/platform';
import { stopWithParent } from '../local/stop-with-parent';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The monitors of `--monitors FILE`, or else of cdk.json's context, as `cdk deploy` reads them. */
function declaredMonitors(file: string | undefined) {
  if (file === undefined)
    return monitorsFromContext((cdkJson.context as Record<string, unknown>)[MONITORS_CONTEXT_KEY], `cdk.json context "${MONITORS_CONTEXT_KEY}"`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --monitors ${file}: ${(error as Error).message}`);
  }
  return monitorsFromContext(text, file);
}

async function main() {
  const { values } = parseArgs({
    options: {
      'in-memory': { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: DEFAULT_DATA_DIRECTORY },
      port: { type: 'string', default: '3001' },
      'mlflow-port': { type: 'string' },
      monitors: { type: 'string' },
      'synth-cache': { type: 'string' },
      'sagemaker-minute-ms': { type: 'string' },
    },
  });
  const sageMakerMinuteMs = values['sagemaker-minute-ms'] === undefined ? undefined : Number(values['sagemaker-minute-ms']);
  if (sageMakerMinuteMs !== undefined && !(Number.isInteger(sageMakerMinuteMs) && sageMakerMinuteMs >= 100 && sageMakerMinuteMs <= 60_000)) {
    throw new Error(`--sagemaker-minute-ms must be a whole number of milliseconds from 100 to 60000, not ${values['sagemaker-minute-ms']}`);
  }
  const platform = await startLocalPlatform({
    dataDirectory: values['data-dir'],
    inMemory: values['in-memory'],
    synthCacheDirectory: values['synth-cache'],
    lambdaPort: Number(values.port),
    mlflowPort: values['mlflow-port'] === undefined ? undefined : Number(values['mlflow-port']),
    monitors: declaredMonitors(values.monitors),
    sageMakerMinuteMs,
    log: (line) => console.log(`local: ${line}`),
    logInvocation: (line) => console.log(`invoke: ${line}`),
  });
  const descriptor = platform.descriptorFile;
  const fromDescriptor = (field: string) => `$(node -p "require('${descriptor}').credentials.${field}")`;
  console.log(`local: ready in ${(platform.timings.readyMs / 1000).toFixed(1)} s`);
  console.log(`
The platform is running. In another terminal:
  npx mlops --local model list          (the CLI; --local reads ${descriptor}${platform.userDescriptorFile ? `, or from any folder ${platform.userDescriptorFile}` : ''})
  AWS_ACCESS_KEY_ID=${fromDescriptor('accessKeyId')} AWS_SECRET_ACCESS_KEY=${fromDescriptor('secretAccessKey')} AWS_DEFAULT_REGION=${platform.descriptor.region} \\
    aws lambda invoke --endpoint-url ${platform.descriptor.endpoints.lambda} --function-name ${platform.descriptor.functions.queryRegistry} \\
    --payload '{"query":"listModels"}' /dev/stdout
MLflow's own client (tracking, logged models, registry; artifacts go to the S3 emulator):
  export MLFLOW_TRACKING_URI=${platform.descriptor.endpoints.mlflow} MLFLOW_S3_ENDPOINT_URL=${platform.descriptor.endpoints.s3} \
    AWS_ACCESS_KEY_ID=${fromDescriptor('accessKeyId')} AWS_SECRET_ACCESS_KEY=${fromDescriptor('secretAccessKey')} AWS_DEFAULT_REGION=${platform.descriptor.region}
The Lambda endpoint serves only requests signed with the credentials in ${descriptor} (new at each start).
Ctrl-C (or SIGTERM) stops it${values['in-memory'] ? '' : `; its state stays in ${values['data-dir']}`}.`);
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`local: stopping (${why})`);
    void platform.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGHUP', () => shutdown('SIGHUP'));
  stopWithParent(shutdown);
}

main().catch((error) => {
  console.error(`local: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
