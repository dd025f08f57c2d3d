import { type CheckStep, type Chunk, checkDrift, sketchCaptureChunk } from '../../../../lambda/monitoring/core/check-drift';
import { CheckDriftRequest, type MonitorConfig, SketchChunkRequest } from '../../../../lambda/monitoring/core/schemas';
import { NotFoundError, ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import type { Row } from '../../../cli/fixtures/monitor/drift-data';
import { fakeMonitoring } from '../fakes';
import {
  baselineOf,
  CAPTURE_PREFIX,
  CHECK_ID,
  collectedFile,
  HOUR_FOLDER,
  MODEL,
  MONITOR,
  MONITORING_BUCKET,
  monitorConfig,
  SHIFTED,
  STABLE,
  TRAINING,
  VERSION,
  WINDOW_END,
} from '../handlers/handler-scenarios';

/** Windows up to this size are checked in one call; the scenarios' windows (about 60 KB) are below it. */
const INLINE_BYTES = 1024 * 1024;
const BASELINE = baselineOf(TRAINING);

async function refusalOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal, got an answer');
}

/** Version 3 of `churn` with its baseline, an alias `prod` at it, and no capture files yet. */
async function setUp(inlineWindowBytes = INLINE_BYTES) {
  const fakes = fakeMonitoring();
  fakes.versions.withVersion(MODEL, VERSION).withAlias(MODEL, 'prod', VERSION);
  await fakes.objects.putBaseline(MODEL, VERSION, BASELINE, false);
  fakes.objects.writes.length = 0;
  const check = checkDrift({ ...fakes, inlineWindowBytes });
  const sketchChunk = sketchCaptureChunk(fakes);
  /** Capture files of `rows`, `perFile` records each, in the window's hour folder. */
  const captured = (rows: readonly Row[], perFile = rows.length) => {
    const keys: string[] = [];
    for (let start = 0; start < rows.length; start += perFile) {
      const key = `${HOUR_FOLDER}batch-${String(start).padStart(5, '0')}.jsonl`;
      fakes.capture.add(MONITORING_BUCKET, key, collectedFile(rows.slice(start, start + perFile)));
      keys.push(key);
    }
    return keys;
  };
  const plan = (config: Partial<MonitorConfig> = {}, windowEnd = WINDOW_END) =>
    check(parseRequest(CheckDriftRequest, { phase: 'plan', config: monitorConfig(config), windowEnd }));
  const finish = (checkId = CHECK_ID) => check(parseRequest(CheckDriftRequest, { phase: 'finish', config: monitorConfig(), checkId }));
  /** Nothing recorded, stored, published or sent since the arrangement. */
  const nothingWritten = () => {
    expect(fakes.store.writes).toEqual([]);
    expect(fakes.objects.writes).toEqual([]);
    expect(fakes.metrics.published).toEqual([]);
    expect(fakes.events.published).toEqual([]);
  };
  return { ...fakes, captured, plan, finish, sketchChunk, nothingWritten };
}

const done = (step: CheckStep) => {
  if (step.status !== 'done') throw new Error(`expected a check done, got ${step.status}`);
  return step;
};

