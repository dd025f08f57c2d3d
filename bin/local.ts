#!/usr/bin/env tsx
// `npm run local`: the platform on this machine, until Ctrl-C. Options: --in-memory, --data-dir DIR, --port N.
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIRECTORY } from '../local/connection';
import { startLocalPlatform } from '../local/platform';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main() {
  const { values } = parseArgs({
    options: { 'in-memory': { type: 'boolean', default: false }, 'data-dir': { type: 'string', default: DEFAULT_DATA_DIRECTORY }, port: { type: 'string', default: '3001' } },
  });
  const platform = await startLocalPlatform({
    dataDirectory: values['data-dir'],
    inMemory: values['in-memory'],
    lambdaPort: Number(values.port),
    log: (line) => console.log(`local: ${line}`),
    logInvocation: (line) => console.log(`invoke: ${line}`),
  });
  console.log(`
The platform is running. In another terminal:
  npx mlops --local model list          (the CLI; --local reads ${platform.descriptorFile})
  aws lambda invoke --endpoint-url ${platform.descriptor.endpoints.lambda} --function-name ${platform.descriptor.functions.queryRegistry} \\
    --cli-binary-format raw-in-base64-out --payload '{"query":"listModels"}' /dev/stdout
Ctrl-C stops it${values['in-memory'] ? '' : `; its state stays in ${values['data-dir']}`}.`);
  const shutdown = () => {
    console.log('local: stopping');
    void platform.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error(`local: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
