import { processContext } from '../cli/process-context';
import { runCli } from '../cli/run';

// The SDK's notice that its 2027 releases need Node 22 is not for the CLI's users; the pinned SDK runs on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void runCli(process.argv.slice(2), processContext()).then((code) => {
  process.exitCode = code;
});
