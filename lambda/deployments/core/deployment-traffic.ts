import type { CaptureLine } from '../../monitoring/core/capture/capture-file';
import type { CaptureObject, CaptureStore } from '../../monitoring/core/ports';
import type { Clock } from '../../shared/clock';
import { NotFoundError } from '../../shared/errors';
import type { DeploymentRecord } from './model';
import type { DeploymentStore } from './ports';

const HOUR_MS = 3_600_000;

/** What CloudWatch says of an endpoint's hour (AWS/SageMaker, the deployment's variant). */
export interface HourMetrics {
  readonly invocations: number;
  readonly errors5xx: number;
  /** Model latency, milliseconds; absent in an hour without requests. */
  readonly latencyP50Ms?: number;
  readonly latencyP99Ms?: number;
}

/** CloudWatch's AWS/SageMaker metrics of a deployment: by hour, and by endpoint config (one per revision, so per version). */
export interface EndpointMetricsReader {
  hourly(endpoint: string, start: Date, end: Date): Promise<ReadonlyMap<string, HourMetrics>>;
  byConfig(endpoint: string, configs: readonly string[], start: Date, end: Date): Promise<ReadonlyMap<string, HourMetrics>>;
}

export interface TrafficHour extends Partial<HourMetrics> {
  /** The hour's start, ISO 8601. */
  readonly hour: string;
  /** Requests captured (every request is captured). */
  readonly requests: number;
  /** Distinct callers among them, by their custom attributes (`caller=<id>`, else the whole attributes). */
  readonly callers: number;
}

export interface RevisionTraffic extends HourMetrics {
  readonly revision: number;
  readonly image: { readonly name: string; readonly version: number };
  readonly models: readonly { readonly name: string; readonly version: number }[];
}

export interface DeploymentTraffic {
  readonly name: string;
  readonly endpoint: string;
  readonly start: string;
  readonly end: string;
  /** Oldest first, one per hour of the span. */
  readonly hours: readonly TrafficHour[];
  /** Distinct callers over the span. */
  readonly callers: number;
  /** Requests captured without custom attributes: counted in `requests`, not as callers. */
  readonly anonymousRequests: number;
  /** Each revision that served in the span (the current, the one rolling out, the previous), by CloudWatch. */
  readonly revisions: readonly RevisionTraffic[];
  /** Set when the capture was larger than one query reads: callers and requests are of the newest capture files read. */
  readonly captureTruncated?: true;
}

export interface DeploymentTrafficDependencies {
  readonly store: DeploymentStore;
  readonly capture: CaptureStore;
  readonly metrics: EndpointMetricsReader;
  readonly clock: Clock;
  /** `captured/`-style location of every deployment's capture: `<prefix><endpoint>/`. */
  readonly captureBucket: string;
  readonly capturePrefix: string;
  /** The capture a query reads at most, so one stays within a function's time and memory. */
  readonly maxCaptureBytes: number;
}

/** The caller a request's custom attributes name: `caller=<id>` among `;`/`,`-separated pairs, else the attributes themselves. */
export function callerOf(customAttributes: string | undefined): string | undefined {
  const attributes = customAttributes?.trim();
  if (!attributes) return undefined;
  const named = attributes
    .split(/[;,]/)
    .map((pair) => pair.trim().split('='))
    .find(([key]) => key.trim().toLowerCase() === 'caller');
  return named && named.length > 1 ? named.slice(1).join('=').trim() || attributes : attributes;
}

function parseLine(text: string): CaptureLine | undefined {
  try {
    return JSON.parse(text) as CaptureLine;
  } catch {
    return undefined;
  }
}

/** The revisions a span may have served in: what serves now, what is rolling out, what served before. */
const revisionsOf = (record: DeploymentRecord) => [record.previous, record.current, record.pending].filter((revision) => revision !== undefined);

/**
 * A deployment's traffic over the last `hours`: per hour, the requests and distinct callers its capture holds and
 * what CloudWatch measured (invocations, 5xx, model latency p50 and p99); per revision (so per image and model
 * version), the same measures. The capture is read newest first up to `maxCaptureBytes`; beyond, the answer says so.
 */
export function deploymentTraffic(deps: DeploymentTrafficDependencies) {
  return async (name: string, hours: number): Promise<DeploymentTraffic> => {
    const record = await deps.store.getDeployment(name);
    if (!record) throw new NotFoundError(`no deployment named ${name}`);
    // The span ends with the current hour, whole: its requests so far are counted.
    const end = new Date((Math.floor(deps.clock.now().getTime() / HOUR_MS) + 1) * HOUR_MS);
    const start = new Date(end.getTime() - hours * HOUR_MS);
    const revisions = revisionsOf(record);
    const [objects, hourly, byConfig] = await Promise.all([
      deps.capture.list({ bucket: deps.captureBucket, prefix: `${deps.capturePrefix}${record.endpoint}/` }, start.getTime(), end.getTime()),
      deps.metrics.hourly(record.endpoint, start, end),
      deps.metrics.byConfig(
        record.endpoint,
        revisions.map((revision) => revision.endpointConfig),
        start,
        end,
      ),
    ]);
    const counted = await countCapture(deps, objects ?? [], start.getTime(), end.getTime());
    const hourStarts = Array.from({ length: hours }, (_, index) => new Date(start.getTime() + index * HOUR_MS).toISOString());
    return {
      name,
      endpoint: record.endpoint,
      start: start.toISOString(),
      end: end.toISOString(),
      hours: hourStarts.map((hour) => ({
        hour,
        requests: counted.requests.get(hour) ?? 0,
        callers: counted.callersByHour.get(hour)?.size ?? 0,
        ...hourly.get(hour),
      })),
      callers: counted.callers.size,
      anonymousRequests: counted.anonymous,
      revisions: revisions.map((revision) => ({
        revision: revision.revision,
        image: { name: revision.image.name, version: revision.image.version },
        models: revision.image.models,
        ...(byConfig.get(revision.endpointConfig) ?? { invocations: 0, errors5xx: 0 }),
      })),
      ...(counted.truncated ? { captureTruncated: true as const } : {}),
    };
  };
}

async function countCapture(deps: DeploymentTrafficDependencies, objects: readonly CaptureObject[], start: number, end: number) {
  const requests = new Map<string, number>();
  const callersByHour = new Map<string, Set<string>>();
  const callers = new Set<string>();
  let anonymous = 0;
  let bytes = 0;
  let truncated = false;
  // Newest first (keys sort by hour folder), so a cut keeps the recent hours whole.
  for (const object of [...objects].sort((a, b) => b.key.localeCompare(a.key))) {
    if (bytes + object.size > deps.maxCaptureBytes) {
      truncated = true;
      break;
    }
    bytes += object.size;
    const text = (await deps.capture.read(object)) ?? '';
    for (const lineText of text.split('\n')) {
      const line = lineText.trim() === '' ? undefined : parseLine(lineText);
      const time = Date.parse(line?.eventMetadata?.inferenceTime ?? '');
      if (!line || !(time >= start && time < end)) continue;
      const hour = new Date(Math.floor(time / HOUR_MS) * HOUR_MS).toISOString();
      requests.set(hour, (requests.get(hour) ?? 0) + 1);
      const caller = callerOf(line.eventMetadata?.customAttributes);
      if (caller === undefined) {
        anonymous++;
        continue;
      }
      callers.add(caller);
      if (!callersByHour.has(hour)) callersByHour.set(hour, new Set());
      callersByHour.get(hour)!.add(caller);
    }
  }
  return { requests, callersByHour, callers, anonymous, truncated };
}
