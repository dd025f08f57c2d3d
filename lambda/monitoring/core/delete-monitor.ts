import { NotFoundError } from '../../shared/errors';
import type { StoredMonitors } from './ports';
import type { DeleteMonitorCommand } from './schemas';
import type { StoredMonitor } from './stored-monitor';

/** Stops checking a stored monitor; its checks and reports stay. */
export function deleteMonitor(monitors: StoredMonitors) {
  return async (command: DeleteMonitorCommand): Promise<StoredMonitor> => {
    const deleted = await monitors.deleteMonitor(command.monitor);
    if (!deleted) throw new NotFoundError(`no stored monitor named ${command.monitor}`);
    return deleted;
  };
}
