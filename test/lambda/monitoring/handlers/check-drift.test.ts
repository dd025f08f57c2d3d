import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { monitoringObjectKeys } from '../../../../lambda/monitoring/adapters/s3-monitoring-objects';
import { CHECK_TTL_DAYS, monitoringKeys } from '../../../../lambda/monitoring/adapters/table-keys';
import type { Chunk } from '../../../../lambda/monitoring/core/check-drift';
import type { CheckRecord } from '../../../../lambda/monitoring/core/model';
import type { DriftCheckReport } from '../../../../lambda/monitoring/core/report/drift-check-report';
import { generateRows } from '../../../cli/fixtures/monitor/drift-data';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import {
  clearSentCommands,
  eventsMock,
  FUNCTION_ENVIRONMENT,
  inputsOf,
  invoke,
  type PlatformFakes,
  REQUEST_ID,
  resetSdkMocks,
  sentCommands,
  thrownBy,
} from '../../handler-support/sdk-mocks';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';
import {
  CAPTURE_PREFIX,
  CHECK_ID,
  captured,
  checkDriftScenarios,
  collectedFile,
  HOUR_FOLDER,
  INFERENCE_TIME,
  MODEL,
  MONITOR,
  MONITORING_BUCKET,
  manifestOf,
  monitorConfig,
  registeredWithBaseline,
  SHIFTED,
  STABLE,
  sageMakerCaptureFile,
  storedState,
  VERSION,
  WINDOW_END,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(checkDriftScenarios, name);

const WINDOW_START = '2026-06-01T11:00:00.000Z';
const REPORT_KEY = monitoringObjectKeys.report(MONITOR, CHECK_ID);
const REPORT_URI = `s3://${MONITORING_BUCKET}/reports/${MONITOR}/${CHECK_ID}.json`;
const HTML_REPORT_URI = `s3://${MONITORING_BUCKET}/reports/${MONITOR}/${CHECK_ID}.html`;
const FEATURE_NAMES = ['age', 'income', 'score', 'tenure', 'plan'];
/** The deciding methods at this baseline's size (1000 rows): the tests, not the distances. */
const METHODS: Record<string, string> = { age: 'ks', income: 'ks', score: 'ks', tenure: 'ks', plan: 'chi_square' };

const plan = (overrides: Parameters<typeof monitorConfig>[0] = {}, windowEnd = WINDOW_END) => ({ phase: 'plan', config: monitorConfig(overrides), windowEnd });
const finish = (checkId = CHECK_ID) => ({ phase: 'finish', config: monitorConfig(), checkId });

const checkItem = (fakes: PlatformFakes, checkId = CHECK_ID) =>
  fakes.monitoring.get(monitoringKeys.check(MONITOR, checkId)) as (CheckRecord & Record<string, unknown>) | undefined;
const latestItem = (fakes: PlatformFakes) => fakes.monitoring.get(monitoringKeys.latest(MONITOR)) as (CheckRecord & Record<string, unknown>) | undefined;
const reportOf = (fakes: PlatformFakes, checkId = CHECK_ID): DriftCheckReport =>
  JSON.parse(fakes.s3.get(MONITORING_BUCKET, `${monitoringObjectKeys.report(MONITOR, checkId)}.json`)!);
const eventDetails = () => inputsOf('PutEventsCommand').flatMap((input) => input.Entries.map((entry: { Detail: string }) => JSON.parse(entry.Detail)));
const metricData = () => inputsOf('PutMetricDataCommand').flatMap((input) => input.MetricData as Record<string, any>[]);
const statuses = (record: CheckRecord) => Object.fromEntries(record.features.map((feature) => [feature.feature, feature.status]));

/** The scenarios' fanned-out window, and one as large with `income` and `plan` shifted. */
const LARGE_STABLE = () => generateRows(1000, 4, false);
const LARGE_SHIFTED = () => generateRows(1000, 6, true);

/**
 * The check the handler makes of a window at once, in a module registry of its own whose
 * environment lets a window of any size be checked inline (the handler reads it at cold start).
 */
async function checkedAtOnce(arrange: (fakes: PlatformFakes) => void): Promise<{ record: CheckRecord; report: DriftCheckReport }> {
  let outcome: { record: CheckRecord; report: DriftCheckReport } | undefined;
  await jest.isolateModulesAsync(async () => {
    const mocks: typeof import('../../handler-support/sdk-mocks') = require('../../handler-support/sdk-mocks');
    const fakes = mocks.resetSdkMocks();
    arrange(fakes);
    process.env.INLINE_WINDOW_BYTES = String(1 << 30);
    try {
      const step = await mocks.invoke('CheckDrift', plan());
      expect(step).toMatchObject({ status: 'done' });
    } finally {
      process.env.INLINE_WINDOW_BYTES = FUNCTION_ENVIRONMENT.INLINE_WINDOW_BYTES;
    }
    outcome = { record: checkItem(fakes)!, report: reportOf(fakes) };
  });
  return outcome!;
}

/** Plans a check, sketches its chunks with the SketchCaptureChunk handler as the Distributed Map would, and returns the plan's answer. */
async function planAndSketch(fakes: PlatformFakes): Promise<Record<string, any>> {
  const planned = (await invoke('CheckDrift', plan())) as Record<string, any>;
  expect(planned.status).toBe('fanOut');
  for (const chunk of manifestOf(fakes.s3)) await invoke('SketchCaptureChunk', { config: planned.config, checkId: planned.checkId, chunk });
  return planned;
}

describe('CheckDrift handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
  });

  describe('a window checked at once', () => {
    it('answers the state machine with the check done, its config with defaults filled in, and a summary of the check', async () => {
      const { result } = await runScenario('CheckDrift', scenario('a window without drift, checked at once'));

      expect(result).toEqual({
        status: 'done',
        checkId: CHECK_ID,
        config: {
          ...monitorConfig(),
          minRecords: 50,
          thresholds: { ksPValue: 0.05, chiSquarePValue: 0.05, psi: 0.1, jensenShannon: 0.1, wasserstein: 0.1, driftShare: 0.5 },
          numericMethod: 'auto',
          categoricalMethod: 'auto',
        },
        check: { status: 'no_drift', records: 200, driftShare: 0, driftedFeatures: 0, reportUri: REPORT_URI, htmlReportUri: HTML_REPORT_URI },
      });
    });

    it("records a window without drift as no_drift, every feature stable, as the check and as the monitor's latest", async () => {
      const { fakes } = await runScenario('CheckDrift', scenario('a window without drift, checked at once'));

      const check = checkItem(fakes)!;
      expect(check).toMatchObject({
        ...monitoringKeys.check(MONITOR, CHECK_ID),
        monitor: MONITOR,
        checkId: CHECK_ID,
        model: MODEL,
        version: VERSION,
        windowStart: WINDOW_START,
        windowEnd: WINDOW_END,
        status: 'no_drift',
        records: 200,
        driftShare: 0,
        driftedFeatures: [],
        reportUri: REPORT_URI,
        htmlReportUri: HTML_REPORT_URI,
      });
      expect(check.features).toEqual(FEATURE_NAMES.map((feature) => ({ feature, method: METHODS[feature], score: expect.any(Number), status: 'stable' })));
      // The check expires; the latest, which the monitor list reads, does not.
      expect(check.expiresAt).toBe(Math.floor(Date.parse(check.checkedAt) / 1000) + CHECK_TTL_DAYS * 86_400);
      const { pk: _pk, sk: _sk, expiresAt: _expiresAt, ...record } = check;
      expect(latestItem(fakes)).toEqual({ ...monitoringKeys.latest(MONITOR), ...record });
      expect(fakes.monitoring.all()).toHaveLength(2);
    });

    it('writes the JSON and HTML reports: what was read, and the verdict on every feature', async () => {
      const { fakes } = await runScenario('CheckDrift', scenario('a window without drift, checked at once'));

      const report = reportOf(fakes);
      expect(report).toMatchObject({
        monitor: MONITOR,
        checkId: CHECK_ID,
        model: { name: MODEL, version: VERSION },
        window: { start: WINDOW_START, end: WINDOW_END },
        createdAt: checkItem(fakes)!.checkedAt,
        capture: { records: 200, outsideWindow: 0, unreadable: 0, objects: 2 },
        drift: { driftedFeatures: [], driftShare: 0, datasetDrift: false, referenceRows: 1000, currentRows: 200 },
      });
      expect(report.drift.features.map((feature) => [feature.feature, feature.status, feature.decidedBy])).toEqual(
        FEATURE_NAMES.map((name) => [name, 'stable', METHODS[name]]),
      );
      const html = fakes.s3.get(MONITORING_BUCKET, `${REPORT_KEY}.html`)!;
      expect(html).toContain(`<h1>Drift report: ${MONITOR}</h1>`);
      for (const feature of FEATURE_NAMES) expect(html).toContain(feature);
      expect(inputsOf('PutObjectCommand').map((input) => [input.Key, input.ContentType])).toEqual([
        [`${REPORT_KEY}.html`, 'text/html; charset=utf-8'],
        [`${REPORT_KEY}.json`, 'application/json'],
      ]);
    });

    it("publishes DriftShare, DriftedFeatures, RecordsChecked and each feature's deciding score by method, all stamped with the window's end, and sends no event", async () => {
      const { fakes } = await runScenario('CheckDrift', scenario('a window without drift, checked at once'));

      const [request, ...others] = inputsOf('PutMetricDataCommand');
      expect(others).toEqual([]);
      expect(request.Namespace).toBe(FUNCTION_ENVIRONMENT.MONITORING_METRICS_NAMESPACE);
      const monitor = { Name: 'Monitor', Value: MONITOR };
      const timestamp = new Date(WINDOW_END);
      expect(request.MetricData).toEqual([
        { MetricName: 'RecordsChecked', Dimensions: [monitor], Timestamp: timestamp, Value: 200, Unit: 'Count' },
        { MetricName: 'DriftShare', Dimensions: [monitor], Timestamp: timestamp, Value: 0, Unit: 'None' },
        { MetricName: 'DriftedFeatures', Dimensions: [monitor], Timestamp: timestamp, Value: 0, Unit: 'Count' },
        ...FEATURE_NAMES.map((feature) => ({
          MetricName: 'FeatureDriftScore',
          Dimensions: [monitor, { Name: 'Feature', Value: feature }, { Name: 'Method', Value: METHODS[feature] }],
          Timestamp: timestamp,
          Value: expect.any(Number),
          Unit: 'None',
        })),
      ]);
      const scores = Object.fromEntries(checkItem(fakes)?.features.map((feature) => [feature.feature, feature.score]) ?? []);
      expect(request.MetricData.slice(3).map((datum: any) => datum.Value)).toEqual(FEATURE_NAMES.map((feature) => scores[feature]));
      expect(inputsOf('PutEventsCommand')).toEqual([]);
    });

    it('flags exactly the shifted features, income and plan, and sends DriftDetected with the dataset verdict (under the drift share threshold: no dataset drift)', async () => {
      const { result, fakes } = await runScenario('CheckDrift', scenario('a drifted window'));

      const check = checkItem(fakes)!;
      expect(check.driftedFeatures).toEqual(['income', 'plan']);
      expect(statuses(check)).toEqual({ age: 'stable', income: 'drifted', score: 'stable', tenure: 'stable', plan: 'drifted' });
      // Two of five features is a share of 0.4, under the default 0.5: no dataset drift.
      expect(check).toMatchObject({ status: 'no_drift', driftShare: 0.4 });
      expect(result).toMatchObject({ check: { status: 'no_drift', driftShare: 0.4, driftedFeatures: 2 } });
      expect(
        metricData()
          .filter((datum) => datum.MetricName !== 'FeatureDriftScore')
          .map((datum) => [datum.MetricName, datum.Value]),
      ).toEqual([
        ['RecordsChecked', 200],
        ['DriftShare', 0.4],
        ['DriftedFeatures', 2],
      ]);
      expect(inputsOf('PutEventsCommand')[0].Entries).toEqual([
        { EventBusName: FUNCTION_ENVIRONMENT.EVENT_BUS_NAME, Source: 'mlops-platform.monitoring', DetailType: 'DriftDetected', Detail: expect.any(String) },
      ]);
      expect(eventDetails()).toEqual([
        {
          monitor: MONITOR,
          checkId: CHECK_ID,
          model: MODEL,
          version: VERSION,
          windowStart: WINDOW_START,
          windowEnd: WINDOW_END,
          records: 200,
          datasetDrift: false,
          driftShare: 0.4,
          driftedFeatures: ['income', 'plan'],
          reportUri: REPORT_URI,
          htmlReportUri: HTML_REPORT_URI,
        },
      ]);
    });

    it('records dataset drift when the share of drifted features reaches the threshold, and says so in the event', async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, SHIFTED);

      const result = await invoke('CheckDrift', plan({ thresholds: { driftShare: 0.4 } }));

      expect(result).toMatchObject({ status: 'done', check: { status: 'drift', driftShare: 0.4, driftedFeatures: 2 } });
      expect(checkItem(fakes)).toMatchObject({ status: 'drift', driftedFeatures: ['income', 'plan'] });
      expect(eventDetails()).toEqual([
        expect.objectContaining({ datasetDrift: true, driftShare: 0.4, driftedFeatures: ['income', 'plan'], reportUri: REPORT_URI }),
      ]);
      expect(reportOf(fakes).drift).toMatchObject({ datasetDrift: true, thresholds: expect.objectContaining({ driftShare: 0.4 }) });
    });

    it('gives a quiet window no verdict: insufficient_data, only RecordsChecked published, no event, the check still recorded', async () => {
      const { result, fakes } = await runScenario('CheckDrift', scenario('a quiet window, too few records for a verdict'));

      expect(result).toMatchObject({ status: 'done', check: { status: 'insufficient_data', records: 10 } });
      expect(checkItem(fakes)).toMatchObject({ status: 'insufficient_data', records: 10 });
      expect(latestItem(fakes)).toMatchObject({ checkId: CHECK_ID, status: 'insufficient_data' });
      expect(metricData()).toEqual([
        { MetricName: 'RecordsChecked', Dimensions: [{ Name: 'Monitor', Value: MONITOR }], Timestamp: new Date(WINDOW_END), Value: 10, Unit: 'Count' },
      ]);
      expect(inputsOf('PutEventsCommand')).toEqual([]);
      expect(reportOf(fakes).capture).toEqual({ records: 10, outsideWindow: 0, unreadable: 0, objects: 1 });
    });

    it('checks an empty window: no capture files, insufficient_data with zero records', async () => {
      registeredWithBaseline(fakes);

      const result = await invoke('CheckDrift', plan());

      expect(result).toMatchObject({ status: 'done', check: { status: 'insufficient_data', records: 0, driftShare: 0, driftedFeatures: 0 } });
      expect(reportOf(fakes).capture).toEqual({ records: 0, outsideWindow: 0, unreadable: 0, objects: 0 });
      expect(metricData().map((datum) => [datum.MetricName, datum.Value])).toEqual([['RecordsChecked', 0]]);
      expect(inputsOf('PutEventsCommand')).toEqual([]);
    });

    it("counts records outside the window and unreadable lines in the report's capture tally, and checks only the window's records", async () => {
      registeredWithBaseline(fakes);
      // A 30-minute window, 11:30 to 12:00, reads the 11:00 hour folder, which holds records from before it too.
      const early = collectedFile(SHIFTED.slice(0, 40), '2026-06-01T11:10:00.000Z');
      const atEnd = collectedFile(SHIFTED.slice(40, 45), WINDOW_END);
      const inside = collectedFile(STABLE.slice(0, 60), INFERENCE_TIME);
      fakes.s3.put(MONITORING_BUCKET, `${HOUR_FOLDER}mixed.jsonl`, [early, inside, 'not json', '{"captureData":{}}', atEnd].join('\n'));

      const result = await invoke('CheckDrift', plan({ windowMinutes: 30 }));

      expect(reportOf(fakes)).toMatchObject({
        window: { start: '2026-06-01T11:30:00.000Z', end: WINDOW_END },
        capture: { records: 60, outsideWindow: 45, unreadable: 2, objects: 1 },
        drift: { currentRows: 60 },
      });
      expect(result).toMatchObject({ check: { status: 'no_drift', records: 60 } });
      expect(checkItem(fakes)).toMatchObject({ records: 60, windowStart: '2026-06-01T11:30:00.000Z', driftedFeatures: [] });
      expect(metricData().find((datum) => datum.MetricName === 'RecordsChecked')?.Value).toBe(60);
    });

    it('reads every hour folder a window overlaps, and no other', async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, STABLE.slice(0, 100));
      fakes.s3.put(MONITORING_BUCKET, `${CAPTURE_PREFIX}2026/06/01/10/early.jsonl`, collectedFile(STABLE.slice(0, 30), '2026-06-01T10:45:00.000Z'));
      fakes.s3.put(MONITORING_BUCKET, `${CAPTURE_PREFIX}2026/06/01/09/earlier.jsonl`, collectedFile(STABLE.slice(0, 30), '2026-06-01T09:45:00.000Z'));
      fakes.s3.put(MONITORING_BUCKET, `${CAPTURE_PREFIX}2026/06/01/12/later.jsonl`, collectedFile(STABLE.slice(0, 30), '2026-06-01T12:15:00.000Z'));

      await invoke('CheckDrift', plan({ windowMinutes: 90 }));

      const listed = inputsOf('ListObjectsV2Command').map((input) => [input.Prefix, input.Delimiter]);
      expect(listed).toEqual([
        [CAPTURE_PREFIX, '/'],
        [`${CAPTURE_PREFIX}2026/06/01/10/`, undefined],
        [`${CAPTURE_PREFIX}2026/06/01/11/`, undefined],
      ]);
      expect(reportOf(fakes).capture).toEqual({ records: 130, outsideWindow: 0, unreadable: 0, objects: 2 });
    });

    it("names the check by its window's end, to the minute", async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, STABLE);

      const result = await invoke('CheckDrift', plan({}, '2026-06-01T14:00:42.512+02:00'));

      expect(result).toMatchObject({ status: 'done', checkId: CHECK_ID });
      expect(checkItem(fakes)).toMatchObject({ windowStart: WINDOW_START, windowEnd: WINDOW_END, records: 200 });
    });
  });

  describe('which baseline', () => {
    it('checks a monitor that follows an alias against the baseline of the version the alias points at', async () => {
      registeredWithBaseline(fakes, 2);
      fakes.registry.put(registryItems.alias(MODEL, 'production', 2, 1));
      captured(fakes.s3, STABLE);

      const result = await invoke('CheckDrift', plan({ version: undefined, alias: 'production' }));

      expect(result).toMatchObject({ status: 'done', check: { status: 'no_drift', records: 200 } });
      expect(inputsOf('GetCommand')).toEqual([
        { TableName: FUNCTION_ENVIRONMENT.REGISTRY_TABLE_NAME, Key: { pk: `M#${MODEL}`, sk: 'A#production' }, ConsistentRead: true },
      ]);
      expect(inputsOf('GetObjectCommand')[0]).toEqual({ Bucket: MONITORING_BUCKET, Key: monitoringObjectKeys.baseline(MODEL, 2) });
      expect(checkItem(fakes)).toMatchObject({ version: 2 });
      expect(reportOf(fakes).model).toEqual({ name: MODEL, version: 2 });
    });

    it('resolves the alias afresh at each check: the version it points at now', async () => {
      const { fakes } = await runScenario('CheckDrift', scenario('a monitor following an alias'));
      expect(checkItem(fakes)).toMatchObject({ version: VERSION });
      registeredWithBaseline(fakes, 4);
      fakes.registry.put(registryItems.alias(MODEL, 'production', 4, 2));

      await invoke('CheckDrift', plan({ version: undefined, alias: 'production' }, '2026-06-01T12:30:00.000Z'));

      expect(checkItem(fakes, '20260601T123000Z')).toMatchObject({ version: 4 });
      expect(checkItem(fakes)).toMatchObject({ version: VERSION });
    });

    it('fails with NotFoundError naming the alias when the model has no such alias, writing nothing', async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, STABLE);
      const before = storedState(fakes);

      const error = await thrownBy(invoke('CheckDrift', plan({ version: undefined, alias: 'canary' })));

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(`model ${MODEL} has no alias canary`);
      expect(storedState(fakes)).toEqual(before);
      expect(sentCommands().map((command) => command.command)).toEqual(['GetCommand']);
    });

    it('fails with NotFoundError naming the version and how to register a baseline when it has none, writing nothing', async () => {
      fakes.registry.put(registryItems.version(MODEL, VERSION));
      captured(fakes.s3, STABLE);
      const before = storedState(fakes);

      const error = await thrownBy(invoke('CheckDrift', plan()));

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(`model ${MODEL} version ${VERSION} has no baseline; register one with mlops monitor baseline`);
      expect(storedState(fakes)).toEqual(before);
      expect(sentCommands().map((command) => command.command)).toEqual(['GetObjectCommand']);
    });
  });

  describe('SageMaker endpoint capture', () => {
    it('reads the variant folders of an endpoint capture, its base64 CSV rows in the order of the baseline features', async () => {
      const { result, fakes } = await runScenario('CheckDrift', scenario('a SageMaker endpoint capture with variant folders'));

      expect(inputsOf('ListObjectsV2Command').map((input) => input.Prefix)).toEqual([CAPTURE_PREFIX, `${CAPTURE_PREFIX}AllTraffic/2026/06/01/11/`]);
      expect(inputsOf('GetObjectCommand')[1]).toEqual({ Bucket: MONITORING_BUCKET, Key: `${CAPTURE_PREFIX}AllTraffic/2026/06/01/11/capture-1.jsonl` });
      expect(result).toMatchObject({ check: { records: 100 } });
      expect(checkItem(fakes)!.driftedFeatures).toEqual(['income', 'plan']);
      expect(reportOf(fakes).capture).toEqual({ records: 100, outsideWindow: 0, unreadable: 0, objects: 1 });
    });

    it('reads every variant of an endpoint', async () => {
      const baseline = registeredWithBaseline(fakes);
      const columns = baseline.features.map((feature) => feature.name);
      fakes.s3.put(MONITORING_BUCKET, `${CAPTURE_PREFIX}AllTraffic/2026/06/01/11/a.jsonl`, sageMakerCaptureFile(STABLE.slice(0, 100), columns));
      fakes.s3.put(MONITORING_BUCKET, `${CAPTURE_PREFIX}Canary/2026/06/01/11/b.jsonl`, sageMakerCaptureFile(STABLE.slice(100, 160), columns));

      const result = await invoke('CheckDrift', plan());

      expect(result).toMatchObject({ check: { status: 'no_drift', records: 160 } });
      expect(reportOf(fakes).capture).toMatchObject({ records: 160, objects: 2 });
    });
  });

  describe('a window too large for one call, fanned out', () => {
    it('writes the plan and a manifest of chunks, and answers fanOut with where the manifest is; nothing is checked yet', async () => {
      const { result, fakes } = await runScenario('CheckDrift', scenario('a window too large for one call, fanned out'));

      const manifestKey = monitoringObjectKeys.manifest(MONITOR, CHECK_ID);
      expect(result).toEqual({
        status: 'fanOut',
        checkId: CHECK_ID,
        config: expect.objectContaining({ monitor: MONITOR, minRecords: 50 }),
        manifestKey,
        chunks: 10,
      });
      expect(manifestKey).toBe(`checks/${MONITOR}/${CHECK_ID}/manifest.json`);
      const captureKeys = fakes.s3.keys(MONITORING_BUCKET, CAPTURE_PREFIX);
      const bytes = captureKeys.reduce((total, key) => total + Buffer.byteLength(fakes.s3.get(MONITORING_BUCKET, key)!), 0);
      expect(bytes).toBeGreaterThan(Number(FUNCTION_ENVIRONMENT.INLINE_WINDOW_BYTES));
      expect(JSON.parse(fakes.s3.get(MONITORING_BUCKET, `checks/${MONITOR}/${CHECK_ID}/plan.json`)!)).toEqual({
        version: VERSION,
        windowStart: WINDOW_START,
        windowEnd: WINDOW_END,
        objects: 10,
        bytes,
        chunks: 10,
      });
      expect(fakes.monitoring.all()).toEqual([]);
      expect(inputsOf('PutMetricDataCommand')).toEqual([]);
      expect(inputsOf('PutEventsCommand')).toEqual([]);
      expect(fakes.s3.keys(MONITORING_BUCKET, 'reports/')).toEqual([]);
    });

    it('lists in the manifest every capture file of the window exactly once, each chunk with the version and window', async () => {
      const { fakes } = await runScenario('CheckDrift', scenario('a window too large for one call, fanned out'));

      const chunks = manifestOf(fakes.s3);
      expect(chunks.map((chunk) => chunk.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const chunk of chunks)
        expect(chunk).toEqual({ index: chunk.index, version: VERSION, windowStart: WINDOW_START, windowEnd: WINDOW_END, keys: expect.any(Array) });
      expect(chunks.flatMap((chunk) => chunk.keys)).toEqual(fakes.s3.keys(MONITORING_BUCKET, CAPTURE_PREFIX));
    });

    it('packs small capture files into chunks of about a quarter of the inline limit, in key order, each file in one chunk', async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, LARGE_STABLE(), 20);
      const captureKeys = fakes.s3.keys(MONITORING_BUCKET, CAPTURE_PREFIX);
      const size = (key: string) => Buffer.byteLength(fakes.s3.get(MONITORING_BUCKET, key)!);

      const result = (await invoke('CheckDrift', plan())) as { chunks: number };

      const chunks: Chunk[] = manifestOf(fakes.s3);
      expect(result.chunks).toBe(chunks.length);
      expect(chunks.flatMap((chunk) => chunk.keys)).toEqual(captureKeys);
      const chunkBytes = Number(FUNCTION_ENVIRONMENT.INLINE_WINDOW_BYTES) / 4;
      for (const chunk of chunks) expect(chunk.keys.reduce((total, key) => total + size(key), 0)).toBeLessThanOrEqual(chunkBytes);
      // Each chunk is full: the next file would not have fit.
      for (const [index, chunk] of chunks.slice(0, -1).entries()) {
        expect(chunk.keys.reduce((total, key) => total + size(key), 0) + size(chunks[index + 1].keys[0])).toBeGreaterThan(chunkBytes);
      }
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.every((chunk) => chunk.keys.length > 1)).toBe(true);
    });

    it('finishes a fanned-out check by merging the chunk sketches: recorded, reported, published like a check done at once', async () => {
      const { result, fakes } = await runScenario('CheckDrift', scenario('the finish of a fanned-out check'));

      expect(result).toMatchObject({
        status: 'done',
        checkId: CHECK_ID,
        check: { status: 'no_drift', records: 1000, driftedFeatures: 0, reportUri: REPORT_URI },
      });
      expect(checkItem(fakes)).toMatchObject({ version: VERSION, windowStart: WINDOW_START, windowEnd: WINDOW_END, records: 1000, status: 'no_drift' });
      expect(latestItem(fakes)).toMatchObject({ checkId: CHECK_ID, records: 1000 });
      expect(reportOf(fakes).capture).toEqual({ records: 1000, outsideWindow: 0, unreadable: 0, objects: 10 });
      expect(metricData().map((datum) => datum.MetricName)).toEqual([
        'RecordsChecked',
        'DriftShare',
        'DriftedFeatures',
        ...FEATURE_NAMES.map(() => 'FeatureDriftScore'),
      ]);
      expect(inputsOf('ListObjectsV2Command')).toEqual([
        { Bucket: MONITORING_BUCKET, Prefix: `checks/${MONITOR}/${CHECK_ID}/partials/`, ContinuationToken: undefined },
      ]);
    });

    it.each([
      ['a stable window', LARGE_STABLE],
      ['a window with income and plan shifted', LARGE_SHIFTED],
    ])('gives %s fanned out the verdicts of the same window checked at once', async (_, rows) => {
      const data = rows();
      const arrange = (each: PlatformFakes) => {
        registeredWithBaseline(each);
        captured(each.s3, data, 100);
        // Records at the window's end belong to the next window; a line that is not JSON is unreadable.
        each.s3.put(MONITORING_BUCKET, `${HOUR_FOLDER}late.jsonl`, `${collectedFile(data.slice(0, 30), WINDOW_END)}\nnot json`);
      };
      arrange(fakes);
      await planAndSketch(fakes);

      await invoke('CheckDrift', finish());

      const atOnce = await checkedAtOnce(arrange);
      const fannedOut = checkItem(fakes)!;
      const verdict = ({ status, records, driftShare, driftedFeatures, features }: CheckRecord) => ({
        status,
        records,
        driftShare,
        driftedFeatures,
        features: features.map(({ feature, method, status: featureStatus }) => ({ feature, method, status: featureStatus })),
      });
      expect(verdict(fannedOut)).toEqual(verdict(atOnce.record));
      for (const [index, feature] of fannedOut.features.entries()) {
        const expected = atOnce.record.features[index].score!;
        expect(Math.abs(feature.score! - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
      }
      expect(reportOf(fakes).capture).toEqual({ records: 1000, outsideWindow: 30, unreadable: 1, objects: 11 });
      expect(atOnce.report.capture).toEqual(reportOf(fakes).capture);
    });

    it('flags the shifted features of a fanned-out window and sends DriftDetected once, from the finish', async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, LARGE_SHIFTED(), 100);
      await planAndSketch(fakes);
      expect(inputsOf('PutEventsCommand')).toEqual([]);

      await invoke('CheckDrift', finish());

      expect(checkItem(fakes)!.driftedFeatures).toEqual(['income', 'plan']);
      expect(eventDetails()).toEqual([
        expect.objectContaining({ checkId: CHECK_ID, records: 1000, driftedFeatures: ['income', 'plan'], reportUri: REPORT_URI }),
      ]);
    });

    it("fails with InternalError, not ValidationError, when a chunk's sketch is missing at the finish, recording and publishing nothing", async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, LARGE_STABLE(), 100);
      await invoke('CheckDrift', plan());
      // Every chunk but the last was sketched.
      for (const chunk of manifestOf(fakes.s3).slice(0, -1)) await invoke('SketchCaptureChunk', { config: monitorConfig(), checkId: CHECK_ID, chunk });
      const before = storedState(fakes);
      clearSentCommands();

      const error = await thrownBy(invoke('CheckDrift', finish()));

      // The Distributed Map fails the execution before the finish when a chunk fails: a missing sketch is a broken invariant, not a bad request.
      expect(error.name).toBe('InternalError');
      expect(error.message).toBe(`internal error; quote request id ${REQUEST_ID} when reporting it`);
      expect(storedState(fakes)).toEqual(before);
      expect(inputsOf('PutObjectCommand')).toEqual([]);
      expect(inputsOf('PutMetricDataCommand')).toEqual([]);
      expect(inputsOf('PutEventsCommand')).toEqual([]);
    });

    it("finishes a rerun of a window that fans out to fewer chunks than its earlier run, leaving out the earlier run's extra sketches", async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, LARGE_SHIFTED(), 100);
      await planAndSketch(fakes);
      // An earlier run of the window had more chunks (its capture files since expired, or a smaller chunk size): its last sketch is still there, of other data.
      const stale = fakes.s3.get(MONITORING_BUCKET, monitoringObjectKeys.chunkResult(MONITOR, CHECK_ID, 0))!;
      fakes.s3.put(MONITORING_BUCKET, monitoringObjectKeys.chunkResult(MONITOR, CHECK_ID, 10), stale);

      const result = await invoke('CheckDrift', finish());

      expect(result).toMatchObject({ status: 'done', check: { records: 1000 } });
      expect(reportOf(fakes).capture).toMatchObject({ records: 1000, objects: 10 });
    });

    it('fails with NotFoundError when finishing a check that was never planned, writing nothing', async () => {
      registeredWithBaseline(fakes);
      const before = storedState(fakes);

      const error = await thrownBy(invoke('CheckDrift', finish('20260601T130000Z')));

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(`check 20260601T130000Z of monitor ${MONITOR} was not planned`);
      expect(storedState(fakes)).toEqual(before);
      expect(sentCommands().map((command) => command.command)).toEqual(['GetObjectCommand']);
    });
  });

  describe('reruns and the latest check', () => {
    it('replaces the check of a window checked again: same check id, one check, its report and the latest rewritten', async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, STABLE.slice(0, 100));
      await invoke('CheckDrift', plan());
      // Late records of the window arrive before the rerun.
      fakes.s3.put(MONITORING_BUCKET, `${HOUR_FOLDER}late.jsonl`, collectedFile(SHIFTED.slice(0, 100), INFERENCE_TIME));

      const result = await invoke('CheckDrift', plan());

      expect(result).toMatchObject({ status: 'done', checkId: CHECK_ID, check: { records: 200 } });
      expect(
        fakes.monitoring
          .all()
          .filter((item) => item.sk.startsWith('C#'))
          .map((item) => item.sk),
      ).toEqual([`C#${CHECK_ID}`]);
      expect(checkItem(fakes)).toMatchObject({ records: 200 });
      expect(latestItem(fakes)).toMatchObject({ checkId: CHECK_ID, records: 200 });
      expect(reportOf(fakes).capture).toMatchObject({ records: 200, objects: 2 });
    });

    it("moves the monitor's latest forward to a later window's check", async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, STABLE);
      await invoke('CheckDrift', plan({}, '2026-06-01T11:00:00.000Z'));

      await invoke('CheckDrift', plan());

      expect(latestItem(fakes)).toMatchObject({ checkId: CHECK_ID, windowEnd: WINDOW_END, records: 200 });
    });

    it("keeps a later window's check as the monitor's latest when an earlier window is checked after it, recording the earlier check", async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, STABLE);
      await invoke('CheckDrift', plan());
      const latest = latestItem(fakes);
      clearSentCommands();

      const result = await invoke('CheckDrift', plan({}, '2026-06-01T11:00:00.000Z'));

      expect(result).toMatchObject({ status: 'done', checkId: '20260601T110000Z' });
      expect(checkItem(fakes, '20260601T110000Z')).toMatchObject({ windowEnd: '2026-06-01T11:00:00.000Z', records: 0 });
      expect(latestItem(fakes)).toEqual(latest);
      expect(latest).toMatchObject({ checkId: CHECK_ID });
      // The refused write of the latest was a conditional put, not a read-then-write.
      expect(inputsOf('PutCommand')[1]).toMatchObject({
        ConditionExpression: 'attribute_not_exists(pk) OR windowEnd <= :windowEnd',
        ExpressionAttributeValues: { ':windowEnd': '2026-06-01T11:00:00.000Z' },
      });
    });
  });

  describe('scores DynamoDB cannot hold', () => {
    it('records a p-value below 1e-130 as 0 in the check, keeping it exact in the report', async () => {
      registeredWithBaseline(fakes);
      // Incomes far beyond the training data but for a few: the KS p-value is near 1e-195.
      captured(
        fakes.s3,
        STABLE.map((row, index) => (index < 6 ? row : { ...row, income: 10_000_000 + index })),
      );

      await invoke('CheckDrift', plan());

      const reported = reportOf(fakes).drift.features.find((feature) => feature.feature === 'income')!;
      const reportedScore = reported.scores.find((score) => score.method === 'ks')!.score;
      expect(reportedScore).toBeGreaterThan(0);
      expect(reportedScore).toBeLessThan(1e-130);
      expect(checkItem(fakes)!.features.find((feature) => feature.feature === 'income')).toEqual({
        feature: 'income',
        method: 'ks',
        score: 0,
        status: 'drifted',
      });
    });

    it('records a p-value CloudWatch refuses (below 2^-360) but publishes only what CloudWatch takes', async () => {
      registeredWithBaseline(fakes);
      // Fewer incomes beyond the training data: a p-value near 1e-128, which DynamoDB holds and CloudWatch refuses.
      captured(
        fakes.s3,
        STABLE.map((row, index) => (index < 30 ? row : { ...row, income: 10_000_000 + index })),
      );

      await invoke('CheckDrift', plan());

      const score = checkItem(fakes)!.features.find((feature) => feature.feature === 'income')!.score!;
      expect(score).toBeGreaterThanOrEqual(1e-130);
      expect(score).toBeLessThan(2 ** -360);
      const published = metricData().map((datum) => datum.Value as number);
      expect(published.every((value) => value === 0 || (Math.abs(value) >= 2 ** -360 && Math.abs(value) <= 2 ** 360))).toBe(true);
    });
  });

  describe('failures', () => {
    it('fails with InternalError when EventBridge refuses DriftDetected, the check recorded so that a rerun converges', async () => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, SHIFTED);
      eventsMock.on(PutEventsCommand).resolves({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'arn:aws:events:eu-west-1:123456789012:event-bus/platform-bus' }],
      });

      const error = await thrownBy(invoke('CheckDrift', plan()));

      expect(error.name).toBe('InternalError');
      expect(error.message).not.toContain('arn:');
      expect(checkItem(fakes)).toMatchObject({ driftedFeatures: ['income', 'plan'] });
    });

    it('fails with ValidationError naming config.capture.bucket when the capture bucket does not exist, writing nothing', async () => {
      registeredWithBaseline(fakes);
      const before = storedState(fakes);

      const error = await thrownBy(invoke('CheckDrift', plan({ capture: { bucket: 'no-such-capture-bucket', prefix: CAPTURE_PREFIX } })));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('config.capture.bucket: names bucket no-such-capture-bucket, which does not exist');
      expect(storedState(fakes)).toEqual(before);
      expect(sentCommands().map((command) => command.command)).not.toContain('PutObjectCommand');
    });

    it.each([
      ['a config with both a version and an alias', plan({ alias: 'production' }), /^config: must give exactly one of version and alias$/],
      ['a config with neither a version nor an alias', plan({ version: undefined }), /^config: must give exactly one of version and alias$/],
      [
        'a capture bucket that is not a bucket name',
        plan({ capture: { bucket: 'Capture_Bucket', prefix: CAPTURE_PREFIX } }),
        /^config\.capture\.bucket: must be an S3 bucket name$/,
      ],
      [
        'a capture prefix without its trailing slash',
        plan({ capture: { bucket: MONITORING_BUCKET, prefix: 'collected/churn-prod' } }),
        /^config\.capture\.prefix: must be empty or end with "\/"/,
      ],
      ['a window of no minutes', plan({ windowMinutes: 0 }), /^config\.windowMinutes: /],
      ['a drift share threshold over 1', plan({ thresholds: { driftShare: 1.5 } }), /^config\.thresholds\.driftShare: /],
      ['an unknown method', plan({ numericMethod: 'chi_square' as never }), /^config\.numericMethod: /],
      ['a window end that is not a time', { phase: 'plan', config: monitorConfig(), windowEnd: 'noon' }, /^windowEnd: /],
      ['a finish without a check id', { phase: 'finish', config: monitorConfig() }, /^checkId: /],
      ['a check id with a slash', { phase: 'finish', config: monitorConfig(), checkId: '../other/check' }, /^checkId: must hold only letters, digits/],
      ['an unknown phase', { phase: 'sketch', config: monitorConfig(), windowEnd: WINDOW_END }, /^phase: /],
    ])('fails with ValidationError for %s, sending nothing', async (_, request, message) => {
      registeredWithBaseline(fakes);
      const before = storedState(fakes);

      const error = await thrownBy(invoke('CheckDrift', request));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(sentCommands()).toEqual([]);
      expect(storedState(fakes)).toEqual(before);
    });
  });
});
