import type * as z from 'zod/mini';
import type { Clock } from '../../shared/clock';
import type { CaptureLine } from './capture/capture-file';
import { hourFolder } from './capture/hour-folders';
import { MONITORING_PREFIXES } from './monitoring-names';
import type { CaptureStore } from './ports';
import type { CollectDataRequest } from './schemas';

export interface CollectDataDeps {
  readonly capture: CaptureStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly recordsCollected: (monitor: string, count: number, at: Date) => Promise<void>;
}

/**
 * Stores an application's production records as one capture file in SageMaker's format, in the
 * hour folder of their inference time, where the monitor's drift checks read them. A batch id
 * names the file, so a retry with the same batch id and inference time finds its file written: the
 * first write stands, and its records are counted once.
 */
export function collectData(deps: CollectDataDeps) {
  return async (command: z.output<typeof CollectDataRequest>) => {
    const time = command.inferenceTime ? new Date(command.inferenceTime) : deps.clock.now();
    const fileId = command.batchId ?? deps.newId();
    const inferenceTime = time.toISOString();
    const lines = command.records.map(
      (record, index): CaptureLine => ({
        captureData: { endpointInput: { observedContentType: 'application/json', encoding: 'JSON', data: JSON.stringify(record) } },
        eventMetadata: { eventId: `${fileId}-${index}`, inferenceTime },
        eventVersion: '0',
      }),
    );
    const key = `${MONITORING_PREFIXES.collected}${command.monitor}/${hourFolder(time.getTime())}${fileId}.jsonl`;
    // A retried batch finds its file written, and is not counted twice.
    if (await deps.capture.create(key, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`))
      await deps.recordsCollected(command.monitor, lines.length, time);
    return { monitor: command.monitor, records: lines.length, key };
  };
}
