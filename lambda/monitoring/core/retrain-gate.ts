import type * as z from 'zod/mini';
import type { MonitoringEvents, MonitoringStore } from './ports';
import type { RetrainGateRequest } from './schemas';

/**
 * Lets one retrain through per drift episode: a drift alarm entering ALARM opens the gate unless
 * it opened within the cooldown, and an open gate asks for a retrain on the platform bus.
 */
export function retrainGate(deps: { readonly store: MonitoringStore; readonly events: MonitoringEvents }) {
  return async (command: z.output<typeof RetrainGateRequest>) => {
    const opened = await deps.store.openRetrainGate(command.monitor, command.alarmTime, command.cooldownSeconds * 1000);
    if (opened) await deps.events.retrainRequested({ monitor: command.monitor, model: command.model, alarmTime: command.alarmTime });
    return { monitor: command.monitor, retrainRequested: opened };
  };
}
