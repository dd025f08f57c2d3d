import * as z from 'zod/mini';
import { monitoringObjectKeys } from '../../../lambda/monitoring/adapters/s3-monitoring-objects';
import { hourFolders, isYearFolder } from '../../../lambda/monitoring/core/capture/hour-folders';
import type { BaselineRecord, CheckRecord } from '../../../lambda/monitoring/core/model';
import type {
  CaptureObject,
  CaptureStore,
  CheckPlan,
  ChunkResult,
  DriftMetrics,
  ModelVersions,
  MonitoringEvents,
  MonitoringObjects,
  MonitoringStore,
} from '../../../lambda/monitoring/core/ports';
import type { BaselineProfile } from '../../../lambda/monitoring/core/profile/baseline-profile';
import { BaselineProfileSchema, baselineFromJson } from '../../../lambda/monitoring/core/profile/baseline-schema';
import type { DriftCheckReport } from '../../../lambda/monitoring/core/report/drift-check-report';
import type { Page, PageRequest } from '../../../lambda/shared/page';
import { FakeClock } from '../shared/fake-clock';

/**
 * In-memory fakes of the monitoring core's ports, keeping the contracts the adapters keep: the
 * latest check only moves forward in window end; a baseline profile is written without `replace`
 * only when the version has none (S3's IfNoneMatch); the retrain gate opens unless it opened
 * within the cooldown, and again at the same alarm time (a retry); missing things are `undefined`.
 * Objects go through JSON as they do through S3, so a fake never hands back the caller's own object.
 */

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function page<T>(all: readonly T[], request: PageRequest): Page<T> {
  const start = request.nextToken === undefined ? 0 : Number(request.nextToken);
  const end = start + request.limit;
  return { items: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
}

/** The monitoring table. */
export class InMemoryMonitoringStore implements MonitoringStore {
  readonly checks = new Map<string, CheckRecord>();
  readonly latest = new Map<string, CheckRecord>();
  readonly baselines = new Map<string, BaselineRecord>();
  /** When each monitor's gate last opened (ISO, normalized to UTC as the adapter stores it). */
  readonly gates = new Map<string, string>();
  /** Every write, in order. */
  readonly writes: Array<
    { kind: 'check'; record: CheckRecord } | { kind: 'baseline'; record: BaselineRecord } | { kind: 'gate'; monitor: string; openedAt: string }
  > = [];

  async recordCheck(record: CheckRecord): Promise<void> {
    this.checks.set(`${record.monitor}/${record.checkId}`, roundTrip(record));
    const latest = this.latest.get(record.monitor);
    if (!latest || latest.windowEnd <= record.windowEnd) this.latest.set(record.monitor, roundTrip(record));
    this.writes.push({ kind: 'check', record });
  }

  async getCheck(monitor: string, checkId: string): Promise<CheckRecord | undefined> {
    return this.checks.get(`${monitor}/${checkId}`);
  }

  async latestCheck(monitor: string): Promise<CheckRecord | undefined> {
    return this.latest.get(monitor);
  }

  /** Newest first, as the table's query of `C#<check id>` keys runs backwards. */
  async listChecks(monitor: string, request: PageRequest): Promise<Page<CheckRecord>> {
    const checks = [...this.checks.values()]
      .filter((check) => check.monitor === monitor)
      .sort((a, b) => (a.checkId < b.checkId ? 1 : a.checkId > b.checkId ? -1 : 0));
    return page(checks, request);
  }

  async listMonitors(): Promise<readonly CheckRecord[]> {
    return [...this.latest.values()].sort((a, b) => (a.monitor < b.monitor ? -1 : a.monitor > b.monitor ? 1 : 0));
  }

  async putBaseline(record: BaselineRecord): Promise<void> {
    this.baselines.set(`${record.model}/${record.version}`, roundTrip(record));
    this.writes.push({ kind: 'baseline', record });
  }

  async getBaseline(model: string, version: number): Promise<BaselineRecord | undefined> {
    return this.baselines.get(`${model}/${version}`);
  }

  async openRetrainGate(monitor: string, at: string, cooldownMs: number): Promise<boolean> {
    const openedAt = new Date(at).toISOString();
    const last = this.gates.get(monitor);
    const cutoff = new Date(Date.parse(openedAt) - cooldownMs).toISOString();
    if (last !== undefined && !(last <= cutoff || last === openedAt)) return false;
    this.gates.set(monitor, openedAt);
    this.writes.push({ kind: 'gate', monitor, openedAt });
    return true;
  }
}

/** The monitoring bucket: objects by key (the S3 adapter's keys), as the JSON (or HTML) text S3 would hold. */
export class InMemoryMonitoringObjects implements MonitoringObjects {
  readonly objects = new Map<string, string>();
  /** Every key written, in order. */
  readonly writes: string[] = [];

  constructor(readonly bucketName = 'monitoring-bucket') {}

  uri = (key: string) => `s3://${this.bucketName}/${key}`;

  async getBaseline(model: string, version: number): Promise<BaselineProfile | undefined> {
    const json = this.getJson(monitoringObjectKeys.baseline(model, version));
    return json === undefined ? undefined : baselineFromJson(z.parse(BaselineProfileSchema, json));
  }

  async putBaseline(model: string, version: number, profile: BaselineProfile, replace: boolean): Promise<string | undefined> {
    const key = monitoringObjectKeys.baseline(model, version);
    // IfNoneMatch: '*' refuses a key that exists; no await between the check and the write.
    if (!replace && this.objects.has(key)) return undefined;
    return this.put(key, JSON.stringify(profile));
  }

  async putCheckPlan(monitor: string, checkId: string, plan: CheckPlan, chunks: readonly unknown[]): Promise<string> {
    this.put(monitoringObjectKeys.checkPlan(monitor, checkId), JSON.stringify(plan));
    const manifestKey = monitoringObjectKeys.manifest(monitor, checkId);
    this.put(manifestKey, JSON.stringify(chunks));
    return manifestKey;
  }

  async getCheckPlan(monitor: string, checkId: string): Promise<CheckPlan | undefined> {
    return this.getJson(monitoringObjectKeys.checkPlan(monitor, checkId)) as CheckPlan | undefined;
  }

  async putChunkResult(monitor: string, checkId: string, index: number, result: ChunkResult): Promise<void> {
    this.put(monitoringObjectKeys.chunkResult(monitor, checkId, index), JSON.stringify(result));
  }

  /** Only chunks `0..chunks - 1`: sketches an earlier run left beyond them are not this run's. */
  async listChunkResults(monitor: string, checkId: string, chunks: number): Promise<ChunkResult[]> {
    return Array.from(
      { length: chunks },
      (_, index) => this.getJson(monitoringObjectKeys.chunkResult(monitor, checkId, index)) as ChunkResult | undefined,
    ).filter((result): result is ChunkResult => result !== undefined);
  }

  async putReport(report: DriftCheckReport, html: string): Promise<{ readonly json: string; readonly html: string }> {
    const base = monitoringObjectKeys.report(report.monitor, report.checkId);
    const htmlUri = this.put(`${base}.html`, html);
    return { json: this.put(`${base}.json`, JSON.stringify(report)), html: htmlUri };
  }

  async getReport(monitor: string, checkId: string): Promise<DriftCheckReport | undefined> {
    return this.getJson(`${monitoringObjectKeys.report(monitor, checkId)}.json`) as DriftCheckReport | undefined;
  }

  /** The manifest a fanned-out check wrote: its chunks. */
  manifest(key: string): unknown {
    return this.getJson(key);
  }

  private put(key: string, body: string): string {
    this.objects.set(key, body);
    this.writes.push(key);
    return this.uri(key);
  }

  private getJson(key: string): unknown {
    const body = this.objects.get(key);
    return body === undefined ? undefined : JSON.parse(body);
  }
}

/** Capture files in any number of buckets; `create` writes to the monitoring bucket. */
export class InMemoryCaptureStore implements CaptureStore {
  readonly buckets = new Map<string, Map<string, string>>();
  /** Every key `create` wrote, in order. */
  readonly created: string[] = [];
  private readonly vanishing = new Set<string>();

  constructor(readonly bucketName = 'monitoring-bucket') {
    this.buckets.set(bucketName, new Map());
  }

  /** Puts a capture file (creating its bucket), as SageMaker or an earlier `CollectData` did. */
  add(bucket: string, key: string, body: string): this {
    const objects = this.buckets.get(bucket) ?? new Map<string, string>();
    objects.set(key, body);
    this.buckets.set(bucket, objects);
    return this;
  }

  /** The file stays listed but is gone when read, as one that expires between the listing and the read. */
  vanishOnRead(bucket: string, key: string): this {
    this.vanishing.add(`${bucket}/${key}`);
    return this;
  }

  /** Files right under the prefix's hour folders, or under one variant folder's, that overlap `[start, end)`. */
  async list(location: { readonly bucket: string; readonly prefix: string }, start: number, end: number): Promise<CaptureObject[] | undefined> {
    const objects = this.buckets.get(location.bucket);
    if (!objects) return undefined;
    const under = [...objects.keys()].filter((key) => key.startsWith(location.prefix)).map((key) => key.slice(location.prefix.length));
    const folders = [...new Set(under.filter((rest) => rest.includes('/')).map((rest) => rest.slice(0, rest.indexOf('/') + 1)))];
    const roots = folders.length === 0 || folders.some(isYearFolder) ? [''] : folders;
    const hours = hourFolders(start, end);
    return under
      .filter((rest) => roots.some((root) => hours.some((hour) => rest.startsWith(root + hour))))
      .sort()
      .map((rest) => {
        const key = location.prefix + rest;
        return { bucket: location.bucket, key, size: Buffer.byteLength(objects.get(key)!, 'utf8') };
      });
  }

  async read(object: { readonly bucket: string; readonly key: string }): Promise<string | undefined> {
    if (this.vanishing.has(`${object.bucket}/${object.key}`)) return undefined;
    return this.buckets.get(object.bucket)?.get(object.key);
  }

  async create(key: string, body: string): Promise<boolean> {
    const objects = this.buckets.get(this.bucketName)!;
    if (objects.has(key)) return false;
    objects.set(key, body);
    this.created.push(key);
    return true;
  }
}

/** The registry as monitoring sees it: which versions exist, where aliases point. */
export class InMemoryModelVersions implements ModelVersions {
  readonly versions = new Set<string>();
  readonly aliases = new Map<string, number>();

  withVersion(model: string, version: number): this {
    this.versions.add(`${model}/${version}`);
    return this;
  }

  withAlias(model: string, alias: string, version: number): this {
    this.withVersion(model, version);
    this.aliases.set(`${model}/${alias}`, version);
    return this;
  }

  async exists(model: string, version: number): Promise<boolean> {
    return this.versions.has(`${model}/${version}`);
  }

  async aliasVersion(model: string, alias: string): Promise<number | undefined> {
    return this.aliases.get(`${model}/${alias}`);
  }
}

export class RecordingDriftMetrics implements DriftMetrics {
  readonly published: Array<{ readonly record: CheckRecord; readonly report: DriftCheckReport | undefined }> = [];

  async publish(record: CheckRecord, report: DriftCheckReport | undefined): Promise<void> {
    this.published.push({ record, report });
  }
}

export class RecordingMonitoringEvents implements MonitoringEvents {
  readonly published: Array<
    { type: 'DriftDetected'; detail: CheckRecord } | { type: 'RetrainRequested'; detail: { monitor: string; model: string; alarmTime: string } }
  > = [];

  async driftDetected(record: CheckRecord): Promise<void> {
    this.published.push({ type: 'DriftDetected', detail: record });
  }

  async retrainRequested(detail: { readonly monitor: string; readonly model: string; readonly alarmTime: string }): Promise<void> {
    this.published.push({ type: 'RetrainRequested', detail: { ...detail } });
  }
}

/** Every monitoring port, empty, with a clock at 2026-06-01 12:05 UTC (just after the scenarios' window). */
export function fakeMonitoring(clockStart = '2026-06-01T12:05:00.000Z') {
  return {
    store: new InMemoryMonitoringStore(),
    objects: new InMemoryMonitoringObjects(),
    capture: new InMemoryCaptureStore(),
    versions: new InMemoryModelVersions(),
    metrics: new RecordingDriftMetrics(),
    events: new RecordingMonitoringEvents(),
    clock: new FakeClock(clockStart),
  };
}