describe('checkDrift', () => {
  describe('a window checked at once', () => {
    it("records a window without drift as no_drift, the check and the monitor's latest, and answers a summary", async () => {
      const { store, clock, captured, plan } = await setUp();
      captured(STABLE);

      const step = done(await plan());

      const reportUri = `s3://${MONITORING_BUCKET}/reports/${MONITOR}/${CHECK_ID}`;
      expect(step.checkId).toBe(CHECK_ID);
      expect(step.check).toEqual({
        status: 'no_drift',
        records: 200,
        driftShare: 0,
        driftedFeatures: 0,
        reportUri: `${reportUri}.json`,
        htmlReportUri: `${reportUri}.html`,
      });
      const record = await store.getCheck(MONITOR, CHECK_ID);
      expect(record).toMatchObject({
        monitor: MONITOR,
        model: MODEL,
        version: VERSION,
        windowStart: '2026-06-01T11:00:00.000Z',
        windowEnd: WINDOW_END,
        checkedAt: clock.now().toISOString(),
      });
      expect(record?.features.map((feature) => feature.status)).toEqual(['stable', 'stable', 'stable', 'stable', 'stable']);
      expect(await store.latestCheck(MONITOR)).toEqual(record);
    });

    it('writes the report with the capture tally and publishes metrics with it, sending no event without drift', async () => {
      const { objects, metrics, events, clock, captured, plan } = await setUp();
      captured(STABLE, 50);

      await plan();

      const report = await objects.getReport(MONITOR, CHECK_ID);
      expect(report).toMatchObject({ monitor: MONITOR, checkId: CHECK_ID, model: { name: MODEL, version: VERSION }, createdAt: clock.now().toISOString() });
      expect(report?.capture).toEqual({ records: 200, outsideWindow: 0, unreadable: 0, objects: 4 });
      expect(objects.objects.get(`reports/${MONITOR}/${CHECK_ID}.html`)).toContain('<html');
      expect(metrics.published).toHaveLength(1);
      expect(metrics.published[0].report).toEqual(report);
      expect(events.published).toEqual([]);
    });

    it('flags exactly the shifted features and sends DriftDetected once with the record', async () => {
      const { store, events, captured, plan } = await setUp();
      captured(SHIFTED);

      const step = done(await plan());

      const record = await store.getCheck(MONITOR, CHECK_ID);
      expect(record?.driftedFeatures).toEqual(['income', 'plan']);
      expect(step.check.driftedFeatures).toBe(2);
      // 2 of 5 features: under the default drift share of 0.5, so no dataset drift.
      expect(step.check.status).toBe('no_drift');
      expect(events.published).toEqual([{ type: 'DriftDetected', detail: record }]);
    });

    it('records dataset drift when the drifted share reaches the threshold', async () => {
      const { store, captured, plan } = await setUp();
      captured(SHIFTED);

      const step = done(await plan({ thresholds: { driftShare: 0.4 } }));

      expect(step.check).toMatchObject({ status: 'drift', driftShare: 0.4 });
      expect((await store.getCheck(MONITOR, CHECK_ID))?.status).toBe('drift');
    });

    it('gives a window under the minimum of records no verdict: recorded as insufficient_data, metrics without a report, no event', async () => {
      const { store, metrics, events, captured, plan } = await setUp();
      captured(SHIFTED);

      const step = done(await plan({ minRecords: 201 }));

      expect(step.check.status).toBe('insufficient_data');
      expect((await store.getCheck(MONITOR, CHECK_ID))?.status).toBe('insufficient_data');
      expect(metrics.published.map((published) => published.report)).toEqual([undefined]);
      expect(events.published).toEqual([]);
    });

    it('checks an empty window as insufficient_data with zero records', async () => {
      const { plan } = await setUp();

      const step = done(await plan());

      expect(step.check).toMatchObject({ status: 'insufficient_data', records: 0 });
    });

    it("names the check by its window's end to the minute, whatever the seconds of the schedule's time", async () => {
      const { captured, plan } = await setUp();
      captured(STABLE);

      const step = await plan({}, '2026-06-01T12:00:42.512Z');

      expect(step.checkId).toBe(CHECK_ID);
    });

    it('checks a monitor that follows an alias against the baseline of the version the alias points at now', async () => {
      const { store, versions, objects, captured, plan } = await setUp();
      captured(STABLE);
      versions.withAlias(MODEL, 'prod', 4);
      await objects.putBaseline(MODEL, 4, BASELINE, false);

      await plan({ version: undefined, alias: 'prod' });

      expect((await store.getCheck(MONITOR, CHECK_ID))?.version).toBe(4);
    });

    it("keeps a later window's check as the monitor's latest when an earlier window is checked after it", async () => {
      const { store, captured, plan } = await setUp();
      captured(STABLE);
      await plan({}, '2026-06-01T12:30:00.000Z');

      await plan();

      expect((await store.latestCheck(MONITOR))?.windowEnd).toBe('2026-06-01T12:30:00.000Z');
      expect(await store.getCheck(MONITOR, CHECK_ID)).toBeDefined();
    });

    it('fails with NotFoundError naming the alias when the model has no such alias, writing nothing', async () => {
      const { captured, plan, nothingWritten } = await setUp();
      captured(STABLE);

      const error = await refusalOf(plan({ version: undefined, alias: 'staging' }));

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(`model ${MODEL} has no alias staging`);
      nothingWritten();
    });

    it('fails with NotFoundError naming the version and how to register a baseline when it has none, writing nothing', async () => {
      const { captured, plan, nothingWritten } = await setUp();
      captured(STABLE);

      const error = await refusalOf(plan({ version: 7 }));

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(`model ${MODEL} version 7 has no baseline; register one with mlops monitor baseline`);
      nothingWritten();
    });

    it('fails with ValidationError at config.capture.bucket when the capture bucket does not exist, writing nothing', async () => {
      const { plan, nothingWritten } = await setUp();

      const error = await refusalOf(plan({ capture: { bucket: 'no-such-bucket', prefix: CAPTURE_PREFIX } }));

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'config.capture.bucket', message: 'names bucket no-such-bucket, which does not exist' }]);
      nothingWritten();
    });

    it('fails with NotFoundError when a listed capture file is gone when read, rather than checking another window, writing nothing', async () => {
      const { capture, captured, plan, nothingWritten } = await setUp();
      const [, second] = captured(STABLE, 100);
      capture.vanishOnRead(MONITORING_BUCKET, second);

      const error = await refusalOf(plan());

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toContain(`s3://${MONITORING_BUCKET}/${second} disappeared during the check`);
      nothingWritten();
    });
  });

  describe('a window fanned out', () => {
    /** A limit well under the size of a window of 200 records in 8 files: it fans out into several chunks. */
    const FAN_OUT_BYTES = 20_000;

    async function sketchAll(fakes: Awaited<ReturnType<typeof setUp>>, manifestKey: string) {
      for (const chunk of fakes.objects.manifest(manifestKey) as Chunk[]) {
        await fakes.sketchChunk(parseRequest(SketchChunkRequest, { config: monitorConfig(), checkId: CHECK_ID, chunk }));
      }
    }

    it('writes the plan and a manifest listing every capture file once, and answers fanOut; nothing is checked yet', async () => {
      const fakes = await setUp(FAN_OUT_BYTES);
      const keys = fakes.captured(SHIFTED, 25);

      const step = await fakes.plan();

      if (step.status !== 'fanOut') throw new Error(`expected fanOut, got ${step.status}`);
      const chunks = fakes.objects.manifest(step.manifestKey) as Chunk[];
      expect(step.chunks).toBe(chunks.length);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.flatMap((chunk) => chunk.keys)).toEqual(keys);
      expect(chunks.every((chunk, index) => chunk.index === index && chunk.version === VERSION && chunk.windowEnd === WINDOW_END)).toBe(true);
      expect(await fakes.objects.getCheckPlan(MONITOR, CHECK_ID)).toMatchObject({ version: VERSION, objects: keys.length, chunks: chunks.length });
      expect(fakes.store.writes).toEqual([]);
      expect(fakes.metrics.published).toEqual([]);
    });

    it('finishes by merging the chunk sketches into the verdict a check done at once gives', async () => {
      const inline = await setUp();
      inline.captured(SHIFTED, 25);
      const atOnce = done(await inline.plan());
      const fanned = await setUp(FAN_OUT_BYTES);
      fanned.captured(SHIFTED, 25);
      const step = await fanned.plan();
      if (step.status !== 'fanOut') throw new Error(`expected fanOut, got ${step.status}`);
      await sketchAll(fanned, step.manifestKey);

      const finished = done(await fanned.finish());

      expect(finished.check).toEqual(atOnce.check);
      expect(await fanned.store.getCheck(MONITOR, CHECK_ID)).toEqual(await inline.store.getCheck(MONITOR, CHECK_ID));
      expect(fanned.events.published).toHaveLength(1);
    });

    it("fails at the finish when a chunk's sketch is missing, recording and publishing nothing", async () => {
      const fakes = await setUp(FAN_OUT_BYTES);
      fakes.captured(SHIFTED, 25);
      await fakes.plan();
      fakes.objects.writes.length = 0;

      const error = await refusalOf(fakes.finish());

      expect(error).not.toBeInstanceOf(ValidationError);
      expect(error).not.toBeInstanceOf(NotFoundError);
      expect(error.message).toMatch(/^check 20260601T120000Z has 0 of \d+ chunk sketches$/);
      fakes.nothingWritten();
    });

    it('fails with NotFoundError when finishing a check that was never planned, writing nothing', async () => {
      const { finish, nothingWritten } = await setUp(FAN_OUT_BYTES);

      const error = await refusalOf(finish('20260601T130000Z'));

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(`check 20260601T130000Z of monitor ${MONITOR} was not planned`);
      nothingWritten();
    });

    it('fails with ValidationError at chunk.keys[i] when a chunk names a key the capture bucket does not have, storing no sketch', async () => {
      const { sketchChunk, captured, nothingWritten } = await setUp(FAN_OUT_BYTES);
      const [key] = captured(STABLE);
      const chunk = { index: 0, version: VERSION, windowStart: '2026-06-01T11:00:00.000Z', windowEnd: WINDOW_END, keys: [key, `${HOUR_FOLDER}missing.jsonl`] };

      const error = await refusalOf(sketchChunk(parseRequest(SketchChunkRequest, { config: monitorConfig(), checkId: CHECK_ID, chunk })));

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['chunk.keys[1]']);
      nothingWritten();
    });
  });
});
