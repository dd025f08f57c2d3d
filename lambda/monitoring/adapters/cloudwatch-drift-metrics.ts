import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { acceptedByCloudWatch } from '../../shared/cloudwatch-values';
import type { CheckRecord } from '../core/model';
import { MONITORING_METRICS } from '../core/monitoring-names';
import type { DriftMetrics } from '../core/ports';
import type { DriftCheckReport } from '../core/report/drift-check-report';

/** PutMetricData takes at most 1000 datums a request. */
const DATUMS_PER_REQUEST = 1000;

/**
 * A check's metrics, stamped with its window's end: records checked always; drift share, drifted
 * features and each feature's deciding score only when the window had enough records, so quiet
 * windows leave the drift alarm's metric missing (not breaching) rather than zero.
 */
export class CloudWatchDriftMetrics implements DriftMetrics {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly namespace: string,
  ) {}

  async publish(record: CheckRecord, report: DriftCheckReport | undefined): Promise<void> {
    const timestamp = new Date(record.windowEnd);
    const monitor = { Name: 'Monitor', Value: record.monitor };
    const datums: MetricDatum[] = [
      { MetricName: MONITORING_METRICS.recordsChecked, Dimensions: [monitor], Timestamp: timestamp, Value: record.records, Unit: 'Count' },
    ];
    if (report) {
      datums.push(
        { MetricName: MONITORING_METRICS.driftShare, Dimensions: [monitor], Timestamp: timestamp, Value: record.driftShare, Unit: 'None' },
        { MetricName: MONITORING_METRICS.driftedFeatures, Dimensions: [monitor], Timestamp: timestamp, Value: record.driftedFeatures.length, Unit: 'Count' },
        ...record.features
          // A value CloudWatch refuses (a p-value of 1e-120) would fail the whole request: left out.
          .filter((feature) => feature.score !== null && acceptedByCloudWatch(feature.score))
          .map(
            (feature): MetricDatum => ({
              MetricName: MONITORING_METRICS.featureDriftScore,
              Dimensions: [monitor, { Name: 'Feature', Value: feature.feature.slice(0, 1024) }, { Name: 'Method', Value: feature.method }],
              Timestamp: timestamp,
              Value: feature.score!,
              Unit: 'None',
            }),
          ),
      );
    }
    for (let start = 0; start < datums.length; start += DATUMS_PER_REQUEST) {
      await this.cloudWatch.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: datums.slice(start, start + DATUMS_PER_REQUEST) }));
    }
  }

  async recordsCollected(monitor: string, count: number, at: Date): Promise<void> {
    await this.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: this.namespace,
        MetricData: [
          { MetricName: MONITORING_METRICS.recordsCollected, Dimensions: [{ Name: 'Monitor', Value: monitor }], Timestamp: at, Value: count, Unit: 'Count' },
        ],
      }),
    );
  }
}
