import type * as z from 'zod/mini';
import type { Clock } from '../../shared/clock';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { toStorableNumber } from '../../shared/schema-fields';
import { addCaptureFile, type CaptureTally, emptyTally } from './capture/capture-file';
import { windowDrift } from './drift/dataset-drift';
import type { DriftPolicy } from './drift/drift-policy';
import type { CheckRecord } from './model';
import type { CaptureObject, CaptureStore, ChunkResult, DriftMetrics, ModelVersions, MonitoringEvents, MonitoringObjects, MonitoringStore } from './ports';
import type { BaselineProfile } from './profile/baseline-profile';
import { emptyWindow, mergeWindows, type WindowSketch } from './profile/window-sketch';
import { windowFromWire, windowToWire } from './profile/window-wire';
import type { DriftCheckReport } from './report/drift-check-report';
import { renderHtmlReport } from './report/html-report';
import type { CheckDriftRequest, MonitorConfig, SketchChunkRequest } from './schemas';

export type Config = z.output<typeof MonitorConfig>;

export interface CheckDriftDeps {
  readonly capture: CaptureStore;
  readonly objects: MonitoringObjects;
  readonly store: MonitoringStore;
  readonly versions: ModelVersions;
  readonly metrics: DriftMetrics;
  readonly events: MonitoringEvents;
  readonly clock: Clock;
  /** Windows up to this many bytes of capture files are checked in one function call. */
  readonly inlineWindowBytes: number;
}

/** The step's answer to the state machine: checked already, or fan out over the manifest's chunks. */
export type CheckStep =
  | { readonly status: 'done'; readonly checkId: string; readonly config: Config; readonly check: CheckSummary }
  | { readonly status: 'fanOut'; readonly checkId: string; readonly config: Config; readonly manifestKey: string; readonly chunks: number };

/** What a state machine execution shows of a check; the record and report hold the rest (state payloads are capped at 256 KB). */
export type CheckSummary = Pick<CheckRecord, 'status' | 'records' | 'driftShare' | 'reportUri' | 'htmlReportUri'> & { readonly driftedFeatures: number };

const summaryOf = ({ status, records, driftShare, driftedFeatures, reportUri, htmlReportUri }: CheckRecord): CheckSummary => ({
  status,
  records,
  driftShare,
  driftedFeatures: driftedFeatures.length,
  reportUri,
  htmlReportUri,
});

/** A chunk of a fanned-out check; the manifest lists them for the Distributed Map. */
export interface Chunk {
  readonly index: number;
  readonly version: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly keys: readonly string[];
}

/** Capture objects per chunk: each `SketchCaptureChunk` call reads about a quarter of the inline limit. */
const CHUNK_SHARE_OF_INLINE = 4;
const MAX_KEYS_PER_CHUNK = 1000;

