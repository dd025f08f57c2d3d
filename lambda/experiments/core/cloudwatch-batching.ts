import { acceptedByCloudWatch } from '../../shared/cloudwatch-values';
import type { MetricSeries } from './model';

/**
 * Turns a batch's points into `PutMetricData` requests within CloudWatch's limits. Points of one
 * metric in the same minute become one datum with `Values`/`Counts` (percentiles survive, and a
 * 1000-step burst costs one datum, not a thousand). No AWS SDK here: the adapter sends the plan.
 */

/**
 * A run's metrics are CloudWatch metrics named as logged, with these dimensions: one series per run
 * (dashboards find new runs by SEARCH), billed only for the hours the run logs.
 */
export const RUN_METRIC_DIMENSIONS = ['Experiment', 'RunId'] as const;

/** PutMetricData's limits: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html */
export const PUT_METRIC_DATA_LIMITS = {
  datumsPerRequest: 1000,
  valuesPerDatum: 150,
  /** The request payload limit is 1 MB; this leaves room for the envelope and headers. */
  requestBytes: 1_000_000 - 4_096,
} as const;

/** CloudWatch takes data points up to two weeks old and two hours ahead. */
const MAX_AGE_MS = 14 * 24 * 3600_000 - 60_000;
const MAX_AHEAD_MS = 2 * 3600_000 - 60_000;
const MINUTE_MS = 60_000;

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** A datum in the shape `PutMetricDataCommand` takes. */
export interface MetricDatum {
  readonly MetricName: string;
  readonly Dimensions: readonly Dimension[];
  readonly Timestamp: Date;
  readonly Values: number[];
  readonly Counts: number[];
}

export interface PutMetricDataPlan {
  readonly requests: readonly (readonly MetricDatum[])[];
  /** Points outside CloudWatch's time window or value range: kept in the run's history, not sent. */
  readonly skipped: number;
}

/** Bytes a datum takes in the JSON request body (the client's protocol), with its separating comma. */
function datumBytes(datum: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify({ ...datum, Timestamp: datum.Timestamp.getTime() / 1000 })) + 1;
}

function datumsOf(name: string, dimensions: readonly Dimension[], minute: number, values: Map<number, number>, limit: number): MetricDatum[] {
  const entries = [...values];
  const datums: MetricDatum[] = [];
  for (let start = 0; start < entries.length; start += limit) {
    const chunk = entries.slice(start, start + limit);
    datums.push({
      MetricName: name,
      Dimensions: dimensions,
      Timestamp: new Date(minute),
      Values: chunk.map(([value]) => value),
      Counts: chunk.map(([, count]) => count),
    });
  }
  return datums;
}

export function planPutMetricData(
  series: readonly MetricSeries[],
  dimensions: readonly Dimension[],
  now: number,
  limits: { readonly datumsPerRequest: number; readonly valuesPerDatum: number; readonly requestBytes: number } = PUT_METRIC_DATA_LIMITS,
  /** Bytes of the request's fixed part (namespace and brackets). */
  envelopeBytes = 256,
): PutMetricDataPlan {
  let skipped = 0;
  const datums: MetricDatum[] = [];
  for (const { name, points } of series) {
    // minute -> value -> count, in first-seen order
    const minutes = new Map<number, Map<number, number>>();
    for (const { value, timestamp } of points) {
      // Points too old, too far ahead or of a value CloudWatch refuses would fail the whole request: they stay in the history only.
      if (timestamp < now - MAX_AGE_MS || timestamp > now + MAX_AHEAD_MS || !acceptedByCloudWatch(value)) {
        skipped++;
        continue;
      }
      const minute = Math.floor(timestamp / MINUTE_MS) * MINUTE_MS;
      let values = minutes.get(minute);
      if (!values) minutes.set(minute, (values = new Map()));
      values.set(value, (values.get(value) ?? 0) + 1);
    }
    for (const [minute, values] of minutes) datums.push(...datumsOf(name, dimensions, minute, values, limits.valuesPerDatum));
  }

  const requests: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = envelopeBytes;
  for (const datum of datums) {
    const size = datumBytes(datum);
    if (current.length > 0 && (current.length === limits.datumsPerRequest || bytes + size > limits.requestBytes)) {
      requests.push(current);
      current = [];
      bytes = envelopeBytes;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return { requests, skipped };
}

/** Bytes of a whole request body as the client sends it, for tests of the limits. */
export function requestBytes(namespace: string, datums: readonly MetricDatum[]): number {
  return Buffer.byteLength(
    JSON.stringify({ Namespace: namespace, MetricData: datums.map((datum) => ({ ...datum, Timestamp: datum.Timestamp.getTime() / 1000 })) }),
  );
}
