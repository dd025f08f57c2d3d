import type { CliContext, Terminal } from '../cli/context';
import { runCli } from '../cli/run';
import { type LocalPlatformDescriptor, localTrackingClient } from '../client/shared/local-connection';
import type { TourTracking } from './tour';

/** A line is tracking input for `mlops run exec`, not output worth reading twice. */
const TRACKING_LINE = /^(mlops:|\{"mlops":)/;

/** Collects written text into lines and hands each complete one to `print`, indented, without tracking lines. */
function lineTerminal(print: (line: string) => void): Terminal & { flush(): void } {
  let pending = '';
  const emit = (line: string) => {
    if (!TRACKING_LINE.test(line)) print(`    ${line}`);
  };
  return {
    write(text: string) {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      lines.forEach(emit);
      return true;
    },
    flush() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}

/**
 * Tracking for the tour against a local platform: the real `mlops` CLI in-process with `--local`
 * pointed at the platform's descriptor, its output printed indented (the script's `mlops:` lines,
 * which the CLI records, are left out), and runs read with the tracking client.
 */
export function localTourTracking(descriptor: LocalPlatformDescriptor, descriptorFile: string, print: (line: string) => void): TourTracking {
  const tracking = localTrackingClient(descriptor);
  return {
    async mlops(argv) {
      const stdout = lineTerminal(print);
      const stderr = lineTerminal(print);
      const context: CliContext = {
        stdout,
        stderr,
        env: { MLOPS_LOCAL: descriptorFile },
        awsClients: () => {
          throw new Error('the tour runs the CLI against the local platform only');
        },
        defaultActor: () => 'mlops-demo',
      };
      const code = await runCli(['--local', ...argv], context);
      stdout.flush();
      stderr.flush();
      return code;
    },
    async runs(experiment) {
      return (await tracking.listRuns(experiment, { limit: 100 })).items;
    },
  };
}