export function checkDrift(deps: CheckDriftDeps) {
  const baselineOf = (config: Config, version: number) => requireBaseline(deps.objects, config.model, version);

  async function plan(config: Config, windowEndIso: string): Promise<CheckStep> {
    const end = Math.floor(Date.parse(windowEndIso) / 60_000) * 60_000;
    const start = end - config.windowMinutes * 60_000;
    const checkId = checkIdOf(end);
    const version = await versionOf(deps.versions, config);
    const baseline = await baselineOf(config, version);
    const objects = await deps.capture.list(config.capture, start, end);
    if (!objects) throw ValidationError.of('config.capture.bucket', `names bucket ${config.capture.bucket}, which does not exist`);
    const bytes = objects.reduce((total, object) => total + object.size, 0);
    const window = { version, windowStart: new Date(start).toISOString(), windowEnd: new Date(end).toISOString() };
    if (bytes <= deps.inlineWindowBytes) {
      const sketch = emptyWindow(baseline);
      const tally = emptyTally();
      for (const object of objects) {
        const text = await deps.capture.read(object);
        // Listed a moment ago: gone since (expired, deleted). Checking the window without it would be checking another window.
        if (text === undefined) throw new NotFoundError(`capture file s3://${object.bucket}/${object.key} disappeared during the check; run it again`);
        addCaptureFile(sketch, text, { start, end }, tally);
      }
      const check = await finishCheck(config, checkId, window, baseline, sketch, tally, objects.length);
      return { status: 'done', checkId, config, check: summaryOf(check) };
    }
    const chunks = chunksOf(objects, deps.inlineWindowBytes / CHUNK_SHARE_OF_INLINE).map((keys, index): Chunk => ({ index, ...window, keys }));
    const manifestKey = await deps.objects.putCheckPlan(config.monitor, checkId, { ...window, objects: objects.length, bytes, chunks: chunks.length }, chunks);
    return { status: 'fanOut', checkId, config, manifestKey, chunks: chunks.length };
  }

  /** Merges the chunks' sketches of a fanned-out check and checks the whole window. */
  async function finish(config: Config, checkId: string): Promise<CheckStep> {
    const checkPlan = await deps.objects.getCheckPlan(config.monitor, checkId);
    if (!checkPlan) throw new NotFoundError(`check ${checkId} of monitor ${config.monitor} was not planned`);
    const baseline = await baselineOf(config, checkPlan.version);
    const results = await deps.objects.listChunkResults(config.monitor, checkId, checkPlan.chunks);
    if (results.length !== checkPlan.chunks) throw new Error(`check ${checkId} has ${results.length} of ${checkPlan.chunks} chunk sketches`);
    const sketch = results.map((result) => windowFromWire(baseline, result.sketch)).reduce(mergeWindows, emptyWindow(baseline));
    const tally = results.reduce(
      (total, { tally: part }) => ({
        records: total.records + part.records,
        outsideWindow: total.outsideWindow + part.outsideWindow,
        unreadable: total.unreadable + part.unreadable,
      }),
      emptyTally(),
    );
    const check = await finishCheck(config, checkId, checkPlan, baseline, sketch, tally, checkPlan.objects);
    return { status: 'done', checkId, config, check: summaryOf(check) };
  }

  async function finishCheck(
    config: Config,
    checkId: string,
    window: { readonly version: number; readonly windowStart: string; readonly windowEnd: string },
    baseline: BaselineProfile,
    sketch: WindowSketch,
    tally: CaptureTally,
    objects: number,
  ): Promise<CheckRecord> {
    const drift = windowDrift(baseline, sketch, policyOf(config));
    const report: DriftCheckReport = {
      monitor: config.monitor,
      checkId,
      model: { name: config.model, version: window.version },
      window: { start: window.windowStart, end: window.windowEnd },
      createdAt: deps.clock.now().toISOString(),
      capture: { ...tally, objects },
      drift,
    };
    const uris = await deps.objects.putReport(report, renderHtmlReport(report));
    const enough = sketch.rows >= config.minRecords;
    const record: CheckRecord = {
      monitor: config.monitor,
      checkId,
      model: config.model,
      version: window.version,
      windowStart: window.windowStart,
      windowEnd: window.windowEnd,
      checkedAt: report.createdAt,
      status: !enough ? 'insufficient_data' : drift.datasetDrift ? 'drift' : 'no_drift',
      records: sketch.rows,
      driftShare: drift.driftShare,
      driftedFeatures: drift.driftedFeatures,
      features: drift.features.map((feature) => ({
        feature: feature.feature,
        method: feature.decidedBy,
        score: toStorableNumber(feature.scores.find((score) => score.method === feature.decidedBy)?.score ?? Number.NaN),
        status: feature.status,
      })),
      reportUri: uris.json,
      htmlReportUri: uris.html,
    };
    await deps.store.recordCheck(record);
    await deps.metrics.publish(record, enough ? report : undefined);
    // Any drifted feature is news to someone (its owner, a dashboard); the dataset verdict, which
    // the alarm and retraining follow, travels in the event.
    if (enough && record.driftedFeatures.length > 0) await deps.events.driftDetected(record);
    return record;
  }

  return (request: z.output<typeof CheckDriftRequest>): Promise<CheckStep> =>
    request.phase === 'plan' ? plan(request.config, request.windowEnd) : finish(request.config, request.checkId);
}

/** One chunk of a fanned-out check (an item of the Distributed Map): sketches its capture files and stores the sketch. */
export function sketchCaptureChunk(deps: Pick<CheckDriftDeps, 'capture' | 'objects'>) {
  return async (request: z.output<typeof SketchChunkRequest>): Promise<{ readonly records: number }> => {
    const { config, checkId, chunk } = request;
    const baseline = await requireBaseline(deps.objects, config.model, chunk.version);
    const sketch = emptyWindow(baseline);
    const tally = emptyTally();
    const window = { start: Date.parse(chunk.windowStart), end: Date.parse(chunk.windowEnd) };
    for (const [index, key] of chunk.keys.entries()) {
      const text = await deps.capture.read({ bucket: config.capture.bucket, key });
      if (text === undefined) throw ValidationError.of(`chunk.keys[${index}]`, `is not an object of bucket ${config.capture.bucket}`);
      addCaptureFile(sketch, text, window, tally);
    }
    const result: ChunkResult = { sketch: windowToWire(sketch), tally };
    await deps.objects.putChunkResult(config.monitor, checkId, chunk.index, result);
    return { records: tally.records };
  };
}

async function requireBaseline(objects: MonitoringObjects, model: string, version: number): Promise<BaselineProfile> {
  const baseline = await objects.getBaseline(model, version);
  if (!baseline) throw new NotFoundError(`model ${model} version ${version} has no baseline; register one with mlops monitor baseline`);
  return baseline;
}

export async function versionOf(versions: ModelVersions, config: Pick<Config, 'model' | 'version' | 'alias'>): Promise<number> {
  if (config.version !== undefined) return config.version;
  const version = await versions.aliasVersion(config.model, config.alias!);
  if (version === undefined) throw new NotFoundError(`model ${config.model} has no alias ${config.alias}`);
  return version;
}

export const policyOf = (config: Config): DriftPolicy => ({
  thresholds: config.thresholds,
  numericMethod: config.numericMethod,
  categoricalMethod: config.categoricalMethod,
});

/** Checks are named by their window's end, so a rerun of a window replaces its check. */
export const checkIdOf = (end: number) =>
  new Date(end)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Groups capture objects into chunks of about `chunkBytes` (an object larger than that is a chunk alone). */
function chunksOf(objects: readonly CaptureObject[], chunkBytes: number): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const object of objects) {
    if (current.length > 0 && (bytes + object.size > chunkBytes || current.length >= MAX_KEYS_PER_CHUNK)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(object.key);
    bytes += object.size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
