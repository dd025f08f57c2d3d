import type { Clock } from '../../shared/clock';
import { ConflictError } from '../../shared/errors';
import { fingerprint } from '../../shared/fingerprint';
import type { RunRecord } from './model';
import type { ExperimentStore } from './ports';
import { newRunId } from './run-id';
import type { StartRunCommand } from './schemas';

export interface StartRunDependencies {
  readonly store: ExperimentStore;
  readonly clock: Clock;
}

/**
 * Starts a run: takes the experiment's next run number (creating the experiment on its first run)
 * and writes the run as `RUNNING` with its first heartbeat. With a client token the run id is
 * derived from the token, so a retry returns the run the first attempt created.
 */
export function startRun({ store, clock }: StartRunDependencies) {
  async function replay(runId: string, requestFingerprint: string, clientToken: string): Promise<RunRecord | undefined> {
    const existing = await store.getRun(runId);
    if (!existing) return undefined;
    if ((await store.getRunFingerprint(runId)) !== requestFingerprint) {
      throw new ConflictError(`clientToken "${clientToken}" was already used to start a different run (${existing.runName})`);
    }
    return existing;
  }

  return async (command: StartRunCommand): Promise<RunRecord> => {
    const { clientToken, actor, runName, ...content } = command;
    const requestFingerprint = fingerprint({ runName, ...content });
    const runId = newRunId(command.experiment, clientToken);
    if (clientToken) {
      const replayed = await replay(runId, requestFingerprint, clientToken);
      if (replayed) return replayed;
    }
    const startTime = clock.now().toISOString();
    const runNumber = await store.reserveRunNumber(command.experiment, startTime);
    const run: RunRecord = {
      ...content,
      runId,
      runName: runName ?? `${command.experiment}-${runNumber}`,
      runNumber,
      status: 'RUNNING',
      startTime,
      heartbeatAt: startTime,
      createdBy: actor,
      metrics: {},
      revision: 0,
      registeredVersions: [],
    };
    if (await store.createRun(run, requestFingerprint)) return run;
    // A concurrent call with the same token created it first.
    const replayed = await replay(runId, requestFingerprint, clientToken!);
    if (!replayed) throw new Error(`run ${runId} exists but cannot be read`);
    return replayed;
  };
}
