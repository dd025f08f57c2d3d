import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putPlatformEvent } from '../../shared/platform-events';
import type { CheckRecord } from '../core/model';
import { MONITORING_EVENT_SOURCE, MONITORING_EVENTS } from '../core/monitoring-names';
import type { MonitoringEvents } from '../core/ports';

/** Monitoring events on the platform bus. A rerun check sends its event again: consumers key on `checkId`. */
export class EventBridgeMonitoringEvents implements MonitoringEvents {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  driftDetected(record: CheckRecord): Promise<void> {
    const { monitor, checkId, model, version, windowStart, windowEnd, records, driftShare, driftedFeatures, reportUri, htmlReportUri } = record;
    const detail = {
      monitor,
      checkId,
      model,
      version,
      windowStart,
      windowEnd,
      records,
      datasetDrift: record.status === 'drift',
      driftShare,
      driftedFeatures,
      reportUri,
      htmlReportUri,
    };
    return putPlatformEvent(this.events, this.eventBusName, MONITORING_EVENT_SOURCE, MONITORING_EVENTS.driftDetected, detail);
  }

  retrainRequested(detail: { monitor: string; model: string; alarmTime: string }): Promise<void> {
    return putPlatformEvent(this.events, this.eventBusName, MONITORING_EVENT_SOURCE, MONITORING_EVENTS.retrainRequested, detail);
  }
}
