import type * as z from 'zod/mini';
import { NotFoundError } from '../../shared/errors';
import type { MonitoringObjects, MonitoringStore, StoredMonitors } from './ports';
import type { QueryMonitoringRequest } from './schemas';

/** Answers `mlops monitor status|report` and the client: monitors, checks, reports and baselines. */
export function queryMonitoring(deps: { readonly store: MonitoringStore; readonly objects: MonitoringObjects; readonly monitors: StoredMonitors }) {
  const checkOf = async (monitor: string, checkId: string | undefined) => {
    const check = checkId ? await deps.store.getCheck(monitor, checkId) : await deps.store.latestCheck(monitor);
    if (!check) throw new NotFoundError(checkId ? `monitor ${monitor} has no check ${checkId}` : `monitor ${monitor} has no checks yet`);
    return check;
  };

  return async (query: z.output<typeof QueryMonitoringRequest>) => {
    switch (query.query) {
      case 'listMonitors':
        return { monitors: await deps.store.listMonitors() };
      case 'listStoredMonitors':
        return { monitors: await deps.monitors.listStoredMonitors() };
      case 'listChecks':
        return deps.store.listChecks(query.monitor, { limit: query.limit, nextToken: query.nextToken });
      case 'getCheck':
        return checkOf(query.monitor, query.checkId);
      case 'getReport': {
        const check = await checkOf(query.monitor, query.checkId);
        const report = await deps.objects.getReport(query.monitor, check.checkId);
        if (!report) throw new NotFoundError(`the report of check ${check.checkId} is gone`);
        return report;
      }
      case 'getBaseline': {
        const baseline = await deps.store.getBaseline(query.model, query.version);
        if (!baseline) throw new NotFoundError(`model ${query.model} version ${query.version} has no baseline`);
        return baseline;
      }
    }
  };
}
